"""Retrieval quality on BEIR-layout datasets: loading, running, scoring."""
