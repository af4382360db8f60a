"""OCR of scans: identity fields right before/after, seconds per page, confidence, and the review thresholds.

Two sets:
- **real scans**: the image-only decree (Nghị định 28/2021/NĐ-CP, pages 1 and 8) and the scanned pages inside the
  gazette PDFs (Nghị quyết 115/NQ-CP page 1 with a handwritten number and date; Nghị định thư pages of Thông báo
  02/2023/TB-LPQT at about 100 dpi), each with the fields a reader finds on it;
- **synthetic scans**: the header block of vbpl documents (gold from the page metadata) set in the official
  layout (Noto Serif 13 pt), then degraded at random but reproducibly: scan resolution 150-300
  dpi, blur, noise, specks, JPEG, skew up to 3°, a red or grey round seal over the issuer or the signature area,
  a red "ĐẾN" box.

"Before" is the old path (the rendered page straight to Tesseract with vie+eng+ben, no repair); "after" is
``indexer.parsing.ocr.ocr_image``. The review's confidences of the "after" fields, split by right/wrong, measure
each field's threshold (``review.THRESHOLDS``): right fields flagged, wrong ones caught, the lowest cut that catches
every wrong field present. ``--rescore`` reviews the saved run again without OCR (to tune the review).

Run: ``python -m benchmarks.ocr_scans [--docs 60] [--seed 7]`` (about 20 minutes on 2 cores): the summary goes to
``benchmarks/results/ocr_scans.{json,md}``, the OCR'd texts (shared data) only to ``var/bench/ocr_scans_cases.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from benchmarks.identity_accuracy import VBPL, gold
from indexer.models import PageSpan
from indexer.parsing.ocr import ocr_image, render_pdf_page
from indexer.understanding.cleaning import clean_page
from indexer.understanding.identity import identify, issuer_key
from indexer.understanding.review import THRESHOLDS, review_identity
from indexer.understanding.text import nfc

DATA = VBPL.parents[1]
FIELDS = ("number", "doc_type", "issuer", "issued_date")
FONT_DIR = Path("/usr/share/fonts/truetype/noto")  # fonts-noto-core: Noto Serif covers Vietnamese
REAL = [
    # file, pages (0-based), the fields a reader finds on those pages
    (
        "scanned/nd-28-2021-nd-cp_scan_page1_and_page8.pdf",
        [0, 1],
        {"number": "28/2021/NĐ-CP", "doc_type": "Nghị định", "issuer": "CHÍNH PHỦ", "issued_date": "2021-03-26"},
    ),
    (
        "text-layer/nghi-quyet-so-115-nq-cp-469452.pdf",
        [0],
        {"number": "115/NQ-CP", "doc_type": "Nghị quyết", "issuer": "CHÍNH PHỦ", "issued_date": "2026-04-29"},
    ),
    ("text-layer/thong-bao-so-02-2023-tb-lpqt-39022.pdf", [0, 1, 2], {}),
]


def _font(style: str, size: int) -> ImageFont.FreeTypeFont:
    name = {"r": "Regular", "b": "Bold", "i": "Italic"}[style]
    return ImageFont.truetype(str(FONT_DIR / f"NotoSerif-{name}.ttf"), size)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not set(line.strip()) <= set("-_*= ")]


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    out, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) > width and current:
            out.append(current)
            current = word
        else:
            current = trial
    return [*out, current] if current else out


def render_header(record: dict[str, Any], dpi: int = 300) -> Image.Image | None:
    """The header block of a vbpl record in the official layout, as a white A4-wide page at ``dpi``."""
    lines = _lines(str(record["text"]))[:40]
    try:
        motto = next(i for i, line in enumerate(lines) if line.upper().startswith(("CỘNG HÒA", "CỘNG HOÀ")))
        number = next(i for i, line in enumerate(lines) if line.startswith("Số"))
        dated = next(i for i, line in enumerate(lines) if ", ngày" in line)
        kind = next(i for i in range(dated + 1, len(lines)) if lines[i].isupper())
    except StopIteration:
        return None
    issuer = lines[:motto]
    if not issuer or len(issuer) > 3 or kind > dated + 2:
        return None
    px = dpi / 72
    size = round(13 * px)
    width, height = round(8.27 * dpi), round(6.5 * dpi)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    regular, bold, italic = _font("r", size), _font("b", size), _font("i", size)
    left_c, right_c = round(width * 0.25), round(width * 0.64)
    y = round(0.6 * dpi)
    for i, line in enumerate(issuer):
        font = bold if i == len(issuer) - 1 else regular
        draw.text((left_c, y + i * size * 1.3), line, font=font, fill="black", anchor="ma")
    draw.text((right_c, y), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold, fill="black", anchor="ma")
    draw.text((right_c, y + size * 1.3), "Độc lập - Tự do - Hạnh phúc", font=bold, fill="black", anchor="ma")
    y += round(size * 3.6)
    draw.text((left_c, y), lines[number], font=regular, fill="black", anchor="ma")
    draw.text((right_c, y), lines[dated], font=italic, fill="black", anchor="ma")
    y += round(size * 2.6)
    draw.text((width // 2, y), lines[kind], font=bold, fill="black", anchor="ma")
    y += round(size * 1.4)
    for title_line in _wrap(draw, " ".join(lines[kind + 1 : kind + 2]), bold, round(width * 0.6))[:3]:
        draw.text((width // 2, y), title_line, font=bold, fill="black", anchor="ma")
        y += round(size * 1.3)
    y += round(size * 1.5)
    body = " ".join(lines[kind + 2 : kind + 8])
    for body_line in _wrap(draw, body, italic, round(width * 0.75))[:6]:
        if y > height - size * 2:
            break
        draw.text((round(width * 0.125), y), body_line, font=italic, fill="black")
        y += round(size * 1.5)
    return page


def _seal(size: int, colour: tuple[int, int, int]) -> Image.Image:
    """A round seal: two rings, a legend around it and a star, on transparency."""
    seal = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    w = max(2, size // 90)
    draw.ellipse((w, w, size - w, size - w), outline=(*colour, 230), width=w * 2)
    inner = size // 5
    draw.ellipse((inner, inner, size - inner, size - inner), outline=(*colour, 230), width=w)
    font = _font("b", size // 11)
    legend = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM * CHÍNH PHỦ *"
    for k, ch in enumerate(legend):
        a = 2 * math.pi * k / len(legend) - math.pi / 2
        r = size * 0.4
        letter = Image.new("RGBA", (size // 8, size // 8), (0, 0, 0, 0))
        ImageDraw.Draw(letter).text((size // 16, size // 16), ch, font=font, fill=(*colour, 230), anchor="mm")
        letter = letter.rotate(-math.degrees(a) - 90, resample=Image.Resampling.BICUBIC)
        seal.alpha_composite(
            letter, (int(size / 2 + r * math.cos(a) - size / 16), int(size / 2 + r * math.sin(a) - size / 16))
        )
    c, s = size / 2, size / 9
    star = [
        (c + s * math.cos(math.pi / 2 + k * 4 * math.pi / 5), c - s * math.sin(math.pi / 2 + k * 4 * math.pi / 5))
        for k in range(5)
    ]
    draw.polygon(star, fill=(*colour, 230))
    return seal


def _stamp(page: Image.Image, ink: Image.Image, at: tuple[int, int]) -> Image.Image:
    """Stamp ink printed over the page: inks multiply (black text stays black under a red seal)."""
    layer = Image.new("RGBA", page.size, (255, 255, 255, 0))
    layer.alpha_composite(ink, at)
    white = Image.new("RGBA", page.size, (255, 255, 255, 255))
    white.alpha_composite(layer)
    return ImageChops.multiply(page.convert("RGB"), white.convert("RGB")).convert("RGBA")


def degrade(page: Image.Image, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    """A scan of the page: stamps, then skew, resolution, blur, noise, specks and JPEG, each drawn from ``rng``."""
    info: dict[str, Any] = {}
    page = page.convert("RGBA")
    w, h = page.size
    if rng.random() < 0.7:
        red = rng.random() < 0.6
        colour = (200, 30, 40) if red else (60, 60, 60)
        size = round(w * 0.17)
        over = rng.choice(["issuer", "date"])
        x = round(w * 0.25 - size * 0.7) if over == "issuer" else round(w * 0.58)
        y = round(h * 0.05) if over == "issuer" else round(h * 0.14)
        page = _stamp(page, _seal(size, colour), (max(0, x), max(0, y)))
        info["seal"] = f"{'red' if red else 'grey'} over {over}"
    if rng.random() < 0.4:
        box = Image.new("RGBA", (round(w * 0.2), round(h * 0.09)), (0, 0, 0, 0))
        d = ImageDraw.Draw(box)
        d.rectangle((2, 2, box.width - 3, box.height - 3), outline=(210, 40, 60, 255), width=5)
        d.text(
            (20, box.height // 2),
            "ĐẾN  Số: 1234  Ngày: 12/3",
            font=_font("b", box.height // 4),
            fill=(210, 40, 60, 255),
            anchor="lm",
        )
        page = _stamp(page, box, (round(w * 0.05), round(h * 0.42)))
        info["den_stamp"] = True
    img = page.convert("RGB")
    angle = rng.uniform(-3, 3) if rng.random() < 0.6 else 0.0
    if angle:
        img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    dpi = rng.choice([150, 200, 200, 300])
    img = img.resize((round(img.width * dpi / 300), round(img.height * dpi / 300)), Image.Resampling.LANCZOS)
    blur = rng.uniform(0, 1.0)
    img = img.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(img).astype(np.float32)
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    noise = rng.uniform(0, 18)
    arr += nprng.normal(0, noise, arr.shape[:2])[..., None]
    arr -= np.linspace(0, rng.uniform(0, 50), arr.shape[1])[None, :, None]  # uneven lighting
    specks = nprng.random(arr.shape[:2]) < rng.uniform(0, 0.0015)
    arr[specks] = 0
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    quality = rng.randint(35, 85)
    img.save(buffer, format="JPEG", quality=quality)
    info.update(angle=round(angle, 2), dpi=dpi, blur=round(blur, 2), noise=round(noise, 1), jpeg=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"), info


def ocr_before(image: Image.Image) -> tuple[str, float]:
    """The old path: the page as rendered, vie+eng+ben, Tesseract's own threading and binarisation."""
    import pytesseract

    data = pytesseract.image_to_data(image, lang="vie+eng+ben", output_type=pytesseract.Output.DICT)
    confs = [float(c) for c, w in zip(data["conf"], data["text"], strict=True) if str(w).strip() and float(c) >= 0]
    return pytesseract.image_to_string(image, lang="vie+eng+ben"), (sum(confs) / len(confs) if confs else 0.0)


