"""What one app process holds: settings, the shared embedder, the open index, services, jobs, principals."""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any

from indexer.config import Settings
from indexer.embedding import shared_embedder
from indexer.errors import IndexerError
from indexer.interfaces import Embedder
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.index import Index
from search_api.config import AppSettings, app_settings
from search_api.drafting.llm import LlmDrafter, chat_model
from search_api.drafting.service import DraftService
from search_api.drafting.templates import TemplateRegistry
from search_api.security import guard_chunks, is_loopback
from search_api.security.database import open_security
from search_api.security.errors import Unauthenticated
from search_api.security.guard import R
from search_api.security.principals import DEV_PRINCIPAL, Principal
from search_api.services.drafts import DraftsService
from search_api.services.jobs import IndexJobs
from search_api.services.search import SearchService

logger = logging.getLogger(__name__)


class AppState:
    """Lazily opened, thread-safe holder of the index and its services (the model loads once per process)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings: AppSettings = app_settings(settings)
        self._embedder = embedder
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._retriever: HybridRetriever | None = None
        self._service: SearchService | None = None
        self._drafts: DraftsService | None = None
        self.jobs = IndexJobs(self.settings, self.embedder)
        self.principals, self.audit_log = open_security(self.settings)
        self.dev_mode = self._decide_dev_mode()

    def _decide_dev_mode(self) -> bool:
        """Development mode is decided once, at start-up: no principal defined and bound to loopback only.

        Revoking every principal of a running server never turns it on (the server then refuses everything
        but health until a principal exists), and it ends for good as soon as a principal is added.
        """
        if self.principals.count() > 0:
            logger.info("access control on: every request needs an API key")
            return False
        host = self.settings.api.host
        if not is_loopback(host):
            logger.warning("no principals and bound to %s: every request but health is refused", host)
            return False
        logger.warning(
            "*** DEVELOPMENT MODE *** no principals defined: requests without a key act as %r (reads and drafts"
            " over UNCLASSIFIED documents only, never an admin). Add one with `thammuu users add`.",
            DEV_PRINCIPAL.name,
        )
        return True

    def authenticate(self, key: str | None) -> Principal:
        """The caller of a request: the key's principal, the development principal, or Unauthenticated."""
        if self.dev_mode and self.principals.count() > 0:
            self.dev_mode = False  # a principal now exists: keys from here on, for good
            logger.warning("a principal was added: development mode is over, every request needs an API key")
        if key:
            principal = self.principals.authenticate(key)
            if principal is None:
                raise Unauthenticated("a valid API key is required (Authorization: Bearer …)")
            if self.settings.security.unitless_documents == "all-units-only":
                principal = dataclasses.replace(principal, unitless_visible=False)
            return principal
        if self.dev_mode:
            return DEV_PRINCIPAL
        raise Unauthenticated("a valid API key is required (Authorization: Bearer …)")

    def embedder(self) -> Embedder:
        """The process-wide embedder (loaded on first use)."""
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = shared_embedder(self.settings)
        return self._embedder

    def guard(self, principal: Principal, rows: list[R], endpoint: str) -> list[R]:
        """Records the principal may see; anything else is dropped and recorded as an incident."""
        return guard_chunks(principal, rows, self.audit_log, endpoint)

    def audit(
        self,
        principal: Principal,
        endpoint: str,
        query: str,
        filters: dict[str, Any],
        chunk_ids: list[int],
        doc_ids: list[str],
    ) -> None:
        """Record one answered request in the audit log."""
        self.audit_log.record(
            principal.name,
            endpoint,
            query,
            filters,
            chunk_ids,
            doc_ids,
            clearance=int(principal.clearance),
            units=principal.units,
        )

    def _open(self) -> None:
        embedder = self.embedder()
        with self._lock:
            if self._index is not None:
                return
            index = Index.open(self.settings)  # raises IndexNotFound → 503
            retriever = HybridRetriever(index, embedder, self.settings)
            index.refresh()
            self._service = SearchService(index, retriever, self.settings, self.guard, self.audit)
            self._retriever, self._index = retriever, index
            logger.info("index %s opened: %s", index.location, index.store.stats())

    def try_open(self) -> None:
        """Open the index now if there is one; a missing index is reported by health and answered 503."""
        try:
            self._open()
        except IndexerError as exc:
            logger.warning("index not loaded: %s", exc)

    def _ensure_open(self) -> None:
        """Open on first use: index, retriever and service are created together by ``_open``."""
        if self._index is None:  # set last by _open, so the others exist once it does
            self._open()

    @property
    def index(self) -> Index:
        self._ensure_open()
        assert self._index is not None
        return self._index

    @property
    def retriever(self) -> HybridRetriever:
        self._ensure_open()
        assert self._retriever is not None
        return self._retriever

    @property
    def search(self) -> SearchService:
        self._ensure_open()
        assert self._service is not None
        return self._service

    @property
    def drafts(self) -> DraftsService:
        """The drafts service, built on first use (templates loaded, the LLM drafter when configured)."""
        self._ensure_open()
        if self._drafts is None:
            with self._lock:
                if self._drafts is None:
                    llm = None
                    if self.settings.llm.base_url:
                        llm = LlmDrafter(chat_model(self.settings.llm), self.embedder())
                    templates = TemplateRegistry.load(self.settings.prompts_dir)
                    engine = DraftService(self.retriever, templates, llm)
                    self._drafts = DraftsService(engine, self.audit_log, self.audit)
        return self._drafts

    @property
    def loaded(self) -> bool:
        return self._index is not None

    def close(self) -> None:
        self.jobs.shutdown()
        self.principals.close()
        self.audit_log.close()
        if self._index is not None:
            self._index.close()
