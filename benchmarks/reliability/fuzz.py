"""Fuzz the API from its own OpenAPI document with schemathesis, in every authentication mode.

``python -m benchmarks.reliability.fuzz [--max-examples N] [--modes dev,reader,admin,anonymous]`` (needs the
``bench`` extra: ``pip install -e '.[bench]'``). On the archive of ``benchmarks.reliability.fixture``: the
development-mode server (no principals) and the keyed server as a reader, as an admin and anonymously. Every
check of schemathesis runs (``--checks all``: no 5xx, status codes, content types, headers and bodies as
documented, invalid data refused, valid data accepted, unknown methods answered 405, auth enforced). Per mode:
test cases, requests, 5xx answers (0 expected) and the distinct failures — schema mismatches first: those are
bugs in the API or its OpenAPI document. Drafting operations are slow (seconds per valid case) and get fewer
examples (``--draft-examples``); the admin run never fuzzes ``POST /api/v1/index`` (a generated path such as
``/`` would index the whole machine).
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.metrics import machine_label
from benchmarks.reliability.fixture import Archive, FixturePrincipal, archive, finish, serve, setup_logging

logger = logging.getLogger(__name__)

MODES = ("dev", "reader", "admin", "anonymous")
CALLERS = {"reader": "reader-mat-btc", "admin": "admin-tuyet-mat-all"}  # the keyed modes' principals
CONFORMANCE = {
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
}
MIN_CASES = 2000


@dataclass
class Failure:
    """One distinct failure: a check, an operation and what schemathesis said."""

    check: str
    code: str
    operation: str
    message: str
    count: int = 0
    note: str = ""  # why it is expected, where it is by design
    example: str = ""  # the first request that showed it and its answer

    @property
    def schema_mismatch(self) -> bool:
        return self.check in CONFORMANCE


@dataclass
class FuzzMode:
    """One schemathesis run against one server as one caller."""

    mode: str
    caller: str
    cases: int = 0
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    exit_code: int = 0
    server_alive: bool = True

    @property
    def schema_mismatches(self) -> list[Failure]:
        return [f for f in self.failures if f.schema_mismatch]


@dataclass
class FuzzResult:
    """Every mode's run."""

    machine: str
    schemathesis: str
    max_examples: int
    seed: int
    modes: list[FuzzMode] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(not m.server_errors and m.server_alive and m.cases >= MIN_CASES for m in self.modes)

    def to_markdown(self) -> str:
        """Per-mode table, then each mode's distinct failures (schema mismatches first)."""
        lines = [
            f"API fuzzing — schemathesis {self.schemathesis}, `--checks all`, {self.max_examples} examples per"
            f" operation, seed {self.seed}; machine: {self.machine}",
            "",
            "| mode | caller | cases | requests | 5xx | schema mismatches | other failures | errors | server up | s |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
            *(
                f"| {m.mode} | {m.caller} | {m.cases} | {m.requests} | {len(m.server_errors)} |"
                f" {len(m.schema_mismatches)} | {len(m.failures) - len(m.schema_mismatches)} | {len(m.errors)} |"
                f" {'yes' if m.server_alive else '**NO**'} | {m.seconds:.0f} |"
                for m in self.modes
            ),
            "",
            f"Goal: ≥ {MIN_CASES} cases per mode, no 5xx, the server up at the end.",
        ]
        for m in self.modes:
            lines += ["", f"### {m.mode} ({m.caller}): statuses {dict(sorted(m.statuses.items()))}", ""]
            lines += [f"- 5xx: {e}" for e in m.server_errors[:50]]
            lines += [f"- error: {e}" for e in m.errors[:20]]
            for f in sorted(m.failures, key=lambda f: (not f.schema_mismatch, f.check, f.operation)):
                kind = "schema mismatch" if f.schema_mismatch else "failure"
                note = f" — {f.note}" if f.note else ""
                msg = f.message.replace("\n", " ⏎ ")[:300]
                lines.append(f"- {kind} `{f.check}` ({f.code}) on `{f.operation}` ×{f.count}: {msg}{note}")
                if f.example:
                    example = f.example.replace("`", "'")[:500]
                    lines.append(f"  - e.g. `{example}`")
        return "\n".join(lines) + "\n"


