"""Domain errors: one hierarchy for the whole product, each class with its code and the HTTP status it means.

``ThammuuError`` is the root of every error raised on purpose, here and in ``search_api`` (security, drafting,
the API's own refusals). ``status`` is a plain number (the indexer knows no HTTP); the API maps every
ThammuuError to its answer in one handler, the CLI prints its message in one line.
"""

from __future__ import annotations


class ThammuuError(Exception):
    """Base class of every error raised on purpose: ``code`` names it, ``status`` is the HTTP status it means."""

    code = "error"
    status = 400


class IndexerError(ThammuuError):
    """Base class of every error the indexer raises on purpose."""

    code = "indexer_error"


class UnsupportedFormat(IndexerError):
    """The file's suffix or content is not a format we can parse."""

    code = "unsupported_format"
    status = 415


class CorruptDocument(IndexerError):
    """The file could not be read: damaged, encrypted, empty or mislabelled."""

    code = "corrupt_document"
    status = 422


class NeedsOCR(CorruptDocument):
    """Image-only pages were found and no OCR engine is available to read them."""

    code = "needs_ocr"
    status = 422


class IndexMismatch(IndexerError):
    """The index was built with another model, dimension or chunker than the one configured."""

    code = "index_mismatch"
    status = 409


class IndexNotFound(IndexerError):
    """No index exists at the configured directory."""

    code = "index_not_found"
    status = 503


class ModelUnavailable(IndexerError):
    """The embedding model is not on disk or failed verification."""

    code = "model_unavailable"
    status = 503


class DocumentNotFound(IndexerError):
    """No (visible) document has this id."""

    code = "document_not_found"
    status = 404


class InvalidDataset(IndexerError):
    """An evaluation dataset is missing a file or holds a malformed line."""

    code = "invalid_dataset"
    status = 400


class InvalidClassification(IndexerError):
    """A sidecar or record names a classification that cannot be read: the document is refused, never guessed.

    Failing closed: an unreadable marking must not index a possibly classified document as unclassified.
    """

    code = "invalid_classification"
    status = 422


class StorageUnavailable(IndexerError):
    """The storage server (PostgreSQL) cannot be reached or refused the connection."""

    code = "storage_unavailable"
    status = 503
