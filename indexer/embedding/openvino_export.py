"""Builds the int8 OpenVINO artefact of EmbeddingGemma from its verified weights, offline, with its own sha256 stamp.

The whole sentence-transformers pipeline goes into one graph: Gemma3 encoder, mean pooling over real tokens, the
2_Dense (768→3072) and 3_Dense (3072→768) projections. Only normalisation and the Matryoshka cut are left to the
embedder (in float32). NNCF compresses every weight to int8 (per output channel, symmetric); at run time the
OpenVINO CPU plugin quantises activations per group of 32 and multiplies in int8 (VNNI/AMX), which is where the
speed comes from. Chosen by measurement against torch dynamic int8 (cosine 0.86: per-tensor activations cannot
hold Gemma's outliers), ONNX Runtime dynamic int8 (cosine 0.96) and ONNX Runtime MatMulNBits 8-bit (cosine 0.995
but no faster than torch bf16): see benchmarks/results/encoder.md.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from indexer.embedding.fetch import GEMMA_SHA256, verify_gemma
from indexer.errors import ModelUnavailable
from indexer.hashing import sha256_file

logger = logging.getLogger(__name__)

OPENVINO_SUFFIX = "-openvino-int8"
ARTEFACT_FILES = ("model.xml", "model.bin", "meta.json")
SUMS_NAME = "SHA256SUMS"
FORMAT_VERSION = 1
SLIDING_WINDOW = 512  # EmbeddingGemma's sliding layers see keys at distance < 512 (bidirectional)


def artefact_dir(model_folder: Path) -> Path:
    """Where the fast artefact of a model folder lives: beside it, ``<model>-openvino-int8``."""
    return model_folder.parent / (model_folder.name + OPENVINO_SUFFIX)


def _pipeline_module(model_folder: Path) -> tuple[Any, Any]:
    """The sentence-transformers model and a torch module (input_ids, attention_mask) → unnormalised vector."""
    import torch
    from sentence_transformers import SentenceTransformer

    # Eager attention with masks we build ourselves: transformers' own mask builders (vmap) do not trace.
    st = SentenceTransformer(
        str(model_folder),
        device="cpu",
        local_files_only=True,
        model_kwargs={"torch_dtype": torch.float32, "attn_implementation": "eager"},
    )
    modules = [type(m).__name__ for m in st]
    if modules[:4] != ["Transformer", "Pooling", "Dense", "Dense"]:
        raise ModelUnavailable(f"unexpected sentence-transformers pipeline {modules}; cannot export it")
    for dense in (st[2], st[3]):
        if not isinstance(dense.activation_function, torch.nn.Identity):
            raise ModelUnavailable("EmbeddingGemma's Dense layers should be linear; refusing to export")

    class Pipeline(torch.nn.Module):
        """Encoder, mean pooling over the attention mask, and the two Dense projections."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder: Any = st[0].auto_model
            self.dense1: Any = st[2].linear
            self.dense2: Any = st[3].linear

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            real = attention_mask[:, None, None, :].bool()
            pos = torch.arange(input_ids.shape[1])
            near = (pos[:, None] - pos[None, :]).abs() < SLIDING_WINDOW
            blocked = torch.finfo(torch.float32).min
            masks = {  # additive masks, bidirectional: every real token sees every real token (sliding: if near)
                "full_attention": torch.where(real, 0.0, blocked),
                "sliding_attention": torch.where(real & near, 0.0, blocked),
            }
            hidden = self.encoder(input_ids=input_ids, attention_mask=masks).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return self.dense2(self.dense1(pooled))

    return st, Pipeline().eval()


def build_openvino_artefact(model_folder: Path, *, force: bool = False) -> Path:
    """Export, compress to int8 and stamp the artefact beside ``model_folder``; idempotent unless ``force``.

    Needs torch, sentence-transformers, openvino and nncf; no network. Raises ModelUnavailable when the source
    model does not verify or the export fails. The folder is swapped into place only once complete and stamped.
    """
    target = artefact_dir(model_folder)
    if not force and target.is_dir():
        try:
            verify_openvino_artefact(target)
            logger.info("openvino artefact already built and verified at %s", target)
            return target
        except ModelUnavailable as exc:
            logger.warning("rebuilding the openvino artefact: %s", exc)
    verify_gemma(model_folder)  # built only from the verified weights
    try:
        import nncf
        import openvino as ov
        import torch
    except ImportError as exc:
        raise ModelUnavailable(f"building the fast backend needs openvino and nncf ({exc})") from exc

    st, pipeline = _pipeline_module(model_folder)
    sample = st.tokenizer(["title: none | text: xin chào", "task: search result | query: hello"], padding=True)
    example = {k: torch.tensor(sample[k], dtype=torch.int64) for k in ("input_ids", "attention_mask")}
    logger.info("exporting %s to OpenVINO (about a minute)", model_folder.name)
    try:
        with torch.no_grad():
            graph = ov.convert_model(
                pipeline,
                example_input=example,
                input=[("input_ids", [-1, -1], ov.Type.i64), ("attention_mask", [-1, -1], ov.Type.i64)],
            )
        logger.info("compressing weights to int8 with NNCF")
        graph = nncf.compress_weights(graph, mode=nncf.CompressWeightsMode.INT8_SYM)
    except Exception as exc:  # a converter failure of another openvino/transformers version: torch still works
        raise ModelUnavailable(f"exporting {model_folder.name} to OpenVINO failed: {exc}") from exc
    meta = {
        "format": FORMAT_VERSION,
        "source": model_folder.name,
        "source_sha256": GEMMA_SHA256,
        "openvino": ov.__version__,
        "nncf": nncf.__version__,
        "weights": "int8_sym (NNCF compress_weights)",
        "dimension": int(pipeline.dense2.out_features),
        "prompts": dict(getattr(st, "prompts", {}) or {}),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".openvino-") as tmp_name:
        tmp = Path(tmp_name) / target.name
        tmp.mkdir()
        ov.save_model(graph, str(tmp / "model.xml"), compress_to_fp16=False)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
        sums = [f"{sha256_file(tmp / name)}  {name}" for name in ARTEFACT_FILES]
        (tmp / SUMS_NAME).write_text("\n".join(sums) + "\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    logger.info("openvino int8 artefact built at %s", target)
    return target


def verify_openvino_artefact(folder: Path) -> dict[str, Any]:
    """Check every file against the stamp written at build time and the source weights; return meta.json.

    Raises ModelUnavailable naming what is missing or changed (run `thammuu models fetch` to rebuild).
    """
    sums_path = folder / SUMS_NAME
    if not sums_path.is_file():
        raise ModelUnavailable(f"no fast-backend artefact at {folder}; run `thammuu models fetch`")
    recorded = {}
    for line in sums_path.read_text().splitlines():
        digest, _, name = line.partition("  ")
        recorded[name] = digest
    for name in ARTEFACT_FILES:
        path = folder / name
        if not path.is_file():
            raise ModelUnavailable(f"{path} is missing; run `thammuu models fetch`")
        if recorded.get(name) != sha256_file(path):
            raise ModelUnavailable(f"{path} does not match its sha256 stamp; run `thammuu models fetch --force`")
    meta: dict[str, Any] = json.loads((folder / "meta.json").read_text())
    if meta.get("format") != FORMAT_VERSION or meta.get("source_sha256") != GEMMA_SHA256:
        raise ModelUnavailable(f"{folder} was built from other weights or by another version; rebuild it")
    return meta
