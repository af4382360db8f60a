"""The targets table of a review report: the subject's quantitative targets, each with the reported results.

Targets are the lines of the subject's "Mục tiêu / chỉ tiêu" sections (role ``targets``) that state a figure, a
percentage or a deadline, quoted verbatim. A result is a sentence of another document about the subject, from a
results (or limitations) section, that states a figure and shares the target's indicator words — weighted by how
rare they are among the candidates, syllable pairs ("công nghệ cao") counting more than single syllables. Each
sentence reports on at most one target: the one it matches best.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from indexer.storage.records import ChunkRecord
from indexer.understanding.section_roles import SectionRole, heading_role, looks_like_heading
from indexer.understanding.text import fold, tokenize
from search_api.drafting.sentences import split_sentences

_ITEM = re.compile(r"^\s*(?:[-*+•–]\s*|[a-zđ]\)\s*|\d{1,2}(?:\.\d{1,2})*[.)]\s+|\(\d{1,2}\)\s*)+", re.IGNORECASE)
_PERCENT_OR_COUNT = re.compile(r"\d\s*%|\d+[.,]\d+|\b(?!(?:19|20)\d\d\b)\d+\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_PIECE_SPLIT = re.compile(r";\s+")
# Words every target and report shares: they say nothing about which indicator a sentence is about. Single
# syllables are function words; pairs are the generic phrasing of targets and reports.
_GENERIC = frozenset(
    """den nam dat tren duoi khoang va cua cac nhung trong toan tinh duoc co la voi theo cho mot hon sau truoc
    moi hang tu tro len it nhat""".split()  # noqa: SIM905
)
_GENERIC_PAIRS = frozenset(
    """ty_le muc_tieu chi_tieu phan_dau bao_dam dam_bao it_nhat tro_len thuc_hien ket_qua binh_quan trung_binh
    tong_so den_nam nam_nay""".split()  # noqa: SIM905
)
_ACRONYM = re.compile(r"^[A-ZĐ]{2,}[A-Za-z]*$|^[A-Z][a-z]+[A-Z]+[A-Za-z]*$")  # PCI, SIPAS, VietGAP, GlobalGAP
_MIN_CHARS = 25
LINK_THRESHOLD = 0.12  # cosine of weighted indicator words; measured on the development archive
MAX_RESULTS = 3


@dataclass(frozen=True)
class Quote:
    """A verbatim piece of a chunk."""

    text: str
    row: ChunkRecord


def has_figure(text: str) -> bool:
    """Whether a text states a figure: a percentage, a decimal or a count (a bare year is not one)."""
    return bool(_PERCENT_OR_COUNT.search(_YEAR.sub(" ", text)))


def _pieces(line: str) -> list[str]:
    """A target line, split where it lists several targets separated by semicolons."""
    parts = [p.strip().rstrip(";.").strip() for p in _PIECE_SPLIT.split(line)]
    if len(parts) > 1 and sum(has_figure(p) for p in parts) > 1:
        return [p for p in parts if p]
    return [line.strip()]


def extract_targets(rows: list[ChunkRecord]) -> list[Quote]:
    """The subject's targets, in document order: items of its targets sections with a figure or deadline."""
    out: list[Quote] = []
    seen: set[str] = set()
    for row in sorted(rows, key=lambda r: r.ordinal):
        if row.role != SectionRole.TARGETS:
            continue
        for raw in row.text.split("\n"):
            item = _ITEM.match(raw)
            line = raw[item.end() :] if item else raw
            line = line.strip().strip("*").strip()
            if len(line) < _MIN_CHARS or looks_like_heading(raw) or heading_role(raw) is not SectionRole.NONE:
                continue
            for piece in _pieces(line):
                figure = has_figure(piece)
                deadline = bool(_YEAR.search(piece)) and item is not None
                if len(piece) >= _MIN_CHARS and (figure or deadline) and piece not in seen:
                    seen.add(piece)
                    out.append(Quote(piece, row))
    return out


def _features(text: str) -> dict[str, float]:
    """Indicator words of a text with their own weight: folded syllables that are not numbers or function
    words, adjacent pairs (a phrase says more than its syllables) and acronyms (PCI, VietGAP: the indicator
    itself)."""
    tokens = tokenize(text)
    syllables = [fold(t) for t in tokens]
    out: dict[str, float] = {}
    for tok, syl in zip(tokens, syllables, strict=True):
        if syl.isalpha() and syl not in _GENERIC and len(syl) > 1:
            out[syl] = max(out.get(syl, 0.0), 2.5 if _ACRONYM.match(tok) else 1.0)
    for a, b in zip(syllables, syllables[1:], strict=False):
        pair = f"{a}_{b}"
        if a.isalpha() and b.isalpha() and pair not in _GENERIC_PAIRS and not (a in _GENERIC and b in _GENERIC):
            out[pair] = 1.6
    return out


def result_candidates(rows: list[ChunkRecord], subject_id: str | None) -> list[Quote]:
    """Sentences that can report a result: from results or limitations sections of documents other than the
    subject, stating a figure."""
    out: list[Quote] = []
    seen: set[str] = set()
    for row in rows:
        if row.doc_id == subject_id or row.role not in (SectionRole.RESULTS, SectionRole.LIMITATIONS):
            continue
        for _, sentence in split_sentences(row.text, min_chars=30):
            if sentence not in seen and has_figure(sentence):
                seen.add(sentence)
                out.append(Quote(sentence, row))
    return out


def link_results(targets: list[Quote], candidates: list[Quote]) -> list[list[Quote]]:
    """For each target, the reported results on its indicator (best first, at most ``MAX_RESULTS``).

    The match is the cosine of the two texts' indicator words, each weighted by its own weight and by its
    rarity among all targets and candidates (IDF): the same indicator named in other words still shares its
    rare words ("PCI", "công nghệ cao", "VietGAP"), while common ones count little.
    """
    tfeat = [_features(t.text) for t in targets]
    cfeat = [_features(c.text) for c in candidates]
    df: Counter[str] = Counter()
    for f in (*tfeat, *cfeat):
        df.update(f.keys())
    n = len(tfeat) + len(cfeat)

    def vector(feats: dict[str, float]) -> dict[str, float]:
        return {k: w * math.log(1 + n / df[k]) for k, w in feats.items()}

    tvec, cvec = [vector(f) for f in tfeat], [vector(f) for f in cfeat]
    tnorm = [math.sqrt(sum(w * w for w in v.values())) or 1.0 for v in tvec]
    best: dict[int, tuple[float, int]] = {}
    for ci, cv in enumerate(cvec):
        cn = math.sqrt(sum(w * w for w in cv.values())) or 1.0
        for ti, tv in enumerate(tvec):
            score = sum(w * cv[k] for k, w in tv.items() if k in cv) / (tnorm[ti] * cn)
            if score >= LINK_THRESHOLD and score > best.get(ci, (0.0, -1))[0]:
                best[ci] = (score, ti)
    linked: list[list[tuple[float, Quote]]] = [[] for _ in targets]
    for ci, (score, ti) in best.items():
        linked[ti].append((score, candidates[ci]))
    return [[q for _, q in sorted(items, key=lambda x: -x[0])[:MAX_RESULTS]] for items in linked]