def _fields(text: str, pages: list[PageSpan]) -> dict[str, str | None]:
    ident = identify(text, {}, pages)
    return {
        "number": ident.number,
        "doc_type": ident.doc_type,
        "issuer": issuer_key(ident.issuer) or None,
        "issued_date": ident.issued_date,
    }


def _join(texts: list[str], confs: list[float]) -> tuple[str, list[PageSpan]]:
    parts: list[str] = []
    spans: list[PageSpan] = []
    offset = 0
    for i, (t, c) in enumerate(zip(texts, confs, strict=True)):
        t = clean_page(nfc(t))
        if parts:
            offset += 2
        spans.append(PageSpan(i + 1, offset, offset + len(t), ocr=True, ocr_confidence=round(c, 1)))
        parts.append(t)
        offset += len(t)
    return "\n\n".join(parts), spans


@dataclass
class Case:
    name: str
    expected: dict[str, str | None]
    before: dict[str, str | None]
    after: dict[str, str | None]
    review: dict[str, dict[str, Any]]
    seconds_before: float
    seconds_after: float
    conf_before: float
    conf_after: float
    bengali_before: int
    bengali_after: int
    info: dict[str, Any]
    notes: list[dict[str, Any]]
    text: str  # the "after" text and pages, so that review can be re-scored without OCR (see ``rescore``)
    pages: list[dict[str, Any]]


