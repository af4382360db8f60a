"""Leak sweep: every caller × every endpoint; no response may betray a document the caller may not see.

``python -m benchmarks.reliability.leaks [--requests N] [--modes keyed,dev] [--workdir DIR]``. On the archive of
``benchmarks.reliability.fixture`` (canaries at every level and unit), each principal, the outsiders
(anonymous, wrong, malformed and revoked keys) and, in development mode, the keyless caller send up to N
requests: searches (every mode, grouped or not, paging, filters by number, type and date; queries made of each
document's canaries, its number in variants and its title typed without marks), facets, every document and its
similar documents (visible, hidden, missing), health, templates, drafts with their DOCX/Markdown exports, other
callers' drafts, the audit log. A leak is any canary, doc id, number or title of a hidden document in a body,
a header or the text of a DOCX, unless the request itself carried that string. Also checked: hidden and
missing ids answer byte-identical 404s, ``query_interpretation`` and facet totals do not change between a
hidden document's words and made-up words, health counts only the visible set, and the median 404 latency of
hidden vs missing ids differs by less than 10 %. N defaults to a few minutes in all on 2 cores (1,600 was the
earlier sweep's size).
"""

from __future__ import annotations

import argparse
import html
import io
import json
import logging
import random
import re
import statistics
import sys
import time
import unicodedata
import zipfile
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import httpx

from benchmarks.metrics import machine_label
from benchmarks.reliability.fixture import (
    DEV,
    Archive,
    FixtureDoc,
    FixturePrincipal,
    archive,
    finish,
    made_up_words,
    serve,
    setup_logging,
)

logger = logging.getLogger(__name__)

MODES = ("hybrid", "lexical", "dense")
TEMPLATE = "bao-cao-so-ket"
Spec = tuple[str, str, dict[str, Any] | None]  # method, path with query string, JSON body
_TAG = re.compile(r"<[^>]+>")
_NON_WORD = re.compile(r"[\W_]+")


# ---- the detector (pure) --------------------------------------------------------------------------------------
def fold_text(text: str) -> str:
    """Lower case, NFC, tags of snippets dropped, entities unescaped, Latin marks removed, đ → d."""
    plain = _TAG.sub("", html.unescape(unicodedata.normalize("NFC", text).lower())).replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", plain) if not unicodedata.combining(c))


def text_forms(text: str) -> dict[str, str]:
    """The forms needles are looked for in: exact (lower NFC), folded, compact (folded, only letters and digits)."""
    folded = fold_text(text)
    return {"exact": unicodedata.normalize("NFC", text).lower(), "folded": folded, "compact": _NON_WORD.sub("", folded)}


def doc_needles(doc: FixtureDoc) -> list[tuple[str, str, str]]:
    """(kind, form, value) of every string that betrays ``doc``, each in the form it is matched in."""
    out = [(kind, "folded", fold_text(value)) for kind, value in doc.needles().items() if value]
    out.append(("marked", "exact", unicodedata.normalize("NFC", doc.marked).lower()))
    out.append(("number", "compact", _NON_WORD.sub("", fold_text(doc.number))))
    return out


def find_leaks(response: str, request: str, forbidden: list[FixtureDoc]) -> list[tuple[str, str, str]]:
    """(document name, needle kind, excerpt) for each forbidden document's needle found in the response text.

    A needle the request itself carries (the caller typed the canary, the id, the number) is not a leak.
    """
    got, asked = text_forms(response), text_forms(request)
    found = []
    for doc in forbidden:
        for kind, form, value in doc_needles(doc):
            at = got[form].find(value)
            if at >= 0 and value not in asked[form]:
                found.append((doc.name, kind, got[form][max(0, at - 60) : at + len(value) + 60]))
    return found


