"""A test archive with canaries at every classification level and unit, its principals, and a running server.

``python -m benchmarks.reliability.fixture [--workdir DIR] [--keep]`` builds it, serves it once, prints a summary
and stops. In code::

    with archive() as arc:                       # corpus, index (real model), principals, dev-mode copy
        with serve(arc.index) as srv:            # thammuu serve on 127.0.0.1, stopped at the end
            httpx.get(srv.url + "/api/v1/health", headers=arc.principals[0].headers)

or ``with fixture(dev=False) as (arc, srv): ...`` for both at once. Every document carries unique canaries (an
ASCII made-up word, a made-up word with Vietnamese marks, a made-up number such as ``903-NQ/TU``, its title and
doc id) so a leak shows in any response text (see ``FixtureDoc.needles``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from benchmarks.load import _free_port, copy_index
from indexer.understanding.text import fold

logger = logging.getLogger(__name__)

# (CLI clearance name, header marking line, level) — the four levels of indexer.models.Classification.
LEVELS = (("unclassified", "", 0), ("mat", "MẬT", 1), ("toi-mat", "TỐI MẬT", 2), ("tuyet-mat", "TUYỆT MẬT", 3))
UNITS = ("Ban Tổ chức Tỉnh ủy", "Văn phòng Tỉnh ủy")
SCOPES: dict[str, tuple[str, ...] | None] = {"btc": (UNITS[0],), "vp": (UNITS[1],), "all": None}
ROLE_SETS: dict[str, tuple[str, ...]] = {
    "reader": ("reader",),
    "drafter": ("reader", "drafter"),
    "admin": ("reader", "drafter", "admin"),
}
DOC_TYPES = (("NQ", "NGHỊ QUYẾT", "Nghị quyết"), ("KL", "KẾT LUẬN", "Kết luận"), ("CT", "CHỈ THỊ", "Chỉ thị"))
TOPICS = ("chuyển đổi số", "cải cách hành chính", "xây dựng Đảng", "phát triển nông nghiệp")
LETTERS = "bcdfghjklmnpqrstvwxz"
ARCHIVE_FILE = "archive.json"
# Each index in a folder of its own: the security database (principals, audit) lives beside the index directory.
KEYED, DEV_INDEX = Path("keyed/index"), Path("dev/index")
SECURITY_DB = "security.sqlite"


def thammuu(*args: str) -> list[str]:
    """The ``thammuu`` command line of this interpreter's environment."""
    return [sys.executable, "-c", "from search_api.cli import main; main()", *args]


@dataclass
class FixtureDoc:
    """One generated document and the strings that betray it."""

    name: str
    level: int
    unit: str | None
    canary: str  # ASCII made-up word, in title and body
    marked: str  # made-up word with Vietnamese marks, in the body only (its folded form is typed in queries)
    number: str
    doc_type: str
    issued: str  # ISO date
    title: str
    doc_id: str = ""
    chunks: int = 0

    @property
    def folded(self) -> str:
        return fold(self.marked)

    def needles(self) -> dict[str, str]:
        """kind → string whose presence in a response reveals this document."""
        return {
            "canary": self.canary,
            "marked": self.marked,
            "doc_id": self.doc_id,
            "number": self.number,
            "title": self.title,
        }


@dataclass
class FixturePrincipal:
    """A caller: a real principal with its key, or anonymous (key None) / a wrong or revoked key."""

    name: str
    roles: tuple[str, ...] = ()
    clearance: int = -1  # -1: sees nothing (anonymous, wrong key)
    units: tuple[str, ...] | None = None
    key: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def can_see(self, doc: FixtureDoc, unitless: str = "office-wide") -> bool:
        """The README's rule: level within clearance and the unit in scope (unit-less: office-wide by default)."""
        if doc.level > self.clearance:
            return False
        if self.units is None:
            return True
        if doc.unit is None:
            return unitless == "office-wide"
        return doc.unit in self.units


DEV = FixturePrincipal("dev", ("reader", "drafter"), 0, None, None)


