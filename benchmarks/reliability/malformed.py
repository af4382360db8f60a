"""Malformed files: a folder of broken and hostile inputs of every supported format, indexed in one run.

Goal: every malformed file is reported with a reason (a failure, or a warning where the file stays usable),
no exception escapes ``IndexPipeline.run``, and every good file beside them is indexed, once.

``python -m benchmarks.reliability.malformed [--embedder hash|real] [--workdir DIR]`` logs the table and exits
1 when the goal is missed. OCR is off, so "no OCR possible" is a fact of the run, not of the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from indexer.build.pipeline import IndexPipeline, IndexReport
from indexer.build.sources import display_path, file_doc_id, record_doc_id
from indexer.config import OcrSettings, Settings
from indexer.errors import InvalidClassification
from indexer.interfaces import Embedder
from indexer.storage.index import Index
from indexer.understanding.identity import identify

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PDF = ROOT / "corpus" / "nq-09-tu-2024-du-lich-bien-dao.pdf"
NOTE = (
    "VĂN PHÒNG TỈNH ỦY\nSố {n}-TB/VPTU\n\n# THÔNG BÁO\n## về {topic}\n\n1. Các chi bộ triển khai nội dung {topic}, "
    "báo cáo kết quả trước cuối tháng.\n\n2. Văn phòng Tỉnh ủy theo dõi, tổng hợp việc thực hiện thông báo số {n}.\n"
)
# Values a classification field may hold that cannot be read as a level; the first one identify() refuses is used.
UNREADABLE_CLASSIFICATIONS: tuple[Any, ...] = (7, "MẬT???", ["MẬT"], {"level": "MẬT"})
REFUSAL = "identify() refuses an unreadable classification (InvalidClassification)"

Expect = Literal["failure", "warning"]


@dataclass(frozen=True)
class Case:
    """One malformed file: what it is, how it must be reported, and words its reason must contain."""

    name: str
    what: str
    expect: Expect
    reason_has: tuple[str, ...]
    requires: str | None = None  # a behaviour outside this check the case depends on


@dataclass
class CaseResult:
    """What the run reported for one case."""

    case: Case
    reasons: list[str]
    reported: bool
    skipped: str | None = None  # why the case could not be judged here

    @property
    def ok(self) -> bool:
        return self.skipped is not None or self.reported


@dataclass
class MalformedResult:
    """The whole check: per-case results, good files missing, failures nobody expected, an escaped exception."""

    cases: list[CaseResult]
    good: list[str]
    good_missing: list[str] = field(default_factory=list)
    unexpected: list[tuple[str, str]] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # stored documents that no good file accounts for
    error: str | None = None
    added: int = 0
    stored: int = 0
    rerun_stable: bool = False  # a second run reports the same failures and changes nothing

    @property
    def ok(self) -> bool:
        clean = not (self.error or self.good_missing or self.unexpected or self.extra)
        return clean and self.rerun_stable and self.added == self.stored and all(c.ok for c in self.cases)

    def to_markdown(self) -> str:
        """The result as a Markdown table plus a verdict line."""
        rows = ["| file | what | expected | reported | reason |", "|---|---|---|---|---|"]
        for r in self.cases:
            status = f"skipped ({r.skipped})" if r.skipped else ("yes" if r.reported else "**NO**")
            reason = "; ".join(r.reasons).replace("|", "\\|") or "—"
            name = display_path(r.case.name).replace("\x00", "\\x00")
            rows.append(f"| {name} | {r.case.what} | {r.case.expect} | {status} | {reason} |")
        judged = [r for r in self.cases if not r.skipped]
        rows.append("")
        rows.append(
            f"{sum(r.reported for r in judged)}/{len(judged)} malformed files reported with a reason"
            f" ({len(self.cases) - len(judged)} skipped); good files indexed {len(self.good) - len(self.good_missing)}"
            f"/{len(self.good)}; added {self.added}, stored {self.stored} ({len(self.extra)} unaccounted for);"
            f" unexpected failures {len(self.unexpected)}; second run stable: {'yes' if self.rerun_stable else 'NO'};"
            f" escaped exception: {self.error or 'none'} → {'OK' if self.ok else 'FAILED'}"
        )
        return "\n".join(rows)


class HashEmbedder:
    """Deterministic stand-in for the model: a unit vector seeded by each text's hash."""

    name = "hash-64"
    dimension = 64

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dimension)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        return self._vectors(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors(texts)


def _note(n: int, topic: str) -> str:
    return NOTE.format(n=n, topic=topic)


def _jsonl(*lines: Any) -> bytes:
    return b"".join(
        (ln if isinstance(ln, bytes) else json.dumps(ln, ensure_ascii=False).encode()) + b"\n" for ln in lines
    )


def _good_record(key: str, n: int) -> dict[str, Any]:
    return {"id": key, "title": f"Thông báo {n}", "text": _note(n, f"chủ đề bản ghi {key}")}


def _docx(path: Path, paragraphs: list[str]) -> None:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    document.save(str(path))


def _pdf(path: Path, *, sample: bool, blank_pages: int = 0, password: str | None = None) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    if sample:
        writer.append(PdfReader(SAMPLE_PDF))
    for _ in range(blank_pages):
        writer.add_blank_page(595, 842)
    if password is not None:
        writer.encrypt(user_password=password, owner_password="owner-secret", algorithm="RC4-128")
    with path.open("wb") as fh:
        writer.write(fh)


def unreadable_classification() -> Any | None:
    """The first value of UNREADABLE_CLASSIFICATIONS that identify() refuses, or None when it refuses none."""
    for value in UNREADABLE_CLASSIFICATIONS:
        try:
            identify(_note(1, "x"), {"classification": value})
        except InvalidClassification:
            return value
    return None


Maker = Callable[[Path], object]  # writes one case at the path it is given


def _bytes(content: bytes) -> Maker:
    return lambda p: p.write_bytes(content)


def _link(target: str | Path) -> Maker:
    def make(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)

    return make


def _call(fn: Callable[..., object], *args: Any, **kwargs: Any) -> Maker:
    return lambda p: fn(p, *args, **kwargs)


def _with_sidecar(text: str, content: bytes | None = None, link_to: Path | None = None) -> Maker:
    """A good Markdown file whose ``.meta.json`` holds ``content`` or is a symlink to ``link_to``."""

    def make(path: Path) -> None:
        path.write_text(text, encoding="utf-8")
        sidecar = path.with_name(path.stem + ".meta.json")
        if link_to is not None:
            sidecar.symlink_to(link_to)
        else:
            sidecar.write_bytes(content or b"")

    return make


def write_folder(folder: Path, outside: Path) -> tuple[list[Case], list[str], dict[str, str]]:
    """Write the malformed and good files; return the cases, the good doc ids and the cases not creatable here."""
    folder.mkdir(parents=True)
    outside.mkdir(parents=True)
    (outside / "secret.md").write_text(_note(999, "nội dung ngoài thư mục"), encoding="utf-8")
    sample = SAMPLE_PDF.read_bytes()
    cases: list[Case] = []
    not_made: dict[str, str] = {}
    with_good: list[str] = []  # JSONL files whose first (good) record must be indexed
    refused = unreadable_classification()
    klass = refused if refused is not None else UNREADABLE_CLASSIFICATIONS[0]
    good_line = _good_record("ok", 500)

    def case(
        name: str, what: str, make: Maker, *reason: str, expect: Expect = "failure", requires: str | None = None
    ) -> None:
        cases.append(Case(name, what, expect, tuple(r.lower() for r in reason), requires))
        try:
            make(folder / name)
        except (OSError, ValueError) as exc:  # e.g. no symlinks or FIFOs, NUL in a name
            not_made[name] = f"cannot be created here: {exc}"

    def lines(*extra: Any) -> Maker:
        def make(path: Path) -> None:
            path.write_bytes(_jsonl(good_line, *extra))
            with_good.append(path.name)

        return make

    # ---- text and Markdown
    case("empty.txt", "0-byte .txt", _bytes(b""), "empty file")
    case("empty.md", "0-byte .md", _bytes(b""), "empty file")
    case("blank.md", "only whitespace", _bytes(b"  \n\n\t \n"), "no text")
    case("garbage.txt", "binary garbage, text suffix", _bytes(bytes(range(256)) * 16), "binary content")
    case("cp1252.md", "invalid UTF-8 (Windows-1252)", _bytes(b"Ngh\xe1 quy\xe9t v\xe1 gi\xe1o d\xfdc"), "utf-8")
    case("utf16.txt", "UTF-16 text", _bytes("Nghị quyết số 09".encode("utf-16")), "binary content")
    case("image.md", "a PNG named .md", _bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)), "binary content")
    # ---- HTML
    case("empty.html", "0-byte .html", _bytes(b""), "empty file")
    case("scripts.html", "only scripts and styles", _bytes(b"<script>alert(1)</script><style>p{}</style>"), "no text")
    case("tags.htm", "tags and no text", _bytes(b"<html><body><div><span></span></div></body></html>"), "no text")
    case("binary.html", "binary with an .html suffix", _bytes(b"\x00\x01\x02<html>" * 50), "binary content")
    # ---- DOCX
    case("text.docx", "plain text named .docx", _bytes("Đây không phải DOCX".encode()), "cannot be read as .docx")
    case("zip.docx", "a zip that is not a docx", _zip, "cannot be read as .docx")
    case("empty-text.docx", "a valid docx with no text", _call(_docx, []), "no text")
    case("truncated.docx", "first half of a docx", _truncated_docx, "cannot be read as .docx")
    # ---- PDF
    garbage = b"%PDF-1.7\n" + random.Random(0).randbytes(4096)
    case("empty.pdf", "0-byte .pdf", _bytes(b""), "empty file")
    case("not-a.pdf", "text named .pdf", _bytes(b"Hello, I am not a PDF"), "not a pdf")
    case("truncated.pdf", "PDF cut after 1500 bytes", _bytes(sample[:1500]), "damaged pdf", "cannot be read as .pdf")
    case("garbage.pdf", "%PDF header then garbage", _bytes(garbage), "damaged", "cannot be read", "no text")
    case("encrypted.pdf", "needs a user password", _call(_pdf, sample=True, password="secret"), "encrypted pdf")
    case("scan.pdf", "no text layer, no OCR", _call(_pdf, sample=False, blank_pages=2), "need ocr")
    half = _call(_pdf, sample=True, blank_pages=1)
    case("half-scan.pdf", "text page + image-only page", half, "need ocr", expect="warning")
    # ---- JSONL: each but the last three with a good record first, which must still be indexed
    case("bad-json.jsonl", "a line of invalid JSON", lines(b'{"id": "x", "text": "unterm'), "line 2: invalid json")
    case("no-text.jsonl", "a record without text", lines({"id": "t", "title": "x"}), "line 2: no text")
    case("not-objects.jsonl", "array, string, number lines", lines([1, 2], "s", 42), "not a json object")
    case("dup-ids.jsonl", "the same id twice", lines({**good_line, "text": "v2"}), "duplicate id 'ok'")
    case("bad-utf8.jsonl", "a line of invalid UTF-8", lines(b'{"id": "u", "text": "\xff\xfe"}'), "utf-8")
    case("deep.jsonl", "a line nested 100000 deep", lines(b"[" * 100_000), "nested too deeply")
    case("bad-id.jsonl", "an id that is an object", lines({"id": {"a": 1}, "text": "x"}), "id must be")
    bad_record = {"id": "c", "text": _note(501, "mật"), "classification": klass}
    case("bad-class.jsonl", f"classification {klass!r}", lines(bad_record), "classification", requires=REFUSAL)
    case("all-bad.jsonl", "no valid line at all", _bytes(b"nope\n{]\n"), "no valid jsonl record")
    case("empty.jsonl", "0-byte .jsonl", _bytes(b""), "empty file")
    # ---- sidecars: the document is refused, never indexed without its metadata
    note = _note(502, "văn bản có tệp kèm")
    case("sidecar-json.md", "sidecar with invalid JSON", _with_sidecar(note, b"{not"), "invalid sidecar json")
    case("sidecar-list.md", "sidecar holding a list", _with_sidecar(note, b"[1, 2]"), "must hold a json object")
    side_class = _with_sidecar(note, json.dumps({"classification": klass}).encode())
    case("sidecar-class.md", f"sidecar, classification {klass!r}", side_class, "classification", requires=REFUSAL)
    side_link = _with_sidecar(note, link_to=outside / "secret.md")
    case("sidecar-link.md", "sidecar linking outside", side_link, "symlink leaves the indexed folder")
    # ---- symlinks, special files and names
    passwd = Path("/etc/passwd") if Path("/etc/passwd").exists() else outside / "secret.md"
    case("passwd.txt", f"link to {passwd}", _link(passwd), "symlink leaves the indexed folder")
    escape = _link("../../../outside/secret.md")
    case("sub/deep/escape.md", "relative link out, 2 levels down", escape, "symlink leaves the indexed folder")
    case("outside-folder", "folder link leaving the root", _link(outside), "symlink leaves the indexed folder")
    case("dangling.md", "link to a missing file", _link("gone.md"), "dangling symlink")
    case("self-loop.md", "link to itself", _link("self-loop.md"), "symlink loop")
    case("loop-a.md", "links to each other (a)", _link("loop-b.md"), "symlink loop")
    case("loop-b.md", "links to each other (b)", _link("loop-a.md"), "symlink loop")
    case("fifo.md", "a FIFO named .md (reading blocks)", os.mkfifo, "not a regular file")
    case("bad-\udcff-name.md", "non-UTF-8 file name", _bytes(_note(503, "tên tệp").encode()), "not valid utf-8")
    case("nul-\x00-name.md", "NUL byte in the file name", _bytes(b"x"), "nul")
    good = _write_good(folder, with_good)
    return cases, good, not_made


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "xin chào")


