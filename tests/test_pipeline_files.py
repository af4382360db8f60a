"""Indexing files safely: symlinks never lead out of the indexed folder, JSONL records fail one by one,
duplicate ids are refused deterministically, and the report counts what was stored.

Pipeline logic only, so a deterministic hash embedder stands in for the model.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import indexer.build.understand
from benchmarks.reliability.malformed import HashEmbedder  # the one deterministic stand-in for the model
from indexer.build.pipeline import IndexPipeline, IndexReport
from indexer.build.sources import file_doc_id, walk_sources
from indexer.config import Settings
from indexer.errors import InvalidClassification
from indexer.parsing import build_registry
from indexer.parsing.jsonl_parser import JsonlParser
from indexer.storage.index import Index

BODY = (
    "VĂN PHÒNG TỈNH ỦY\nSố {n}-TB/VPTU\n\n# THÔNG BÁO\n## về {topic}\n\n"
    "1. Các chi bộ triển khai nội dung {topic}, báo cáo kết quả trước cuối tháng.\n\n"
    "2. Văn phòng Tỉnh ủy theo dõi, tổng hợp việc thực hiện thông báo số {n}.\n"
)


def note(n: int, topic: str = "an toàn giao thông") -> str:
    return BODY.format(n=n, topic=topic)


@pytest.fixture()
def pipeline(index_settings: Settings) -> Iterator[IndexPipeline]:
    embedder = HashEmbedder()
    idx = Index.open_or_create(index_settings, embedder.name, embedder.dimension)
    try:
        yield IndexPipeline(index_settings, embedder, idx)
    finally:
        idx.close()


def stored(pipeline: IndexPipeline) -> dict[str, tuple[str, str]]:
    """doc_id -> (source, text) of everything in the index."""
    rows = pipeline.store.conn.execute("SELECT doc_id, source, text FROM documents").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def failures(report: IndexReport) -> dict[str, str]:
    """File name (with #key for records) -> reason; one entry per source."""
    return {Path(s).name: r for s, r in report.failed}


def assert_counts_match_store(report: IndexReport, pipeline: IndexPipeline, before: int = 0) -> None:
    assert report.added == len(stored(pipeline)) - before, (report.added, len(stored(pipeline)), report.failed)


# ---- symlinks ---------------------------------------------------------------------------------------------
def test_symlinks_leaving_the_folder_are_refused_and_never_read(pipeline: IndexPipeline, tmp_path: Path) -> None:
    root, outside = tmp_path / "docs", tmp_path / "outside"
    (root / "sub" / "deeper").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.md").write_text(note(1, "bí mật bên ngoài"), encoding="utf-8")
    (root / "good.md").write_text(note(2), encoding="utf-8")
    (root / "passwd.txt").symlink_to("/etc/passwd")
    (root / "sub" / "deeper" / "secret.md").symlink_to(outside / "secret.md")
    (root / "escape").symlink_to(outside, target_is_directory=True)  # a folder link out
    (root / "sub" / "up.md").symlink_to("../../outside/secret.md")  # relative, resolves outside

    report = pipeline.run([root])

    reasons = failures(report)
    assert reasons["passwd.txt"] == "symlink leaves the indexed folder: -> /etc/passwd"
    assert reasons["secret.md"] == f"symlink leaves the indexed folder: -> {(outside / 'secret.md').resolve()}"
    assert reasons["up.md"].startswith("symlink leaves the indexed folder: -> ")
    assert reasons["escape"] == f"symlink leaves the indexed folder: -> {outside.resolve()}"
    docs = stored(pipeline)
    assert [Path(src).name for src, _ in docs.values()] == ["good.md"]
    assert not any("bí mật" in text or "root:" in text for _, text in docs.values())
    assert report.added == 1 and report.removed == 0


def test_dangling_and_looping_symlinks_are_reported(pipeline: IndexPipeline, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "good.md").write_text(note(3), encoding="utf-8")
    (root / "dangling.md").symlink_to(root / "gone.md")
    (root / "self.md").symlink_to("self.md")
    (root / "ping.md").symlink_to("pong.md")
    (root / "pong.md").symlink_to("ping.md")
    (root / "old-folder").symlink_to(tmp_path / "no-such-folder")  # no suffix: a broken folder link

    report = pipeline.run([root])

    reasons = failures(report)
    assert reasons["dangling.md"] == f"dangling symlink: -> {root / 'gone.md'}"
    assert reasons["old-folder"].startswith("dangling symlink: -> ")
    for name in ("self.md", "ping.md", "pong.md"):
        assert reasons[name].startswith("symlink loop: -> "), reasons[name]
    assert len(report.failed) == 5 and report.added == 1


def test_links_inside_the_folder_index_each_file_once(pipeline: IndexPipeline, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    (root / "real").mkdir(parents=True)
    (root / "real" / "a.md").write_text(note(4), encoding="utf-8")
    (root / "b.md").write_text(note(5, "hiến máu"), encoding="utf-8")
    (root / "a-link.md").symlink_to("real/a.md")  # link and target: one document
    (root / "z-link.md").symlink_to("real/a.md")
    (root / "real" / "loop").symlink_to("..", target_is_directory=True)  # a folder loop inside the root
    (root / "mirror").symlink_to("real", target_is_directory=True)
    (root / ".hidden").mkdir()
    (root / ".hidden" / "c.md").write_text(note(6), encoding="utf-8")

    report = pipeline.run([root])

    assert report.ok, report.failed
    assert report.added == 2 and len(stored(pipeline)) == 2
    # The real path wins over links to it, whatever their names sort like.
    assert stored(pipeline)[file_doc_id(root / "real" / "a.md")][0] == str(root / "real" / "a.md")
    again = pipeline.run([root])
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 2, 0)


def test_a_link_is_indexed_once_when_its_target_is_not_walked(pipeline: IndexPipeline, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    (root / ".drafts").mkdir(parents=True)
    (root / ".drafts" / "a.md").write_text(note(7), encoding="utf-8")
    (root / "published.md").symlink_to(".drafts/a.md")  # target hidden from the walk, but inside the root
    (root / "zz-published.md").symlink_to(".drafts/a.md")
    report = pipeline.run([root])
    assert report.ok and report.added == 1
    assert [src for src, _ in stored(pipeline).values()] == [str(root / "published.md")]


def test_walk_sources_keeps_yielding_paths_for_inspection(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.md").write_text("a", encoding="utf-8")
    (root / "out.md").symlink_to("/etc/hostname")
    (root / "b.md").symlink_to("a.md")
    registry = build_registry()
    assert list(walk_sources(root, registry)) == [root / "a.md"]  # no callback: refusals are only logged
    problems: list[tuple[str, str]] = []
    assert list(walk_sources(root, registry, lambda p, r: problems.append((p.name, r)))) == [root / "a.md"]
    assert problems == [("out.md", "symlink leaves the indexed folder: -> /etc/hostname")]


def test_a_symlink_named_on_the_command_line_is_followed(pipeline: IndexPipeline, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    target = tmp_path / "elsewhere" / "n.md"
    target.write_text(note(8), encoding="utf-8")
    named = tmp_path / "named.md"
    named.symlink_to(target)
    report = pipeline.run([named])
    assert report.ok and report.added == 1
    assert [src for src, _ in stored(pipeline).values()] == [str(target)]


def test_a_sidecar_link_leaving_the_folder_refuses_its_document(pipeline: IndexPipeline, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (tmp_path / "meta.json").write_text(json.dumps({"classification": "MẬT"}), encoding="utf-8")
    (root / "a.md").write_text(note(9), encoding="utf-8")
    (root / "a.meta.json").symlink_to(tmp_path / "meta.json")
    (root / "b.md").write_text(note(10), encoding="utf-8")
    (root / "b.meta.json").symlink_to(root / "missing.json")
    report = pipeline.run([root])
    reasons = failures(report)
    assert reasons["a.md"] == f"a.meta.json: symlink leaves the indexed folder: -> {tmp_path / 'meta.json'}"
    assert reasons["b.md"].startswith("b.meta.json: dangling symlink: -> ")
    assert stored(pipeline) == {} and report.added == 0


def test_non_utf8_file_names_are_refused(pipeline: IndexPipeline, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "good.md").write_text(note(11), encoding="utf-8")
    try:
        (Path(os.fsdecode(os.fsencode(root) + b"/bad-\xff.md"))).write_text(note(12), encoding="utf-8")
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses non-UTF-8 names")
    report = pipeline.run([root])
    assert report.failed == [(f"{root}/bad-\\xff.md", "file name is not valid UTF-8 (rename the file)")]
    assert report.added == 1


# ---- JSONL --------------------------------------------------------------------------------------------------
def write_jsonl(path: Path, records: list[dict[str, Any] | str]) -> None:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_duplicate_ids_keep_the_first_line_every_run(pipeline: IndexPipeline, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    write_jsonl(
        root / "recs.jsonl",
        [
            {"id": "abc", "text": note(20, "lần một")},
            {"id": "x", "text": note(21)},
            {"id": "abc", "text": note(22, "lần hai")},
            {"_id": "abc", "text": note(23, "lần ba")},
        ],
    )
    for _ in range(3):
        pipeline.store.delete_documents(list(stored(pipeline)))
        report = pipeline.run([root])
        assert report.failed == [
            (str(root / "recs.jsonl"), "line 3: duplicate id 'abc' (first at line 1); kept line 1"),
            (str(root / "recs.jsonl"), "line 4: duplicate id 'abc' (first at line 1); kept line 1"),
        ]
        assert "lần một" in stored(pipeline)["recs:abc"][1]
        assert report.added == 2 == len(stored(pipeline))


def test_a_failing_record_is_reported_and_keeps_its_previous_version(
    pipeline: IndexPipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    records: list[dict[str, Any] | str] = [
        {"id": "a", "text": note(30), "classification": "MẬT"},
        {"id": "b", "text": note(31)},
    ]
    write_jsonl(root / "recs.jsonl", records)
    assert pipeline.run([root]).added == 2

    real_identify = indexer.build.understand.identify

    def identify(text: str, metadata: dict[str, Any], *args: Any) -> Any:
        if metadata.get("classification") == "???":  # whatever identify() itself makes of it
            raise InvalidClassification("unreadable classification '???'")
        return real_identify(text, metadata, *args)

    monkeypatch.setattr(indexer.build.understand, "identify", identify)
    records[0] = {"id": "a", "text": note(30, "đã sửa"), "classification": "???"}
    records.append({"id": "c", "text": note(32)})
    write_jsonl(root / "recs.jsonl", records)
    report = pipeline.run([root])
    assert report.failed == [(f"{root / 'recs.jsonl'}#a", "unreadable classification '???'")]
    assert (report.added, report.unchanged, report.removed) == (1, 1, 0)
    docs = stored(pipeline)
    assert set(docs) == {"recs:a", "recs:b", "recs:c"} and "đã sửa" not in docs["recs:a"][1]


def test_a_bad_line_with_a_readable_id_keeps_its_previous_version(pipeline: IndexPipeline, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    write_jsonl(root / "recs.jsonl", [{"id": "a", "text": note(33)}, {"id": "b", "text": note(34)}])
    assert pipeline.run([root]).added == 2
    write_jsonl(root / "recs.jsonl", [{"id": "a", "text": ""}, {"id": "b", "text": note(34)}])
    report = pipeline.run([root])
    assert [r for _, r in report.failed] == ["line 1: no text (a non-empty string field 'text' is required)"]
    assert report.removed == 0 and set(stored(pipeline)) == {"recs:a", "recs:b"}


def test_a_jsonl_file_that_fails_to_parse_keeps_all_its_records(pipeline: IndexPipeline, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    write_jsonl(root / "recs.jsonl", [{"id": "a", "text": note(35)}, {"id": "b", "text": note(36)}])
    (root / "gone.jsonl").write_text(json.dumps({"id": "g", "text": note(37)}) + "\n", encoding="utf-8")
    assert pipeline.run([root]).added == 3
    (root / "recs.jsonl").write_bytes(b"\x00\x01 not json\n")
    (root / "gone.jsonl").unlink()
    report = pipeline.run([root])
    assert [Path(s).name for s, _ in report.failed] == ["recs.jsonl"]
    assert "no valid JSONL record" in report.failed[0][1]
    assert report.removed == 1 and set(stored(pipeline)) == {"recs:a", "recs:b"}  # only the deleted file's


def test_jsonl_lines_are_judged_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps({"id": 1, "text": "một"}).encode()
        + b"\n[1, 2]\n"
        + b'{"id": "bad", "text": "\xff"}\n'
        + b"[" * 100_000
        + b"\n"
        + json.dumps({"id": {"a": 1}, "text": "x"}).encode()
        + b"\n\n"
        + json.dumps({"title": "no id", "text": "hai"}).encode()
        + b"\n"
    )
    docs, problems = JsonlParser().parse_records(path)
    assert [d.key for d in docs] == ["1", "line-7"]
    assert [str(p) for p in problems] == [
        "line 2: not a JSON object (a list)",
        "line 3: not valid UTF-8 (invalid start byte at byte 23)",
        "line 4: invalid JSON: nested too deeply",
        "line 5: id must be a string or a number, not dict",
    ]


# ---- counts and batches -------------------------------------------------------------------------------------
def test_counts_are_what_was_stored(pipeline: IndexPipeline, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    for i in range(4):
        (root / f"n{i}.md").write_text(note(40 + i, f"chủ đề {i}"), encoding="utf-8")
    (root / "n0-link.md").symlink_to("n0.md")
    write_jsonl(root / "a" / "data.jsonl", [{"id": "1", "text": note(50)}, {"id": "1", "text": note(51)}])
    write_jsonl(root / "b" / "data.jsonl", [{"id": "1", "text": note(52)}, {"id": "2", "text": note(53)}])
    report = pipeline.run([root, root / "a"])  # overlapping roots too
    assert report.added == 6 == len(stored(pipeline)), report.failed
    reasons = dict(report.failed)
    assert reasons[f"{root / 'b' / 'data.jsonl'}#1"] == (
        f"document id 'data:1' already taken in this run by {root / 'a' / 'data.jsonl'}#1; rename the file or id"
    )
    assert stored(pipeline)["data:1"][0] == f"{root / 'a' / 'data.jsonl'}#1"
    again = pipeline.run([root, root / "a"])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 6)


def test_flush_batch_size_is_a_setting(
    index_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THAMMUU_INDEXING__FLUSH_CHUNKS", "1")
    settings = Settings().model_copy(update={"index_dir": index_settings.index_dir})
    assert settings.indexing.flush_chunks == 1
    root = tmp_path / "docs"
    root.mkdir()
    for i in range(5):
        (root / f"n{i}.md").write_text(note(60 + i, f"chủ đề {i}"), encoding="utf-8")
    embedder = HashEmbedder()
    idx = Index.open_or_create(settings, embedder.name, embedder.dimension)
    try:
        start = idx.store.generation()
        report = IndexPipeline(settings, embedder, idx).run([root])
        assert report.added == 5 and idx.store.generation() - start == 5  # one commit per document
    finally:
        idx.close()
    with pytest.raises(ValueError):
        Settings(indexing={"flush_chunks": 0})  # type: ignore[arg-type]


def test_unreadable_file_is_reported(pipeline: IndexPipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "locked.md").write_text(note(70), encoding="utf-8")
    (root / "open.md").write_text(note(71), encoding="utf-8")
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:  # as chmod 0 would, for any user (root reads everything)
        if self.name == "locked.md":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = pipeline.run([root])
    assert report.failed == [(str(root / "locked.md"), "cannot read: Permission denied")]
    assert report.added == 1


def test_copied_tree_with_links_is_stable(pipeline: IndexPipeline, tmp_path: Path) -> None:
    """shutil.copytree(symlinks=True) keeps relative links: the copy refers to itself, not the original."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text(note(80), encoding="utf-8")
    (src / "b.md").symlink_to("a.md")
    dst = tmp_path / "dst"
    shutil.copytree(src, dst, symlinks=True)
    report = pipeline.run([dst])
    assert report.ok and report.added == 1


def test_a_changed_chunker_rechunks_instead_of_mixing(index_settings: Settings, tmp_path: Path) -> None:
    """Changing chunk_size re-chunks every document on the next run (the manifest follows); never a mixed index."""
    from indexer.config import ChunkingSettings
    from indexer.storage.manifest import Manifest

    folder = tmp_path / "docs"
    folder.mkdir()
    long_text = "TỈNH ỦY BẮC NINH\n\n# BÁO CÁO\n\n" + "\n\n".join(
        f"{i}. Nội dung thứ {i} về chuyển đổi số, cải cách hành chính và xây dựng chính quyền số ở cơ sở." * 3
        for i in range(1, 30)
    )
    (folder / "bc.md").write_text(long_text, encoding="utf-8")
    embedder = HashEmbedder()

    def run(settings: Settings) -> tuple[IndexReport, int]:
        idx = Index.open_or_create(settings, embedder.name, embedder.dimension)
        try:
            report = IndexPipeline(settings, embedder, idx).run([folder])
            return report, idx.store.stats()["chunks"]
        finally:
            idx.close()

    first, chunks_big = run(index_settings)
    assert first.added == 1
    small = index_settings.model_copy(update={"chunking": ChunkingSettings(chunk_size=400, chunk_overlap=50)})
    second, chunks_small = run(small)
    assert second.updated == 1 and second.unchanged == 0 and chunks_small > chunks_big
    manifest = Manifest.load(index_settings.index_dir)
    assert manifest is not None and (manifest.chunk_size, manifest.chunk_overlap) == (400, 50)
    third, _ = run(small)
    assert third.unchanged == 1 and third.chunks_embedded == 0
