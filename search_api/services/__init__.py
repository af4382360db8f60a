"""Services behind the routes: search, documents, facets, snippets and background indexing jobs."""
