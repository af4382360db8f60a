"""Shared fixtures: the real packaged model (once per session), real data paths, fresh index directories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.config import Settings
from search_api.config import AppSettings
from tests.postgres_fixture import pg_server, pg_url  # noqa: F401  (fixtures: a real PostgreSQL per session)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
BASE_URL = "http://127.0.0.1:8000"  # TestClient's default "testserver" is not a Host the server answers to


def _data_dir() -> Path:
    return Path(os.environ.get("THAMMUU_DATA_DIR", ROOT.parent / "shared" / "data")).resolve()


DATA = _data_dir()


def need_data(*parts: str) -> Path:
    """Path under the shared data folder; skipped where it is absent, but never in CI (there it must exist)."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is required in CI")
        pytest.skip(f"{path} not available on this machine")
    return path


@pytest.fixture(scope="session")
def settings() -> AppSettings:
    """Settings from the environment (models dir, data dir); each test picks its own index dir."""
    return AppSettings()


@pytest.fixture(scope="session")
def embedder(settings: Settings):  # type: ignore[no-untyped-def]
    """The real default embedding model, loaded once for the whole test session."""
    from indexer.embedding import shared_embedder

    return shared_embedder(settings)


@pytest.fixture(scope="session")
def fake_embedder():  # type: ignore[no-untyped-def]
    """A deterministic stand-in for the model, for logic around it (plumbing, access control, API contracts)."""
    from benchmarks.reliability.malformed import HashEmbedder

    return HashEmbedder()


@pytest.fixture()
def index_settings(tmp_path: Path, settings: Settings) -> Settings:
    """Settings pointing at a fresh index directory for this test."""
    return settings.model_copy(update={"index_dir": tmp_path / "index"})


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, settings: Settings, embedder) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    """An index of the sample corpus, built once per session (read-only for tests)."""
    from indexer.build.pipeline import IndexPipeline
    from indexer.storage.index import Index

    s = settings.model_copy(update={"index_dir": tmp_path_factory.mktemp("corpus") / "index"})
    idx = Index.open_or_create(s, embedder.name, embedder.dimension)
    report = IndexPipeline(s, embedder, idx).run([CORPUS])
    assert report.added > 0, report.failed
    idx.close()
    yield s


def copy_index(src: Path, dest: Path) -> None:
    """Copy an index directory consistently (SQLite backup API, so a live WAL is included); faiss is rebuilt."""
    import shutil
    import sqlite3

    dest.mkdir(parents=True)
    shutil.copy2(src / "manifest.json", dest / "manifest.json")
    source, target = sqlite3.connect(src / "store.sqlite"), sqlite3.connect(dest / "store.sqlite")
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


@pytest.fixture()
def warm_index(tmp_path: Path, corpus_index: Settings) -> Settings:
    """A private, writable copy of the session corpus index: its stored vectors spare re-embedding the corpus."""
    copy_index(corpus_index.index_dir, tmp_path / "warm-index")
    return corpus_index.model_copy(update={"index_dir": tmp_path / "warm-index"})


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample corpus (documents and sidecars only)."""
    import shutil

    dest = tmp_path / "docs"
    shutil.copytree(CORPUS, dest, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return dest


@pytest.fixture()
def cli(embedder, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Invoke the console script's app in-process with the session's real model (loaded once)."""
    from typer.testing import CliRunner

    import indexer.embedding
    from search_api.cli import app

    monkeypatch.setattr(indexer.embedding, "create_embedder", lambda _s: embedder)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the real model (the ``embedder`` fixture, directly or through another), so
    the edit loop (``make check``) can leave them to ``make test``."""
    for item in items:
        if "embedder" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)