def docx_text(data: bytes) -> str:
    """Every text of a DOCX: python-docx paragraphs, tables, headers, footers, core properties, and the raw XML."""
    import docx

    parts: list[str] = []
    try:
        document = docx.Document(io.BytesIO(data))
        parts += [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
        for section in document.sections:
            parts += [p.text for part in (section.header, section.footer) for p in part.paragraphs]
        props = document.core_properties
        parts += [str(getattr(props, n) or "") for n in ("title", "subject", "keywords", "category", "comments")]
    except Exception as exc:  # a broken DOCX is itself a finding, reported by the caller through the raw text
        parts.append(f"[python-docx failed: {exc}]")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts += [_TAG.sub("", z.read(n).decode("utf-8", "replace")) for n in z.namelist() if n.endswith(".xml")]
    return "\n".join(parts)


def response_text(resp: httpx.Response) -> str:
    """Headers and body of a response as text (JSON re-dumped without escapes, DOCX opened)."""
    head = "\n".join(f"{k}: {v}" for k, v in resp.headers.items())
    ctype = resp.headers.get("content-type", "")
    body = resp.content.decode("utf-8", "replace")
    if "wordprocessingml" in ctype:
        body = docx_text(resp.content)
    elif "json" in ctype:
        with suppress(ValueError):
            body += "\n" + json.dumps(resp.json(), ensure_ascii=False)
    return head + "\n" + body


# ---- results ----------------------------------------------------------------------------------------------------
@dataclass
class Leak:
    """One forbidden string in one answer."""

    caller: str
    request: str
    status: int
    document: str
    kind: str
    excerpt: str


@dataclass
class CallerStats:
    """What one caller sent and got."""

    name: str
    requests: int = 0
    leaks: int = 0
    positives: int = 0  # answers showing a visible document's needle: the detector sees what it should
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class LeakResult:
    """The whole sweep."""

    machine: str
    requests_per_caller: int
    callers: list[CallerStats] = field(default_factory=list)
    leaks: list[Leak] = field(default_factory=list)  # the first 200 in full; counts in callers
    findings: list[str] = field(default_factory=list)  # failed side checks (404 bytes, interpretation, …)
    server_errors: list[str] = field(default_factory=list)
    timing: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def leak_count(self) -> int:
        return sum(c.leaks for c in self.callers)

    @property
    def ok(self) -> bool:
        return not self.leak_count and not self.findings and not self.server_errors

    def to_markdown(self) -> str:
        """Per-caller table, then every leak, finding and 5xx."""
        total = sum(c.requests for c in self.callers)
        lines = [
            f"Leak sweep — {total} requests from {len(self.callers)} callers (up to {self.requests_per_caller}"
            f" each) in {self.seconds:.0f} s; machine: {self.machine}",
            "",
            f"**leaks: {self.leak_count}** (0 expected); side-check findings: {len(self.findings)};"
            f" 5xx answers: {len(self.server_errors)}",
            "",
            "| caller | requests | leaks | answers showing visible docs | statuses | s |",
            "|---|---:|---:|---:|---|---:|",
            *(
                f"| {c.name} | {c.requests} | {c.leaks} | {c.positives} |"
                f" {', '.join(f'{k}×{v}' for k, v in sorted(c.statuses.items()))} | {c.seconds:.0f} |"
                for c in self.callers
            ),
            "",
            "| 404 latency check | hidden p50 ms | missing p50 ms | difference | samples |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| {t['what']} | {t['hidden_ms']:.2f} | {t['missing_ms']:.2f} | {100 * t['difference']:.1f} % |"
                f" {t['samples']} |"
                for t in self.timing
            ),
        ]
        lines += ["", "Leaks (first 200):" if self.leaks else "No leak."]
        lines += [
            f"- {x.caller} ← {x.document} {x.kind} via `{x.request}` ({x.status}): …{x.excerpt}…" for x in self.leaks
        ]
        lines += ["", "Findings:" if self.findings else "No side-check finding."]
        lines += [f"- {f}" for f in self.findings]
        lines += [f"- 5xx: {e}" for e in self.server_errors]
        return "\n".join(lines) + "\n"


