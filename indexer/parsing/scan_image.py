"""Scan preprocessing before OCR: stamp ink removed, text scaled, page deskewed and binarised, seals thinned.

Office scans are photocopies of signed originals: a red seal over the signer's title, a red "ĐẾN" or "MẬT"
stamp, a slight skew, grey paper, and page sizes that say nothing about the scan's resolution (a 200 dpi scan
wrapped into a 17-inch PDF page). Tesseract reads best binarised text of a known size, so:

1. **Red ink** (seals, stamps: red and magenta, where the red channel dominates green) becomes paper; black text
   under it stays, being dark in every channel. Blue ink is kept: the number and the day of a document are often
   filled in by hand in blue.
2. **Scale** from the text itself: the median height of letter-sized connected components is brought to
   ``TARGET_X_HEIGHT`` (Times 13-14 pt scanned at 300 dpi), whatever the PDF page size claims.
3. **Skew** from the projection profile of the ink (the angle whose row histogram is sharpest), within ±8°.
4. **Binarisation** with Sauvola's local threshold (a window of a few letter heights), so uneven lighting and
   grey paper do not eat strokes as a global threshold would.
5. **Seals and signatures** printed in black (grey scans of red seals; a colour scan's seals went with the red)
   are large, sparse components; within them only strokes clearly thicker than the body text survive — the
   bold signer's title the seal overlaps.

Step 5 lives in ``seals``. Pure numpy/scipy/Pillow: no OpenCV needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage as ndi

from indexer.parsing.seals import thin_sparse_components

__all__ = [
    "TARGET_X_HEIGHT",
    "PreparedPage",
    "binarise",
    "estimate_skew",
    "estimate_text_height",
    "prepare",
    "red_ink_mask",
    "suppress_red_ink",
]

TARGET_X_HEIGHT = 26.0  # px; the median letter-component height of Times 13-14 pt at 300 dpi
_RED_MARGIN = 40  # red minus green above this (0-255) is stamp ink; JPEG fringes of black text stay below ~25
_COLOUR_SEAL = 0.001  # a page with this share of red ink is a colour scan: its seals are red, not grey
_PRINT_DARK = 110  # grey level (0-255) darker than any stamp's fringe: the core of printed black strokes
_MAX_SKEW = 8.0  # degrees searched either way; steeper pages are rotated scans, left to Tesseract's OSD
_WORK_SIDE = 2200  # longest side of the low-resolution copy used for measuring (height, skew)
_MIN_SCALE, _MAX_SCALE = 0.35, 4.0
_MAX_PIXELS = 60_000_000  # never build a page larger than this (a poster-sized PDF page at 300 dpi)


@dataclass(frozen=True)
class PreparedPage:
    """A page ready for Tesseract (black text on white, mode "L") and what was done to it."""

    image: Image.Image
    scale: float  # applied to the rendered page
    skew_degrees: float  # the page's measured skew (it was rotated by the opposite)
    x_height: float | None  # median letter height found on the rendered page, in its pixels
    red_fraction: float  # share of the page's pixels that were red stamp ink
    sparse_components: int  # seals / signatures thinned
    stamp_image: Image.Image | None  # the red ink alone, black on white (for reading a stamped "MẬT")
    grey: Image.Image | None = None  # the page scaled and level but not binarised (for a second reading)


def red_ink_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels of red or magenta ink: a bright red channel well above the green one (black and blue never are)."""
    r = rgb[..., 0].astype(np.int16)
    g = rgb[..., 1].astype(np.int16)
    return ((r - g) > _RED_MARGIN) & (r > 125)  # type: ignore[no-any-return]


