"""Thin routers: parse the request, call one service, return a schema."""