# ---- what each caller sends -------------------------------------------------------------------------------------
def number_variants(doc: FixtureDoc) -> list[str]:
    """The number as people type it: canonical, reversed separators, type-first, lower case, compact."""
    n, rest = doc.number.split("-", 1)
    code, issuer = rest.split("/")
    return [doc.number, f"{n}/{code}-{issuer}", f"{code} {n}", f"{doc.doc_type} {n}", doc.number.lower(), n + code]


def query_forms(doc: FixtureDoc) -> list[str]:
    """Queries made of one document's unique words, its number and its title (marked and unmarked)."""
    return [
        doc.canary,
        doc.folded,
        doc.marked,
        f"{doc.canary} {doc.folded}",
        doc.title,
        fold_text(doc.title),
        *number_variants(doc),
    ]


def interleave(weighted: list[tuple[list[Spec], int]]) -> list[Spec]:
    """Take ``w`` items from each list in turn until all are used up, so that any prefix covers every list."""
    iters = [(iter(lst), w) for lst, w in weighted]
    out: list[Spec] = []
    while iters:
        for pair in list(iters):
            for _ in range(pair[1]):
                item = next(pair[0], None)
                if item is None:
                    iters.remove(pair)
                    break
                out.append(item)
    return out


def request_plan(arc: Archive, who: FixturePrincipal, missing: list[str], drafts: list[str]) -> list[Spec]:
    """Every request of the sweep for one caller, interleaved so that any prefix covers every endpoint."""
    docs = arc.hidden_from(who) + arc.visible_to(who)  # hidden first: a short run still tries each of them
    searches: list[Spec] = []
    forms = len(query_forms(docs[0]))
    for round_ in range(forms * len(MODES) * 2):  # every query form × mode × grouping, for each document in turn
        form, mode, grouped = round_ % forms, MODES[round_ // forms % 3], round_ // (forms * 3) % 2 == 1
        for i, doc in enumerate(docs):
            body = {"query": query_forms(doc)[form], "mode": mode, "group_by_document": grouped}
            body |= {"offset": (0, 0, 5, 10, 50)[(i + round_) % 5], "k": (10, 50)[(i + round_) % 2]}
            searches.append(("POST", "/api/v1/search", body))
    for doc in docs:
        for mode in MODES:
            for flt in (
                {"number": doc.number},
                {"doc_type": [doc.doc_type]},
                {"date_from": doc.issued, "date_to": doc.issued},
                {"date_from": "2031-01-01", "date_to": doc.issued},  # reversed: refused, never a 500
            ):
                searches.append(("POST", "/api/v1/search", {"query": "chuyển đổi số", "mode": mode, "filters": flt}))
    facets: list[Spec] = [
        ("GET", "/api/v1/facets?" + urlencode(q, doseq=True), None)
        for doc in docs
        for q in (
            {"q": doc.canary},
            {"q": doc.folded},
            {"q": doc.number},
            {"doc_type": doc.doc_type},
            {"number": doc.number},
            {"q": doc.canary, "date_from": doc.issued, "date_to": doc.issued},
            {"date_from": "2031-01-01", "date_to": doc.issued},
        )
    ]
    reads: list[Spec] = [
        ("GET", f"/api/v1/documents/{doc_id}{suffix}", None)
        for doc_id in [*(d.doc_id for d in docs), *missing]
        for suffix in ("", "/similar?k=5")
    ]
    draft_specs: list[Spec] = []
    for doc in docs:
        draft_specs.append(("POST", "/api/v1/drafts", {"template": TEMPLATE, "topic": f"{doc.canary} {doc.marked}"}))
        draft_specs += [("GET", "/api/v1/drafts/{last}.docx", None), ("GET", "/api/v1/drafts/{last}.md", None)]
    misc: list[Spec] = [("GET", "/api/v1/health", None), ("GET", "/api/v1/templates", None)]
    misc += [("GET", "/api/v1/audit?limit=10000", None)]
    misc += [("GET", f"/api/v1/drafts/{d}{ext}", None) for d in drafts for ext in (".docx", ".md", "")]
    return interleave([(searches, 6), (reads, 3), (facets, 2), (draft_specs, 1), (misc, 1)])


# ---- the sweep ----------------------------------------------------------------------------------------------------
def describe(method: str, path: str, body: dict[str, Any] | None) -> str:
    """The request as one line, for the report and for what the caller itself typed."""
    return f"{method} {unquote(path)}" + (f" {json.dumps(body, ensure_ascii=False)}" if body is not None else "")


def audit_view(resp: httpx.Response) -> str:
    """An audit answer without what callers typed (query, filters, the path of a refused request): theirs, not
    the index's; doc ids, chunk ids and details stay."""
    try:
        data = resp.json()
    except ValueError:
        return response_text(resp)
    for row in data.get("rows", []) if isinstance(data, dict) else []:
        if isinstance(row, dict):
            for typed in ("query", "filters", "endpoint"):
                row.pop(typed, None)
    head = "\n".join(f"{k}: {v}" for k, v in resp.headers.items())
    return head + "\n" + json.dumps(data, ensure_ascii=False)


class Sweep:
    """Sends requests as callers of one server and checks every answer."""

    def __init__(self, arc: Archive, url: str, result: LeakResult, deadline: float) -> None:
        self.arc, self.result, self.deadline = arc, result, deadline
        self.client = httpx.Client(base_url=url, timeout=300)
        self.drafts: list[str] = []

    def send(
        self, who: FixturePrincipal, stats: CallerStats, method: str, path: str, body: Any = None, echo: str = ""
    ) -> httpx.Response:
        """One request as ``who``; its answer checked for leaks and 5xx, and counted.

        ``echo`` is what the caller itself typed earlier and the answer may repeat (a draft's topic in its
        exports): needles in it are the caller's own words, not a leak."""
        request = describe(method, path, body) + (f" [echo: {echo}]" if echo else "")
        t = time.perf_counter()
        try:
            resp = self.client.request(method, path, json=body, headers=who.headers)
        except httpx.HTTPError as exc:
            self.result.server_errors.append(f"{who.name}: {request} → {type(exc).__name__}: {exc}")
            raise
        stats.seconds += time.perf_counter() - t
        stats.requests += 1
        key = str(resp.status_code)
        stats.statuses[key] = stats.statuses.get(key, 0) + 1
        text = audit_view(resp) if path.startswith("/api/v1/audit") else response_text(resp)
        for name, kind, excerpt in find_leaks(text, request, self.arc.hidden_from(who)):
            stats.leaks += 1
            if len(self.result.leaks) < 200:
                self.result.leaks.append(Leak(who.name, request[:300], resp.status_code, name, kind, excerpt))
        if find_leaks(text, request, self.arc.visible_to(who)):
            stats.positives += 1
        if resp.status_code >= 500:
            self.result.server_errors.append(f"{who.name}: {request[:300]} → {resp.status_code} {resp.text[:200]}")
        return resp

    def run_plan(self, who: FixturePrincipal, plan: list[Spec], limit: int) -> CallerStats:
        """Up to ``limit`` requests of the plan (exports follow the caller's last draft)."""
        stats = CallerStats(who.name)
        last: str | None = None
        topic = ""  # the last draft's topic, which its title and exports repeat
        for method, path, body in plan:
            if stats.requests >= limit or time.monotonic() > self.deadline:
                break
            echo = ""
            if "{last}" in path:
                if last is None:
                    continue
                path, echo = path.replace("{last}", last), topic
            resp = self.send(who, stats, method, path, body, echo)
            if path == "/api/v1/drafts" and resp.status_code == 200:
                last = str(resp.json().get("id"))
                topic = str((body or {}).get("topic", ""))
                self.drafts.append(last)
        return stats

    def side_checks(self, who: FixturePrincipal, stats: CallerStats, missing: str, rng: random.Random) -> None:
        """404 bytes, query interpretation and facet totals (hidden words vs made-up ones), health counts."""
        hidden = self.arc.hidden_from(who)[:2]
        for suffix in ("", "/similar"):
            miss = self.send(who, stats, "GET", f"/api/v1/documents/{missing}{suffix}")
            for doc in hidden:
                got = self.send(who, stats, "GET", f"/api/v1/documents/{doc.doc_id}{suffix}")
                if (got.status_code, got.content, _headers(got)) != (miss.status_code, miss.content, _headers(miss)):
                    self.result.findings.append(
                        f"{who.name}: hidden {doc.name}{suffix} answers {got.status_code} {got.content[:200]!r}"
                        f" {_headers(got)}, missing id {miss.status_code} {miss.content[:200]!r} {_headers(miss)}"
                    )
        taken = {w for d in self.arc.docs for w in (d.canary, d.folded)}
        for doc in hidden:
            canary, marked = made_up_words(rng, taken)
            pair = (f"{doc.folded} {doc.canary}", f"{fold_text(marked)} {canary}")
            for mode in ("lexical", "hybrid"):
                seen = [self._signature(who, stats, q, mode) for q in pair]
                if seen[0] != seen[1]:
                    self.result.findings.append(
                        f"{who.name}: {mode} interpretation of hidden {doc.name}'s words {pair[0]!r} = {seen[0]}"
                        f" differs from made-up {pair[1]!r} = {seen[1]}"
                    )
            totals = [self.send(who, stats, "GET", "/api/v1/facets?" + urlencode({"q": q})).text for q in pair]
            totals = [_json_field(t, "total") for t in totals]
            if totals[0] != totals[1]:
                self.result.findings.append(f"{who.name}: facets total {totals} for {pair[0]!r} vs {pair[1]!r}")
        health = self.send(who, stats, "GET", "/api/v1/health").json()
        visible = self.arc.visible_to(who)
        want = (len(visible), sum(d.chunks for d in visible)) if who.clearance >= 0 else (0, 0)
        got_counts = (int(health.get("documents") or 0), int(health.get("chunks") or 0))
        if "documents" in health and got_counts != want:  # a status-only answer tells nothing
            self.result.findings.append(f"{who.name}: health counts {got_counts}, visible set {want}: {health}")

    def _signature(self, who: FixturePrincipal, stats: CallerStats, query: str, mode: str) -> Any:
        resp = self.send(who, stats, "POST", "/api/v1/search", {"query": query, "mode": mode})
        if resp.status_code != 200:
            return resp.status_code
        data = resp.json()
        qi = data.get("query_interpretation", {})
        fields = ("fusion_profile", "diacritics", "mode", "numbers", "number_docs")
        return {
            **{f: qi.get(f) for f in fields},
            "tokens": len(qi.get("tokens", [])),
            "timings": sorted(qi.get("timings_ms", {})),
            "total": data.get("total"),
            "hits": len(data.get("hits", [])),
        }

    def timing(self, who: FixturePrincipal, missing: list[str], samples: int) -> None:
        """Median 404 latency for hidden vs missing ids, interleaved, per endpoint."""
        hidden = [d.doc_id for d in self.arc.hidden_from(who)]
        if not hidden or samples <= 0:
            return
        for suffix in ("", "/similar"):
            times: dict[str, list[float]] = {"hidden": [], "missing": []}
            for i in range(samples):
                for kind, ids in (("hidden", hidden), ("missing", missing)):
                    t = time.perf_counter()
                    self.client.get(f"/api/v1/documents/{ids[i % len(ids)]}{suffix}", headers=who.headers)
                    times[kind].append((time.perf_counter() - t) * 1000)
            h, m = statistics.median(times["hidden"]), statistics.median(times["missing"])
            diff = abs(h - m) / m if m else 0.0
            what = f"{who.name} GET /documents/{{id}}{suffix}"
            self.result.timing.append(
                {"what": what, "hidden_ms": h, "missing_ms": m, "difference": diff, "samples": samples}
            )
            if diff >= 0.10:
                self.result.findings.append(f"{what}: 404 median {h:.2f} ms hidden vs {m:.2f} ms missing ({diff:.0%})")

    def close(self) -> None:
        self.client.close()


def _headers(resp: httpx.Response) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in resp.headers.items() if k.lower() not in ("date", "x-request-id"))