def schemathesis_bin() -> Path:
    """The schemathesis executable of this environment (the ``bench`` extra)."""
    path = Path(sys.executable).parent / "schemathesis"
    if not path.is_file():
        raise RuntimeError("schemathesis is not installed: pip install -e '.[bench]'")
    return path


def config_toml(max_examples: int, draft_examples: int, seed: int, admin: bool) -> str:
    """schemathesis.toml of one run (per-operation example counts need the file, the CLI option beats them)."""
    lines = [
        f"seed = {seed}",
        "workers = 1",  # two cores: the server needs the other one
        "request-timeout = 180",
        f"generation.max-examples = {max_examples}",
        'generation.database = "none"',
        "",
        "[[operations]]",
        'include-name-regex = "^POST /api/v1/drafts"',
        f"generation.max-examples = {draft_examples}",
    ]
    if admin:
        lines += ["", "[[operations]]", 'include-name = "POST /api/v1/index"', "enabled = false"]
    return "\n".join(lines) + "\n"


def note_for(mode: str, check: str, operation: str, message: str) -> str:
    """Why a failure is expected, where the design says so (it is still listed)."""
    auth_checks = {"ignored_auth", "missing_required_header"}
    if mode == "dev" and (check in auth_checks or "Authorization" in message):
        return "by design: development mode needs no key"
    if operation == "GET /api/v1/health" and (check in auth_checks or "Authorization" in message):
        return "by design: health is open to all"
    return ""


def _decode(part: dict[str, Any], key: str) -> str:
    raw = part.get(key)
    if isinstance(raw, dict) and "$base64" in raw:
        return base64.b64decode(raw["$base64"]).decode("utf-8", "replace")
    return "" if raw is None else str(raw)


def exchange(interaction: dict[str, Any]) -> str:
    """One recorded request and its answer, shortened: method, URI, body → status, body."""
    request, response = interaction.get("request") or {}, interaction.get("response") or {}
    if not request:
        return ""
    sent = f"{request.get('method')} {request.get('uri')} {_decode(request, 'body')[:200]}".strip()
    return f"{sent} → {response.get('status_code', 'no answer')} {_decode(response, 'content')[:200]}".strip()


def parse_reports(mode: FuzzMode, summary: dict[str, Any], events: list[dict[str, Any]]) -> None:
    """Cases from the JSON summary; requests, statuses, 5xx and distinct failures from the NDJSON events."""
    mode.cases = int(summary.get("test_cases", {}).get("generated", 0))
    statuses: Counter[str] = Counter()
    failures: dict[tuple[str, str, str], Failure] = {}
    for event in events:
        if "NonFatalError" in event:
            value = event["NonFatalError"].get("value", {})
            mode.errors.append(f"{event['NonFatalError'].get('label')}: {value.get('type')}: {value.get('message')}")
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        for interaction in (recorder.get("interactions") or {}).values():
            request, response = interaction.get("request") or {}, interaction.get("response") or {}
            status = int(response.get("status_code", 0)) if response else 0
            statuses[str(status)] += 1
            if status >= 500 or status == 0:
                mode.server_errors.append(f"{request.get('method')} {request.get('uri')} → {status or 'no answer'}")
        interactions = recorder.get("interactions") or {}
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                info = check.get("failure_info", {}).get("failure", {})
                op, msg = str(info.get("operation", "")), str(info.get("message", ""))
                key = (check["name"], op, msg.split("\n")[0][:200])
                if key not in failures:
                    note = note_for(mode.mode, check["name"], op, msg)
                    example = exchange(interactions.get(case_id) or {})
                    failures[key] = Failure(check["name"], str(info.get("code", "")), op, msg, 0, note, example)
                failures[key].count += 1
    mode.requests, mode.statuses, mode.failures = sum(statuses.values()), dict(statuses), list(failures.values())


