"""One typed settings object for the whole product, read from ``THAMMUU_*`` variables or a ``.env`` file.

Nested sections use ``__`` as delimiter, e.g. ``THAMMUU_EMBEDDING__MODEL=/path/to/model``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "embeddinggemma-300m"


def _default_models_dir() -> Path:
    return Path.home() / ".cache" / "thammuu" / "models"


class EmbeddingSettings(BaseModel):
    """Which sentence-transformers model embeds chunks and queries, and how."""

    model: str = Field(
        DEFAULT_MODEL,
        description="'embeddinggemma-300m' (assembled by `thammuu models fetch`) or a path to any "
        "sentence-transformers model folder.",
    )
    dtype: Literal["auto", "bf16", "fp32"] = Field(
        "auto", description="auto = bf16 where the CPU supports it, else fp32. Never fp16."
    )
    max_seq_length: int = Field(512, ge=32, le=8192, description="Token limit per passage.")
    batch_size: int = Field(16, ge=1, le=512, description="Passages per encoder batch.")
    threads: int = Field(0, ge=0, description="torch threads; 0 = number of CPU cores.")
    dimension: int = Field(0, ge=0, description="Truncate vectors (Matryoshka) to this size; 0 = full.")
    query_cache: int = Field(2048, ge=0, description="Query vectors kept in an LRU cache (0 = no cache).")
    backend: Literal["auto", "torch", "openvino"] = Field(
        "auto",
        description="auto = openvino (int8 weights, int8 dot products) for the default model where "
        "`thammuu models fetch` built its artefact and the CPU has int8 dot-product instructions (VNNI/AMX) or "
        "`models fetch` measured it faster on this CPU; else torch.",
    )


class ChunkingSettings(BaseModel):
    """How documents are split into passages."""

    chunk_size: int = Field(1500, ge=200, description="Target maximum characters per chunk.")
    chunk_overlap: int = Field(200, ge=0, description="Characters shared by consecutive pieces of a long section.")
    min_chunk: int = Field(200, ge=0, description="Sections shorter than this are merged with their neighbour.")


class VectorSettings(BaseModel):
    """faiss index layout: exact inner product while small, HNSW once large."""

    hnsw_threshold: int = Field(50_000, ge=0, description="Switch to HNSW at this many vectors.")
    hnsw_m: int = Field(32, ge=4, description="HNSW graph degree.")
    hnsw_ef_construction: int = Field(200, ge=16, description="HNSW build beam width.")
    hnsw_ef_search: int = Field(128, ge=16, description="HNSW query beam width.")
    exact_below: int = Field(
        4096,
        ge=0,
        description="A restricted search allowing at most this many chunks scores them exactly (numpy) instead"
        " of walking the HNSW graph.",
    )
    hnsw_compact_ratio: float = Field(
        0.2, gt=0.0, le=1.0, description="Rebuild the HNSW graph when this share of it is deleted vectors."
    )


class FusionSettings(BaseModel):
    """How one query language's lexical and dense lists are fused (chosen on that language's train questions)."""

    method: Literal["rrf", "weighted"] = Field("weighted", description="Reciprocal-rank or weighted-score fusion.")
    normalisation: Literal["minmax", "zscore", "max"] = Field(
        "max", description="Score normalisation before weighted fusion (max = divide by the top score)."
    )
    dense_weight: float = Field(0.8, ge=0.0, le=1.0, description="Weight of the dense list (1 - it: lexical).")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")


class VietnameseFusion(FusionSettings):
    """Vietnamese queries. ALQAC train nDCG@10: 0.944 (weighted, max, 0.8) vs dense 0.909, BM25 0.896."""


class OtherFusion(FusionSettings):
    """Every other query. SciFact train nDCG@10: 0.904 (minmax, 0.9) vs 0.871 with the Vietnamese weights."""

    normalisation: Literal["minmax", "zscore", "max"] = Field(
        "minmax", description=FusionSettings.model_fields["normalisation"].description
    )
    dense_weight: float = Field(0.9, ge=0.0, le=1.0, description="Weight of the dense list (1 - it: lexical).")


class SearchSettings(BaseModel):
    """Hybrid retrieval defaults (chosen by measurement on the train questions, see README)."""

    vietnamese: VietnameseFusion = Field(
        default_factory=VietnameseFusion,
        description="Fusion for Vietnamese queries (marked, or unmarked words the index knows in marked form).",
    )
    other: OtherFusion = Field(
        default_factory=OtherFusion,
        description="Fusion for every other query (English, Bengali, ...): lexical matching helps those less.",
    )
    restore_diacritics: bool = Field(
        True, description="Restore Vietnamese marks of a query typed without them before embedding it."
    )
    phrase_bigrams: Literal["off", "vietnamese", "always"] = Field(
        "vietnamese",
        description="Also match adjacent query syllables as FTS5 phrases: Vietnamese words span several syllables "
        "('vietnamese' = for queries written with Vietnamese marks; it costs English queries, so not for them).",
    )
    folded_weight: float = Field(
        0.7, ge=0.0, le=1.0, description="BM25 weight of diacritic-folded matches (exact matches weigh 1)."
    )
    restore_context: int = Field(20, ge=0, le=50, description="Top lexical hits whose wording guides restoration.")
    candidates: int = Field(100, ge=10, le=2000, description="Hits taken from each retriever before fusion.")
    max_query_chars: int = Field(1000, ge=10, description="Longer queries are refused.")
    max_k: int = Field(100, ge=1, description="Largest page size a caller may ask for.")

    def fusion_for(self, vietnamese: bool) -> FusionSettings:
        """The fusion profile of a query's language."""
        return self.vietnamese if vietnamese else self.other