def suppress_red_ink(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(grey page without red ink, the red-ink mask). Black text under a seal stays dark in every channel.

    A pixel turns to paper in proportion to how red it is (fully from a red-green gap of ``_RED_MARGIN``, not at
    all below a third of it), so the paler, blurred fringe of a stamp goes with it.
    """
    grey = np.asarray(Image.fromarray(rgb).convert("L")).astype(np.float32)
    r = rgb[..., 0].astype(np.float32)
    gap = r - rgb[..., 1].astype(np.float32)
    # Red ink is bright in its red channel; black text under it is not, whatever colour JPEG bleeds into it.
    weight = np.clip((gap - _RED_MARGIN / 3) / (_RED_MARGIN * 2 / 3), 0, 1) * np.clip((r - 100) / 50, 0, 1)
    out = grey + weight * (255 - grey)
    red = weight > 0.5
    if red.any():
        # JPEG keeps colour at half resolution: a thin red stroke's edges come out grey. Next to red ink, what is
        # not as dark as print is that stroke's edge (black text keeps its core, only its soft edge pales).
        reach = max(3, round(min(rgb.shape[:2]) / 400))
        near = ndi.binary_dilation(red, iterations=reach) & ~red
        out[near & (out > _PRINT_DARK)] = 255
    return out.astype(np.uint8), red


def _otsu(grey: np.ndarray) -> int:
    """Otsu's threshold: ink is ``grey <= t``. On a two-level image the middle of the flat optimum is taken."""
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    cum = np.cumsum(hist)
    cum_mean = np.cumsum(hist * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (cum_mean[-1] * cum - cum_mean * total) ** 2 / (cum * (total - cum))
    between = np.nan_to_num(between[:-1], nan=-1.0)
    best = np.flatnonzero(between >= between.max() * (1 - 1e-9))
    return int((best[0] + best[-1]) // 2)


def estimate_text_height(ink: np.ndarray) -> float | None:
    """Median height of letter-sized connected components (None on a page with too little text)."""
    labels, count = ndi.label(ink, structure=np.ones((3, 3), bool))
    if count < 30:
        return None
    boxes = ndi.find_objects(labels)
    heights = np.array([s[0].stop - s[0].start for s in boxes])
    widths = np.array([s[1].stop - s[1].start for s in boxes])
    limit = ink.shape[0] * 0.05
    letters = heights[(heights >= 3) & (widths >= 2) & (heights < limit) & (widths < limit * 2)]
    if len(letters) < 30:
        return None
    # Diacritics and dots are small components; the letters form the upper half of the distribution.
    return float(np.median(letters[letters >= np.percentile(letters, 30)]))


def estimate_skew(ink: np.ndarray) -> float:
    """The text lines' angle in degrees (positive: lines rise to the right), from the sharpest row profile."""
    ys, xs = np.nonzero(ink)
    if len(ys) < 500:
        return 0.0
    if len(ys) > 300_000:
        pick = np.random.default_rng(0).choice(len(ys), 300_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    yc = ys.astype(np.float64) - ink.shape[0] / 2
    xc = xs.astype(np.float64) - ink.shape[1] / 2
    span = int(np.hypot(*ink.shape)) + 2

    def score(deg: float) -> float:
        t = np.deg2rad(deg)
        # The row (2 px bins) a pixel falls in once the page is turned by -deg. Floor, not round: rounding
        # half-pixel offsets to even merges row pairs at exactly 0° and fakes a sharp profile there.
        rows = np.floor((yc * np.cos(t) + xc * np.sin(t)) / 2).astype(np.int64) + span
        hist = np.bincount(rows, minlength=span).astype(np.float64)
        return float(np.sum(hist * hist))

    coarse = np.arange(-_MAX_SKEW, _MAX_SKEW + 1e-9, 0.5)
    best = float(coarse[int(np.argmax([score(a) for a in coarse]))])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    best = float(fine[int(np.argmax([score(a) for a in fine]))])
    return round(best, 2)


def binarise(grey: np.ndarray, window: int, k: float = 0.2) -> np.ndarray:
    """Ink mask by Sauvola's threshold mean·(1 + k·(std/128 − 1)) over a window; paper-only areas stay blank.

    The local mean and deviation vary slowly, so they are computed on a copy reduced by up to 8x and the
    threshold map is brought back to full size (16-64x less work, the same mask within a pixel of edges).
    """
    window = max(15, window | 1)
    step = max(1, min(8, window // 8))
    g = grey.astype(np.float32)
    small = g if step == 1 else np.asarray(Image.fromarray(grey).reduce(step)).astype(np.float32)
    size = max(3, (window // step) | 1)
    mean = ndi.uniform_filter(small, size, mode="reflect")
    sq = ndi.uniform_filter(small * small, size, mode="reflect")
    std = np.sqrt(np.maximum(sq - mean * mean, 0))
    threshold = mean * (1 + k * (std / 128.0 - 1))
    if step > 1:
        full = Image.fromarray(threshold.astype(np.float32), mode="F").resize(
            (grey.shape[1], grey.shape[0]), Image.Resampling.BILINEAR
        )
        threshold = np.asarray(full)
    # Sauvola alone turns faint paper texture into speckle; ink is also darker than the page's Otsu level + margin.
    global_cut = min(255, _otsu(grey) + 30)
    return (g < threshold) & (g < global_cut)  # type: ignore[no-any-return]


def _working_copy(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """A low-resolution Otsu ink mask for measuring, with its factor to the full image."""
    factor = min(1.0, _WORK_SIDE / max(grey.shape))
    small = grey
    if factor < 1.0:
        size = (max(1, int(grey.shape[1] * factor)), max(1, int(grey.shape[0] * factor)))
        small = np.asarray(Image.fromarray(grey).resize(size, Image.Resampling.BOX))
    return small <= _otsu(small), factor


def _geometry(image: Image.Image, scale: float, skew: float, resample: Image.Resampling) -> Image.Image:
    """The image scaled and turned level, as the page is."""
    if abs(scale - 1.0) > 0.05:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, resample)
    if abs(skew) >= 0.1:
        image = image.rotate(-skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    return image


def prepare(page: Image.Image, fallback_scale: float = 1.0) -> PreparedPage:
    """Everything above, in order; ``fallback_scale`` applies when the page has too little text to measure."""
    rgb = np.asarray(page.convert("RGB"))
    grey, red = suppress_red_ink(rgb)
    red_fraction = float(red.mean())

    small_ink, factor = _working_copy(grey)
    height = estimate_text_height(small_ink)
    x_height = height / factor if height else None
    scale = TARGET_X_HEIGHT / x_height if x_height else fallback_scale
    scale = float(np.clip(scale, _MIN_SCALE, _MAX_SCALE))
    if grey.size * scale * scale > _MAX_PIXELS:
        scale = float(np.sqrt(_MAX_PIXELS / grey.size))
    skew = estimate_skew(small_ink)

    grey_page = _geometry(Image.fromarray(grey), scale, skew, Image.Resampling.LANCZOS)
    scaled = np.asarray(grey_page)
    text_px = x_height * scale if x_height else TARGET_X_HEIGHT
    ink = binarise(scaled, window=int(text_px * 2.5))
    sparse = 0
    if red_fraction < _COLOUR_SEAL:  # a colour scan's seals went with the red ink; thinning is for grey scans
        ink, sparse = thin_sparse_components(ink, text_px)
    binary = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8))
    stamp = None
    if red_fraction > 0.0005:  # the red ink alone, at the page's new size, for reading a stamped marking
        red_ink = Image.fromarray(np.where(red, 0, 255).astype(np.uint8))
        stamp = _geometry(red_ink, scale, skew, Image.Resampling.BILINEAR).point(lambda v: 0 if v < 160 else 255)
    return PreparedPage(binary, scale, skew, x_height, red_fraction, sparse, stamp, grey_page)