def _truncated_docx(path: Path) -> None:
    _docx(path, [_note(504, "tài liệu bị cắt")])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _write_good(folder: Path, jsonl_with_good_line: list[str]) -> list[str]:
    """Good files of every format (and a link to one of them); returns the doc ids that must be stored."""
    (folder / "good.md").write_text(_note(600, "an toàn giao thông"), encoding="utf-8")
    (folder / "good.txt").write_text(_note(601, "phòng cháy chữa cháy"), encoding="utf-8")
    (folder / "good.html").write_text(
        f"<html><head><title>Thông báo</title><script>x()</script></head><body><p>{_note(602, 'hiến máu')}</p>"
        "</body></html>",
        encoding="utf-8",
    )
    _docx(folder / "good.docx", _note(603, "trồng cây xanh").splitlines())
    shutil.copy2(SAMPLE_PDF, folder / "good.pdf")
    (folder / "good-sidecar.md").write_text(_note(604, "nước sạch"), encoding="utf-8")
    (folder / "good-sidecar.meta.json").write_text(json.dumps({"unit": "Văn phòng Tỉnh ủy"}), encoding="utf-8")
    odd = {"id": "odd", "text": _note(605, "ký tự lạ\u0000\u200b"), "title": {"a": 1}, "issued_date": 12345}
    (folder / "good.jsonl").write_bytes(_jsonl(_good_record("g1", 606), odd))
    with contextlib.suppress(OSError):  # no symlinks here: the rest of the check still stands
        (folder / "link-to-good.md").symlink_to("good.md")  # inside the root: fine, and indexed once
    files = ["good.md", "good.txt", "good.html", "good.docx", "good.pdf", "good-sidecar.md", "half-scan.pdf"]
    ids = [file_doc_id(folder / f) for f in files]
    ids += [record_doc_id(folder / "good.jsonl", k) for k in ("g1", "odd")]
    ids += [record_doc_id(folder / name, "ok") for name in jsonl_with_good_line]
    return ids