class OcrSettings(BaseModel):
    """Tesseract OCR for image-only PDF pages."""

    enabled: bool = Field(True, description="Run OCR on pages without a text layer when Tesseract is present.")
    languages: str = Field("vie+eng+ben", description="Tesseract language packs, '+'-joined.")
    dpi: int = Field(300, ge=72, le=600, description="Rendering resolution for OCR.")


DEFAULT_FLUSH_CHUNKS = 1024


class IndexingSettings(BaseModel):
    """How the incremental pipeline batches its work."""

    flush_chunks: int = Field(
        DEFAULT_FLUSH_CHUNKS,
        ge=1,
        description="Passages embedded and committed together: larger batches sort by length with less padding;"
        " a crash loses at most the batch in flight.",
    )


class StorageSettings(BaseModel):
    """Where the index lives: the embedded directory (SQLite + faiss, the default) or a PostgreSQL server."""

    url: str | None = Field(
        None,
        description="postgresql://user:pass@host:5432/db selects the PostgreSQL + pgvector backend (documents,"
        " vectors, lexical index, principals and audit in that database); unset: the embedded index directory.",
    )
    vector_type: Literal["halfvec", "vector"] = Field(
        "halfvec",
        description="PostgreSQL: precision of the HNSW index over the vectors (halfvec: 16-bit, half the size; the"
        " stored vectors stay 32-bit).",
    )

    vector_scan: Literal["hnsw", "exact", "planner"] = Field(
        "hnsw",
        description="PostgreSQL: how vector searches scan: through the HNSW index (filtered rows skipped while the"
        " graph is walked, until k are found), exactly (every allowed vector), or as the planner estimates. A"
        " search restricted to named documents is always exact.",
    )

    @property
    def is_postgres(self) -> bool:
        """True when the URL names a PostgreSQL server."""
        return bool(self.url) and str(self.url).startswith(("postgresql://", "postgres://"))


class Settings(BaseSettings):
    """Everything configurable, validated at start-up."""

    model_config = SettingsConfigDict(env_prefix="THAMMUU_", env_nested_delimiter="__", env_file=".env", extra="ignore")

    index_dir: Path = Field(Path("var/index"), description="Directory holding the index.")
    models_dir: Path = Field(default_factory=_default_models_dir, description="Cache of assembled models.")
    data_dir: Path = Field(Path("../shared/data"), description="Real public data used by tests and benchmarks.")
    default_unit: str = Field("", description="Owning unit given to documents that name none.")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    vectors: VectorSettings = Field(default_factory=VectorSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    indexing: IndexingSettings = Field(default_factory=IndexingSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