@dataclass
class Archive:
    """The generated corpus, its index (with principals), a copy without principals, and the callers."""

    root: Path
    corpus: Path
    index: Path
    dev_index: Path
    docs: list[FixtureDoc]
    principals: list[FixturePrincipal]
    outsiders: list[FixturePrincipal] = field(default_factory=list)  # anonymous, wrong key, revoked key
    unitless: str = "office-wide"

    def save(self) -> None:
        """Write the archive's description (test keys included) to ``archive.json`` so a rerun reuses it."""
        data = {k: v for k, v in asdict(self).items() if k not in ("root", "corpus", "index", "dev_index")}
        (self.root / ARCHIVE_FILE).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, root: Path) -> Archive:
        """The archive ``build`` left in ``root``."""
        data = json.loads((root / ARCHIVE_FILE).read_text(encoding="utf-8"))

        def who(p: dict[str, Any]) -> FixturePrincipal:
            units = None if p["units"] is None else tuple(p["units"])
            return FixturePrincipal(p["name"], tuple(p["roles"]), p["clearance"], units, p["key"])

        return cls(
            root,
            root / "corpus",
            root / KEYED,
            root / DEV_INDEX,
            [FixtureDoc(**d) for d in data["docs"]],
            [who(p) for p in data["principals"]],
            [who(p) for p in data["outsiders"]],
            data["unitless"],
        )

    def principal(self, name: str) -> FixturePrincipal:
        return next(p for p in [*self.principals, *self.outsiders] if p.name == name)

    def hidden_from(self, who: FixturePrincipal) -> list[FixtureDoc]:
        return [d for d in self.docs if not who.can_see(d, self.unitless)]

    def visible_to(self, who: FixturePrincipal) -> list[FixtureDoc]:
        return [d for d in self.docs if who.can_see(d, self.unitless)]


def _word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(n))


