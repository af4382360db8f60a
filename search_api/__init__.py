"""Thammuu search API: FastAPI app, retrieval services, drafting and the web page."""