def _judge(case: Case, folder: Path, report: IndexReport, not_made: dict[str, str], refusal: bool) -> CaseResult:
    source = display_path(folder / case.name)
    entries = report.failed if case.expect == "failure" else report.warnings
    reasons = [r for s, r in entries if s == source or s.startswith(source + "#")]
    reported = any(any(w in r.lower() for w in case.reason_has) for r in reasons)
    skipped = not_made.get(case.name)
    if skipped is None and case.requires == REFUSAL and not refusal:
        skipped = f"needs: {case.requires}"
    return CaseResult(case, reasons, reported, skipped)


def run(workdir: Path, embedder: Embedder, settings: Settings | None = None) -> MalformedResult:
    """Write the folder under ``workdir`` (which must not exist yet), index it once, judge every case."""
    folder, outside = workdir / "inbox", workdir / "outside"
    cases, good, not_made = write_folder(folder, outside)
    base = settings or Settings()
    s = base.model_copy(update={"index_dir": workdir / "index", "ocr": OcrSettings(enabled=False)})
    idx = Index.open_or_create(s, embedder.name, embedder.dimension)
    try:
        try:
            report = IndexPipeline(s, embedder, idx).run([folder])
            again = IndexPipeline(s, embedder, idx).run([folder])
        except Exception as exc:  # the check's point: nothing may escape; record it instead of crashing
            logger.exception("the run raised")
            results = [CaseResult(c, [], False) for c in cases]
            return MalformedResult(results, good, list(good), error=f"{type(exc).__name__}: {exc}")
        stored = {r[0] for r in idx.store.conn.execute("SELECT doc_id FROM documents")}
    finally:
        idx.close()
    refusal = unreadable_classification() is not None
    results = [_judge(c, folder, report, not_made, refusal) for c in cases]
    claimed = {display_path(folder / c.name) for c in cases}
    unexpected = [(s, r) for s, r in report.failed if s not in claimed and s.split("#")[0] not in claimed]
    missing = [d for d in good if d not in stored]
    extra = sorted(stored - set(good))
    stable = sorted(again.failed) == sorted(report.failed) and (again.added, again.updated, again.removed) == (0, 0, 0)
    return MalformedResult(
        results, good, missing, unexpected, extra, added=report.added, stored=len(stored), rerun_stable=stable
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: run the check in a scratch folder, log the table, exit 1 when the goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedder", choices=("hash", "real"), default="hash", help="hash: no model needed")
    parser.add_argument("--workdir", type=Path, help="keep the folder and index here (must not exist)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also show the indexer's own warnings")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if not args.verbose:  # the table says it all; the indexer's and pypdf's own warnings are noise here
        for name in ("indexer", "pypdf"):
            logging.getLogger(name).setLevel(logging.ERROR)
    settings = Settings()
    embedder: Embedder
    if args.embedder == "real":
        from indexer.embedding import create_embedder

        embedder = create_embedder(settings)
    else:
        embedder = HashEmbedder()
    if args.workdir:
        result = run(args.workdir, embedder, settings)
    else:
        with tempfile.TemporaryDirectory(prefix="thammuu-malformed-") as tmp:
            result = run(Path(tmp) / "work", embedder, settings)
    logger.info("%s", result.to_markdown())
    for source, reason in result.unexpected:
        logger.info("unexpected failure: %s: %s", source, reason)
    for doc_id in result.good_missing:
        logger.info("good document not indexed: %s", doc_id)
    for doc_id in result.extra:
        logger.info("stored but not a good file: %s", doc_id)
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