def _bengali(text: str) -> int:
    return sum(1 for c in text if "\u0980" <= c <= "\u09ff")


def run_case(name: str, images: list[Image.Image], expected: dict[str, str | None], info: dict[str, Any]) -> Case:
    """Both paths over a document's page images, its fields and the review of the "after" fields."""
    t = time.perf_counter()
    old = [ocr_before(im) for im in images]
    seconds_before = (time.perf_counter() - t) / len(images)
    t = time.perf_counter()
    new = [ocr_image(im, "vie+eng+ben", page=i + 1) for i, im in enumerate(images)]
    seconds_after = (time.perf_counter() - t) / len(images)
    text_b, pages_b = _join([o[0] for o in old], [o[1] for o in old])
    text_a, pages_a = _join([o.text for o in new], [o.confidence for o in new])
    ident = identify(text_a, {}, pages_a)
    notes = [n for o in new for n in o.notes]
    review = review_identity(ident, pages_a, text_a, notes)
    return Case(
        name,
        expected,
        _fields(text_b, pages_b),
        _fields(text_a, pages_a),
        {
            f: {"confidence": r.confidence, "needs_review": r.needs_review, "reasons": list(r.reasons)}
            for f, r in review.items()
        },
        round(seconds_before, 2),
        round(seconds_after, 2),
        round(sum(o[1] for o in old) / len(old), 1),
        round(sum(o.confidence for o in new) / len(new), 1),
        _bengali(text_b),
        _bengali(text_a),
        info,
        [n.to_dict() for n in notes],
        text_a,
        [p.__dict__ for p in pages_a],
    )


