"""Cutting a document into passages along its own structure."""
