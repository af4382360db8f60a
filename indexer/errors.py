"""Domain errors of the indexer: a small hierarchy that callers (CLI, API) map to messages and HTTP codes."""

from __future__ import annotations


class IndexerError(Exception):
    """Base class of every error the indexer raises on purpose."""

    code = "indexer_error"


class UnsupportedFormat(IndexerError):
    """The file's suffix or content is not a format we can parse."""

    code = "unsupported_format"


class CorruptDocument(IndexerError):
    """The file could not be read: damaged, encrypted, empty or mislabelled."""

    code = "corrupt_document"


class NeedsOCR(CorruptDocument):
    """Image-only pages were found and no OCR engine is available to read them."""

    code = "needs_ocr"


class IndexMismatch(IndexerError):
    """The index was built with another model, dimension or chunker than the one configured."""

    code = "index_mismatch"


class IndexNotFound(IndexerError):
    """No index exists at the configured directory."""

    code = "index_not_found"


class ModelUnavailable(IndexerError):
    """The embedding model is not on disk or failed verification."""

    code = "model_unavailable"


class DocumentNotFound(IndexerError):
    """No (visible) document has this id."""

    code = "document_not_found"


class InvalidDataset(IndexerError):
    """An evaluation dataset is missing a file or holds a malformed line."""

    code = "invalid_dataset"


class InvalidClassification(IndexerError):
    """A sidecar or record names a classification that cannot be read: the document is refused, never guessed.

    Failing closed: an unreadable marking must not index a possibly classified document as unclassified.
    """

    code = "invalid_classification"
