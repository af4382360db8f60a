"""Benchmarks: indexing throughput and retrieval quality on the public data sets in ``../shared/data``."""
