"""Storage backends: SQLite document store with its lexical index, and the faiss vector index."""