def _json_field(text: str, name: str) -> Any:
    try:
        return json.loads(text).get(name)
    except (ValueError, AttributeError):
        return text[:100]


def missing_ids(rng: random.Random, arc: Archive) -> list[str]:
    """Ids shaped like real ones (16 hex digits) that no document has, and odd ones."""
    real = {d.doc_id for d in arc.docs}
    out: list[str] = []
    while len(out) < 4:
        cand = "".join(rng.choice("0123456789abcdef") for _ in range(16))
        if cand not in real:
            out.append(cand)
    return [*out, "no-such-document", "x:y@z w"]


def sweep_server(
    arc: Archive,
    url: str,
    callers: list[FixturePrincipal],
    requests: int,
    samples: int,
    result: LeakResult,
    deadline: float,
) -> None:
    """Every caller's plan and side checks against one server, then the audit read again by every admin."""
    rng = random.Random(11)
    missing = missing_ids(rng, arc)
    sweep = Sweep(arc, url, result, deadline)
    try:
        for who in callers:
            stats = sweep.run_plan(who, request_plan(arc, who, missing, sweep.drafts[-6:]), requests)
            sweep.side_checks(who, stats, missing[0], rng)
            result.callers.append(stats)
            logger.info("%s: %d requests, %d leaks, %.0f s", who.name, stats.requests, stats.leaks, stats.seconds)
        for who in callers:  # the audit now holds every caller's requests
            if "admin" in who.roles:
                sweep.send(
                    who, next(c for c in result.callers if c.name == who.name), "GET", "/api/v1/audit?limit=10000"
                )
        timer = next((c for c in callers if arc.hidden_from(c) and c.clearance >= 0), callers[0])  # answered: 404s
        sweep.timing(timer, missing[:4], samples)
    finally:
        sweep.close()


