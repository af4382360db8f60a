"""The malformed-files check in CI: every broken or hostile file is reported with a reason, nothing escapes the
run, and the good files beside them are indexed once (hash embedder: this is pipeline logic, not the model)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.reliability.malformed import REFUSAL, HashEmbedder, run
from indexer.config import Settings
from indexer.storage.index import Index

ROOT = Path(__file__).resolve().parent.parent


def test_every_malformed_file_is_reported_and_the_good_ones_indexed(tmp_path: Path, settings: Settings) -> None:
    work = tmp_path / "work"
    result = run(work, HashEmbedder(), settings)

    assert result.error is None
    judged = [r for r in result.cases if r.skipped is None]
    assert len(judged) >= 30, [r.case.name for r in result.cases]
    assert {Path(r.case.name).suffix for r in judged} >= {".txt", ".md", ".html", ".docx", ".pdf", ".jsonl"}
    assert [(r.case.name, r.reasons) for r in judged if not r.reported] == []
    # Only what this machine cannot create (a NUL in a name) or another change decides may go unjudged.
    for r in result.cases:
        assert r.skipped is None or r.skipped.startswith("cannot be created here") or REFUSAL in r.skipped
    assert result.good_missing == [] and result.unexpected == [] and result.extra == []
    assert result.added == result.stored == len(result.good)
    assert result.rerun_stable  # the same failures again, nothing added, updated or removed
    assert result.ok

    # Nothing behind a refused link was read into the index.
    idx = Index.open(settings.model_copy(update={"index_dir": work / "index"}))
    try:
        texts = [r[0] for r in idx.store.conn.execute("SELECT text FROM documents")]
    finally:
        idx.close()
    assert not any("ngoài thư mục" in t or "root:" in t for t in texts)


def test_command_line(tmp_path: Path) -> None:
    """``python -m benchmarks.reliability.malformed`` logs the table and exits 0 when the goal is met."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.reliability.malformed", "--workdir", str(tmp_path / "work")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "| passwd.txt | link to /etc/passwd | failure | yes | symlink leaves the indexed folder" in done.stderr
    assert "→ OK" in done.stderr.splitlines()[-1]
    assert (tmp_path / "work" / "inbox" / "good.md").is_file()  # --workdir keeps the folder for a look