def made_up_words(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """(ASCII canary, marked canary): fixed shapes ``zq……NN`` and ``vqặ……NN`` never seen before."""
    while True:
        n = len(taken) // 2
        canary, marked = f"zq{_word(rng, 5)}{n:02d}", f"vqặ{_word(rng, 4)}{n:02d}"
        if canary not in taken and fold(marked) not in taken:
            taken.update({canary, fold(marked)})
            return canary, marked


def generate_docs(per_cell: int = 2, seed: int = 7) -> list[FixtureDoc]:
    """``per_cell`` documents per level × (unit A, unit B, no unit): 24 by default."""
    rng = random.Random(seed)
    taken: set[str] = set()
    docs: list[FixtureDoc] = []
    for _, _, level in LEVELS:
        for unit in (*UNITS, None):
            for _ in range(per_cell):
                i = len(docs)
                code, _, type_name = DOC_TYPES[i % len(DOC_TYPES)]
                canary, marked = made_up_words(rng, taken)
                topic = TOPICS[i % len(TOPICS)]
                docs.append(
                    FixtureDoc(
                        name=f"doc-{i:02d}-l{level}-{'u' + str(UNITS.index(unit)) if unit else 'none'}",
                        level=level,
                        unit=unit,
                        canary=canary,
                        marked=marked,
                        number=f"{901 + i}-{code}/TU",
                        doc_type=type_name,
                        issued=f"{2020 + i % 5}-{1 + i % 12:02d}-{1 + i:02d}",
                        title=f"về {topic} và đề án {canary} giai đoạn {2021 + i % 4}-{2026 + i % 4}",
                    )
                )
    return docs


def render(doc: FixtureDoc) -> str:
    """The document's text: marking line, party header, number, place and date, type, title, numbered body."""
    marking = LEVELS[doc.level][1]
    code, heading, _ = DOC_TYPES[[t[2] for t in DOC_TYPES].index(doc.doc_type)]
    y, m, d = doc.issued.split("-")
    lines = [marking, ""] if marking else []
    lines += [
        "ĐẢNG BỘ TỈNH NINH BÌNH",
        "TỈNH ỦY",
        "*",
        f"Số {doc.number}",
        "",
        f"Ninh Bình, ngày {int(d):02d} tháng {int(m):02d} năm {y}",
        "",
        f"# {heading}",
        f"## {doc.title}",
        "",
        "(Văn bản mẫu do bộ kiểm thử sinh ra, nội dung giả định, dùng để phát hiện rò rỉ phân quyền)",
        "",
        "## I. TÌNH HÌNH CHUNG",
        "",
        f"1. Đề án {doc.canary} được triển khai đồng bộ tại các chi bộ trực thuộc; cấp ủy các cấp quán triệt"
        f" chủ trương về {TOPICS[int(doc.number.split('-')[0]) % len(TOPICS)]} và phân công cán bộ theo dõi.",
        "",
        f"2. Mô hình {doc.marked} được đánh giá là cách làm mới, cần nhân rộng trong toàn Đảng bộ tỉnh.",
        "",
        "## II. NHIỆM VỤ, GIẢI PHÁP",
        "",
        f"1. Tiếp tục thực hiện đề án {doc.canary}, sơ kết mô hình {doc.marked} vào quý IV.",
        "",
        "2. Văn phòng Tỉnh ủy theo dõi, đôn đốc, tổng hợp kết quả, báo cáo Ban Thường vụ Tỉnh ủy.",
        "",
        "T/M BAN THƯỜNG VỤ",
        "BÍ THƯ",
    ]
    return "\n".join(lines) + "\n"


def write_corpus(docs: list[FixtureDoc], folder: Path) -> None:
    """One Markdown file per document, with a ``NAME.meta.json`` sidecar naming its unit (if any)."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (folder / f"{doc.name}.md").write_text(render(doc), encoding="utf-8")
        if doc.unit:
            sidecar = folder / f"{doc.name}.meta.json"
            sidecar.write_text(json.dumps({"unit": doc.unit}, ensure_ascii=False), encoding="utf-8")


def env_with(**overrides: str) -> dict[str, str]:
    """This process's environment with ``THAMMUU_*`` overrides."""
    return {**os.environ, **overrides}


def index_env(index: Path, **overrides: str) -> dict[str, str]:
    """The environment for commands and servers on ``index``: its own security database, named explicitly."""
    return env_with(THAMMUU_SECURITY__DB=str(index.parent / SECURITY_DB), **overrides)


def copy_served_index(index: Path, target: Path) -> None:
    """A consistent copy of an index and of its security database (principals, keys), for a server to change."""
    copy_index(index, target)
    source = index.parent / SECURITY_DB
    if source.is_file():
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(target.parent / SECURITY_DB)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 1800) -> str:
    """Run a ``thammuu`` command; its stdout (raises with stderr's tail on failure)."""
    done = subprocess.run(thammuu(*args), capture_output=True, text=True, timeout=timeout, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"thammuu {' '.join(args[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def read_back(docs: list[FixtureDoc], index: Path) -> None:
    """Fill doc ids and chunk counts from the store; refuse a fixture whose marks or units were not understood."""
    conn = sqlite3.connect(f"file:{index / 'store.sqlite'}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT d.doc_id, d.source, d.number, d.classification, d.unit, count(c.chunk_id)"
            " FROM documents d LEFT JOIN chunks c ON c.doc_id = d.doc_id GROUP BY d.doc_id"
        ).fetchall()
    finally:
        conn.close()
    by_name = {Path(r[1]).stem: r for r in rows}
    for doc in docs:
        row = by_name.get(doc.name)
        if row is None:
            raise RuntimeError(f"{doc.name} was not indexed")
        doc.doc_id, doc.chunks = str(row[0]), int(row[5])
        problems = [
            f"{what} {got!r} != {want!r}"
            for what, got, want in (
                ("number", row[2], doc.number),
                ("level", row[3], doc.level),
                ("unit", row[4], doc.unit),
            )
            if got != want
        ]
        if problems:
            raise RuntimeError(f"fixture {doc.name} misread: {'; '.join(problems)}")


def add_principals(index: Path) -> tuple[list[FixturePrincipal], list[FixturePrincipal]]:
    """Every clearance × unit scope × role set through ``thammuu users add``, plus the outsiders."""
    env = index_env(index)
    made = []
    for clearance, _, level in LEVELS:
        for scope, units in SCOPES.items():
            for role_name, roles in ROLE_SETS.items():
                name = f"{role_name}-{clearance}-{scope}"
                args = ["users", "add", name, "--clearance", clearance, "--index", str(index)]
                args += [a for r in roles for a in ("--role", r)]
                args += [a for u in units or () for a in ("--unit", u)]
                key = run_cli(*args, env=env).strip().splitlines()[-1].strip()
                made.append(FixturePrincipal(name, roles, level, units, key))
    revoked = ["--index", str(index)]
    revoked_key = run_cli("users", "add", "revoked", "--role", "admin", "--clearance", "tuyet-mat", *revoked, env=env)
    run_cli("users", "revoke", "revoked", *revoked, env=env)
    outsiders = [
        FixturePrincipal("anonymous"),
        FixturePrincipal("wrong-key", key="tm_000000000000_" + "A" * 43),
        FixturePrincipal("malformed-key", key="not-a-key"),
        FixturePrincipal("revoked-key", key=revoked_key.split()[-1]),
    ]
    return made, outsiders


def unitless_policy() -> str:
    """The server's policy for unit-less documents (a setting once it exists; office-wide before)."""
    from indexer.config import Settings

    security = getattr(Settings(), "security", None)
    return str(getattr(security, "unitless_documents", "office-wide"))


def build(root: Path, per_cell: int = 2, seed: int = 7) -> Archive:
    """Corpus, index (``thammuu index``, real model), a principal-less copy for development mode, principals."""
    corpus, index, dev_index = root / "corpus", root / KEYED, root / DEV_INDEX
    docs = generate_docs(per_cell, seed)
    write_corpus(docs, corpus)
    t = time.perf_counter()
    report = json.loads(run_cli("index", str(corpus), "--index", str(index), "--json", env=index_env(index)))
    logger.info("indexed %d documents in %.1f s: %s", len(docs), time.perf_counter() - t, report)
    read_back(docs, index)
    copy_served_index(index, dev_index)  # before any principal exists: the development-mode variant
    principals, outsiders = add_principals(index)
    arc = Archive(root, corpus, index, dev_index, docs, principals, outsiders, unitless_policy())
    arc.save()
    return arc


@contextmanager
def archive(workdir: Path | None = None, per_cell: int = 2, keep: bool = False) -> Iterator[Archive]:
    """The archive in ``workdir`` (built there once, reused after), or a fresh one in a temporary folder."""
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        yield Archive.load(workdir) if (workdir / ARCHIVE_FILE).is_file() else build(workdir, per_cell)
        return
    tmp = tempfile.mkdtemp(prefix="thammuu-reliability-")
    try:
        yield build(Path(tmp), per_cell)
    finally:
        if not keep:
            subprocess.run(["rm", "-rf", tmp], check=False)


@dataclass
class Server:
    """A running ``thammuu serve`` subprocess on 127.0.0.1."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:] if self.log.is_file() else ""


def start_server(index: Path, log: Path, env: dict[str, str] | None = None, timeout: float = 600) -> Server:
    """``thammuu serve`` with its log in a file (a pipe fills up under load), once /api/v1/health answers "ok".

    The app opens the index before it accepts requests, so the first answer tells; an anonymous caller of a
    keyed server gets only ``{"status": ...}``, hence the status and not ``index_loaded``.
    """
    port = _free_port()
    handle = log.open("ab")
    args = thammuu("serve", "--host", "127.0.0.1", "--port", str(port), "--index", str(index))
    proc = subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, env=env)
    handle.close()
    server = Server(proc, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}): {server.log_tail()}")
        try:
            status = httpx.get(f"{server.url}/api/v1/health", timeout=5).json().get("status")
        except (httpx.HTTPError, ValueError):
            status = None
        if status == "ok":
            return server
        if status is not None:
            stop_server(server)
            raise RuntimeError(f"server up but {status}: {server.log_tail()}")
        time.sleep(0.5)
    stop_server(server)
    raise RuntimeError(f"server did not come up in {timeout:.0f} s: {server.log_tail()}")


def stop_server(server: Server) -> None:
    """SIGTERM, then SIGKILL after 30 s."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(30)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(10)


@contextmanager
def serve(index: Path, env: dict[str, str] | None = None, log: Path | None = None) -> Iterator[Server]:
    """A server on ``index`` for the block (its own security database unless ``env`` says); log beside it."""
    server = start_server(index, log or index.parent / "server.log", env or index_env(index))
    try:
        yield server
    finally:
        stop_server(server)


@contextmanager
def fixture(workdir: Path | None = None, dev: bool = False, keep: bool = False) -> Iterator[tuple[Archive, Server]]:
    """An archive and a server on it: keyed (principals) or, with ``dev``, the principal-less copy."""
    with archive(workdir, keep=keep) as arc, serve(arc.dev_index if dev else arc.index) as srv:
        yield arc, srv


class Reportable(Protocol):
    """A check's result: its Markdown section and whether it met its goal."""

    @property
    def ok(self) -> bool: ...

    def to_markdown(self) -> str: ...


def setup_logging() -> None:
    """Logging of the suite's command lines: INFO to stderr, without one line per HTTP request."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def finish(result: Reportable, json_path: Path | None) -> int:
    """Print the result's Markdown, write its JSON if asked; exit status 0 when it met its goal."""
    sys.stdout.write(result.to_markdown())
    if json_path is not None:
        data = asdict(result)  # type: ignore[call-overload]
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        json_path.write_text(text, encoding="utf-8", errors="backslashreplace")  # lone surrogates of odd file names
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    """Build the fixture, start both servers in turn, print what they report, stop."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, help="Build here (kept) instead of a temporary folder.")
    ap.add_argument("--per-cell", type=int, default=2, help="Documents per level × unit cell (3 units).")
    ap.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    args = ap.parse_args(argv)
    setup_logging()
    with archive(args.workdir, args.per_cell, args.keep) as arc:
        logger.info("archive %s: %d documents, %d principals", arc.root, len(arc.docs), len(arc.principals))
        for index in (arc.index, arc.dev_index):
            with serve(index) as srv:
                top = arc.principals[-1]
                health = httpx.get(f"{srv.url}/api/v1/health", headers=top.headers, timeout=30).json()
                sys.stdout.write(f"{index}: {json.dumps(health, ensure_ascii=False)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
