"""Thammuu indexer: parse, understand, chunk, embed and store official documents."""

from __future__ import annotations

__version__ = "0.1.0"