CaseInput = tuple[str, list[Image.Image], dict[str, str | None], dict[str, Any]]


def synthetic_cases(docs: int, seed: int) -> list[CaseInput]:
    """Rendered and degraded vbpl headers with their gold fields (records without a usable header skipped)."""
    rng = random.Random(seed)
    records = [json.loads(line) for line in VBPL.open(encoding="utf-8")]
    rng.shuffle(records)
    out: list[CaseInput] = []
    for record in records:
        if len(out) >= docs:
            break
        expected, wrong = gold(record)
        if wrong or not all(expected.values()):
            continue
        page = render_header(record)
        if page is None:
            continue
        image, info = degrade(page, rng)
        out.append((str(record["id"]), [image], expected, info))
    return out


def real_cases() -> list[CaseInput]:
    out: list[CaseInput] = []
    for rel, pages, fields in REAL:
        path = DATA / "pdfs" / rel
        if not path.exists():
            continue
        images = [render_pdf_page(path, i, 300) for i in pages]
        expected: dict[str, str | None] = {f: (issuer_key(v) if f == "issuer" else v) for f, v in fields.items()}
        out.append((path.stem, images, expected, {"real": True}))
    return out


def rescore(cases: list[Case]) -> None:
    """Review the "after" fields again with the current ``review_identity`` (thresholds tuned without OCR)."""
    for c in cases:
        pages = [PageSpan(**p) for p in c.pages]
        ident = identify(c.text, {}, pages)
        review = review_identity(ident, pages, c.text, c.notes)
        c.review = {f: {"confidence": r.confidence, "needs_review": r.needs_review, "reasons": list(r.reasons)}
                    for f, r in review.items()}  # fmt: skip


def thresholds(cases: list[Case]) -> dict[str, dict[str, Any]]:
    """Per field, at the thresholds in use (``review.THRESHOLDS``): right fields flagged, wrong fields present
    flagged, missing ones (always flagged); and the lowest cut that would flag every wrong field present."""
    out: dict[str, dict[str, Any]] = {}
    for f in FIELDS:
        cut = THRESHOLDS[f]
        right = [c.review[f]["confidence"] for c in cases if c.expected.get(f) and c.after[f] == c.expected[f]]
        wrong = [
            c.review[f]["confidence"] for c in cases if c.expected.get(f) and c.after[f] and c.after[f] != c.expected[f]
        ]
        out[f] = {
            "threshold": cut,
            "right": len(right),
            "right_flagged": sum(v < cut for v in right),
            "wrong_present": len(wrong),
            "wrong_present_flagged": sum(v < cut for v in wrong),
            "missing": sum(1 for c in cases if c.expected.get(f) and not c.after[f]),
            "cut_flagging_every_wrong": round(max(wrong) + 0.001, 3) if wrong else None,
        }
    return out


def summary(cases: list[Case]) -> dict[str, Any]:
    def right(which: str, f: str) -> int:
        return sum(1 for c in cases if c.expected.get(f) and getattr(c, which)[f] == c.expected[f])

    return {
        "cases": len(cases),
        "fields": {
            f: {
                "with_gold": sum(1 for c in cases if c.expected.get(f)),
                "before": right("before", f),
                "after": right("after", f),
            }
            for f in FIELDS
        },
        "seconds_per_page": {
            "before": round(float(np.mean([c.seconds_before for c in cases])), 2),
            "after": round(float(np.mean([c.seconds_after for c in cases])), 2),
        },
        "mean_confidence": {
            "before": round(float(np.mean([c.conf_before for c in cases])), 1),
            "after": round(float(np.mean([c.conf_after for c in cases])), 1),
        },
        "bengali_chars": {"before": sum(c.bengali_before for c in cases), "after": sum(c.bengali_after for c in cases)},
    }