def run(
    arc: Archive | None = None,
    requests: int = 40,
    modes: tuple[str, ...] = ("keyed", "dev"),
    timing_samples: int = 200,
    max_seconds: float = 1800,
    workdir: Path | None = None,
) -> LeakResult:
    """The sweep on ``arc`` (built here when None): the keyed server with every caller, the dev-mode server."""
    result = LeakResult(machine_label(), requests)
    t0 = time.perf_counter()
    deadline = time.monotonic() + max_seconds
    with ExitStack() as stack:
        arc = arc or stack.enter_context(archive(workdir))
        if "keyed" in modes:
            with serve(arc.index) as srv:
                callers = sorted(arc.principals, key=lambda p: (p.clearance, p.name)) + arc.outsiders
                sweep_server(arc, srv.url, callers, requests, timing_samples, result, deadline)
        if "dev" in modes:
            with serve(arc.dev_index) as srv:
                dev_key = FixturePrincipal("dev-with-wrong-key", DEV.roles, DEV.clearance, None, "tm_000000000000_x")
                sweep_server(arc, srv.url, [DEV, dev_key], requests, timing_samples, result, deadline)
    result.seconds = time.perf_counter() - t0
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=40, help="Requests per caller (the full plan is ~2,200).")
    ap.add_argument("--modes", default="keyed,dev", help="Servers to sweep: keyed, dev (comma-separated).")
    ap.add_argument("--timing-samples", type=int, default=200, help="404 latency samples per kind and endpoint.")
    ap.add_argument("--max-seconds", type=float, default=1800, help="Stop sending plan requests after this.")
    ap.add_argument("--workdir", type=Path, help="Build the archive here (kept) instead of a temporary folder.")
    ap.add_argument("--json", type=Path, help="Also write the result as JSON here.")
    args = ap.parse_args(argv)
    setup_logging()
    result = run(None, args.requests, tuple(args.modes.split(",")), args.timing_samples, args.max_seconds, args.workdir)
    return finish(result, args.json)


if __name__ == "__main__":
    sys.exit(main())
