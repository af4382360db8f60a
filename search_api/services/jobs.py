"""Background indexing jobs: one writer thread runs IndexPipeline while request threads keep reading."""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from indexer.build.pipeline import IndexPipeline
from indexer.config import Settings
from indexer.interfaces import Embedder
from indexer.storage.index import Index

logger = logging.getLogger(__name__)

Status = Literal["queued", "running", "done", "failed"]
MAX_JOBS_KEPT = 200


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One indexing request and what became of it."""

    id: str
    source: str
    unit: str | None
    status: Status = "queued"
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    finished_at: str | None = None
    report: dict[str, Any] | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "unit"}


class IndexJobs:
    """Runs jobs one at a time (a single writer) in a worker thread; readers see each batch once committed."""

    def __init__(self, settings: Settings, embedder_fn: Any) -> None:
        self.settings = settings
        self._embedder_fn = embedder_fn
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thammuu-index")

    def submit(self, path: Path, unit: str | None = None, source: str | None = None) -> Job:
        """Queue indexing of a file or folder; returns the job at once."""
        job = Job(id=uuid.uuid4().hex[:12], source=source or str(path), unit=unit)
        with self._lock:
            self._jobs[job.id] = job
            if len(self._jobs) > MAX_JOBS_KEPT:
                for old in [j for j in self._jobs.values() if j.status in ("done", "failed")][:50]:
                    self._jobs.pop(old.id, None)
        self._pool.submit(self._run, job, path)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: Job, path: Path) -> None:
        job.status, job.started_at = "running", _now()
        try:
            embedder: Embedder = self._embedder_fn()
            index = Index.open_or_create(self.settings, embedder.name, embedder.dimension)
            try:
                report = IndexPipeline(self.settings, embedder, index).run([path], default_unit=job.unit)
            finally:
                index.close()
            job.report = report.to_dict()
            job.status = "done"
            logger.info("index job %s done: %s", job.id, job.report)
        except Exception as exc:  # a job must end with a status, whatever happened
            logger.exception("index job %s failed", job.id)
            job.status = "failed"
            job.error = str(exc) if getattr(exc, "code", None) else "indexing failed; see the server log"
        finally:
            job.finished_at = _now()

    def shutdown(self) -> None:
        """Wait for the running job and drop queued ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)
