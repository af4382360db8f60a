"""Answering a query: lexical and dense retrieval, fusion, diacritic restoration, documents ranked by
their best passage."""