def fuzz_mode(
    mode: str, url: str, who: FixturePrincipal, workdir: Path, args: tuple[int, int, int], timeout: float
) -> FuzzMode:
    """One schemathesis run; its reports parsed."""
    max_examples, draft_examples, seed = args
    result = FuzzMode(mode, who.name)
    folder = workdir / f"fuzz-{mode}"
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "schemathesis.toml"
    config.write_text(config_toml(max_examples, draft_examples, seed, mode == "admin"), encoding="utf-8")
    summary_path, events_path = folder / "report.json", folder / "events.ndjson"
    cmd = [str(schemathesis_bin()), "--config-file", str(config), "run", f"{url}/openapi.json", "--checks", "all"]
    cmd += ["--no-color", "--report", "json,ndjson"]
    cmd += ["--report-json-path", str(summary_path), "--report-ndjson-path", str(events_path)]
    for name, value in who.headers.items():
        cmd += ["-H", f"{name}: {value}"]
    t = time.perf_counter()
    with (folder / "schemathesis.log").open("wb") as log:
        try:
            done = subprocess.run(cmd, cwd=folder, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False)
            result.exit_code = done.returncode
        except subprocess.TimeoutExpired:
            result.errors.append(f"schemathesis ran past {timeout:.0f} s and was stopped")
            result.exit_code = -9
    result.seconds = time.perf_counter() - t
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    events = [json.loads(line) for line in events_path.open(encoding="utf-8")] if events_path.is_file() else []
    parse_reports(result, summary, events)
    logger.info(
        "fuzz %s: %d cases, %d requests, %d 5xx", mode, result.cases, result.requests, len(result.server_errors)
    )
    return result


def alive(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/v1/health", timeout=30).json().get("status") == "ok"
    except (httpx.HTTPError, ValueError):
        return False


def run(
    arc: Archive | None = None,
    max_examples: int = 200,
    modes: tuple[str, ...] = MODES,
    draft_examples: int = 10,
    seed: int = 1,
    timeout: float = 3600,
    workdir: Path | None = None,
) -> FuzzResult:
    """Every selected mode: dev on the principal-less copy, the keyed ones on one keyed server."""
    version = subprocess.run([str(schemathesis_bin()), "--version"], capture_output=True, text=True, check=False)
    result = FuzzResult(machine_label(), version.stdout.strip().split()[-1], max_examples, seed)
    settings = (max_examples, draft_examples, seed)
    with ExitStack() as stack:
        arc = arc or stack.enter_context(archive(workdir))
        if "dev" in modes:
            with serve(arc.dev_index) as srv:
                result.modes.append(fuzz_mode("dev", srv.url, FixturePrincipal("dev"), arc.root, settings, timeout))
                result.modes[-1].server_alive = srv.proc.poll() is None and alive(srv.url)
        keyed = [m for m in modes if m != "dev"]
        if keyed:
            with serve(arc.index) as srv:
                for mode in keyed:
                    who = arc.principal(CALLERS.get(mode, "anonymous"))
                    result.modes.append(fuzz_mode(mode, srv.url, who, arc.root, settings, timeout))
                    result.modes[-1].server_alive = srv.proc.poll() is None and alive(srv.url)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-examples", type=int, default=200, help="Examples per operation (≥ 2,000 cases a mode).")
    ap.add_argument("--draft-examples", type=int, default=10, help="Examples for the (slow) drafting operations.")
    ap.add_argument("--modes", default=",".join(MODES), help="Comma-separated of dev, reader, admin, anonymous.")
    ap.add_argument("--seed", type=int, default=1, help="schemathesis seed (reproducible runs).")
    ap.add_argument("--timeout", type=float, default=3600, help="Seconds one mode may run before it is stopped.")
    ap.add_argument("--workdir", type=Path, help="Build the archive here (kept) instead of a temporary folder.")
    ap.add_argument("--json", type=Path, help="Also write the result as JSON here.")
    args = ap.parse_args(argv)
    setup_logging()
    modes = tuple(args.modes.split(","))
    result = run(None, args.max_examples, modes, args.draft_examples, args.seed, args.timeout, args.workdir)
    return finish(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