_PRIVATE = ("text", "pages", "notes")  # the OCR'd text of shared data stays out of the repository (var/ only)


def markdown(result: dict[str, Any], command: str) -> str:
    """The summary as a Markdown page: fields right before/after, speed, confidence, review at its thresholds."""
    rows = ["# OCR of scans: identity fields before/after, speed, confidence, review", "", f"- command: `{command}`"]
    rows.append(f"- Tesseract: {' '.join(result['tesseract'])}; {os.cpu_count()} cores; 'before' = the rendered page")
    rows.append("  to Tesseract with vie+eng+ben, no preprocessing or repair; 'after' = `indexer.parsing.ocr`")
    rows.append("- seconds are wall-clock on a 2-core machine shared with other jobs (both paths alike)")
    for name in ("real", "synthetic"):
        s = result[name]["summary"]
        rows += ["", f"## {name} ({s['cases']} documents with gold)", "", "| field | gold | before | after |"]
        rows.append("|---|---:|---:|---:|")
        rows += [f"| {f} | {v['with_gold']} | {v['before']} | {v['after']} |" for f, v in s["fields"].items()]
        rows += ["", "| | before | after |", "|---|---:|---:|"]
        rows.append(f"| seconds per page | {s['seconds_per_page']['before']} | {s['seconds_per_page']['after']} |")
        rows.append(f"| mean word confidence | {s['mean_confidence']['before']} | {s['mean_confidence']['after']} |")
        rows.append(f"| Bengali characters | {s['bengali_chars']['before']} | {s['bengali_chars']['after']} |")
    rows += ["", "## review at its thresholds (synthetic)", ""]
    rows.append("| field | threshold | right flagged | wrong present flagged | missing | cut flagging every wrong |")
    rows.append("|---|---:|---:|---:|---:|---:|")
    for f, v in result["synthetic"]["thresholds"].items():
        rows.append(
            f"| {f} | {v['threshold']} | {v['right_flagged']}/{v['right']} | "
            f"{v['wrong_present_flagged']}/{v['wrong_present']} | {v['missing']} | {v['cut_flagging_every_wrong']} |"
        )
    rows += ["", "## real scans, field by field (after)", ""]
    rows.append("| document | field | expected | read | confidence | needs review |")
    rows.append("|---|---|---|---|---:|---|")
    for c in result["real"]["cases"]:
        for f in FIELDS:
            r = c["review"][f]
            rows.append(
                f"| {c['name']} | {f} | {c['expected'].get(f) or '—'} | {c['after'][f] or '—'} | "
                f"{r['confidence']} | {r['needs_review']} |"
            )
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real-only", action="store_true")
    parser.add_argument("--rescore", action="store_true", help="review the saved run (--cases) again, no OCR")
    parser.add_argument("--cases", type=Path, default=Path("var/bench/ocr_scans_cases.json"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/ocr_scans.json"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.rescore:
        saved = json.loads(args.cases.read_text(encoding="utf-8"))
        real = [Case(**c) for c in saved["real"]]
        synthetic = [Case(**c) for c in saved["synthetic"]]
        rescore(real + synthetic)
        command = f"{saved.get('command', 'python -m benchmarks.ocr_scans')}, then reviewed again with --rescore"
    else:
        real = [run_case(*c) for c in real_cases()]
        synthetic = [] if args.real_only else [run_case(*c) for c in synthetic_cases(args.docs, args.seed)]
        command = "python -m benchmarks.ocr_scans " + " ".join(argv if argv is not None else sys.argv[1:])
        args.cases.parent.mkdir(parents=True, exist_ok=True)
        full = {
            "command": command.strip(),
            "real": [c.__dict__ for c in real],
            "synthetic": [c.__dict__ for c in synthetic],
        }
        args.cases.write_text(json.dumps(full, ensure_ascii=False), encoding="utf-8")

    def public(cases: list[Case]) -> list[dict[str, Any]]:
        return [{k: v for k, v in c.__dict__.items() if k not in _PRIVATE} for c in cases]

    result = {
        "real": {"summary": summary([c for c in real if c.expected]), "cases": public(real)},
        "synthetic": {"summary": summary(synthetic), "thresholds": thresholds(synthetic), "cases": public(synthetic)},
        "tesseract": subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.splitlines()[:1],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(result, command.strip()), encoding="utf-8")
    sys.stdout.write(markdown(result, command.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
