"""Seals and signatures printed in black: a grey scan's red seal is ink like any other, so it goes by shape.

A large connected component with little ink in its box is a seal, a signature, a rule or a table's lines. Within
it only strokes clearly wider than the body text survive (``BOLD_RATIO``): a seal's hairlines and a signature go,
the bold signer's title that a seal overlaps stays, regrown along the ink it touches so that a bold letter keeps
its thinner serifs and bars. A round seal (``find_circle``: at least 60 % of a circle traced by the component) is
cleaned in its legend band too, where the circular legend's letters are separate small components; text that
crosses the seal's middle is left alone.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

__all__ = ["BOLD_RATIO", "SEAL_LEGEND_BAND", "find_circle", "stroke_width", "thin_sparse_components"]

SEAL_LEGEND_BAND = 0.3  # a round seal's legend fills the outer 30 % of its radius
BOLD_RATIO = 1.35  # strokes this much wider than the body's survive in a seal: bold titles are ~1.7x


def stroke_width(ink: np.ndarray) -> float:
    """The body text's stroke width: the commonest length of horizontal ink runs (most cross a regular stem)."""
    rows = ink[:: max(1, ink.shape[0] // 600)].astype(np.int8)
    edges = np.diff(np.pad(rows, ((0, 0), (1, 1))), axis=1)
    starts, ends = np.nonzero(edges == 1), np.nonzero(edges == -1)
    runs = ends[1] - starts[1]
    if len(runs) == 0:
        return 2.0
    counts = np.bincount(runs)
    counts[:2] = 0  # single pixels are specks and edges, not strokes
    return float(np.argmax(counts)) if counts.any() else 2.0


def find_circle(points: np.ndarray, box_shape: tuple[int, int], tolerance: float) -> tuple[float, float, float] | None:
    """The largest circle (cy, cx, r) the points trace around at least 60 % of its circumference, by Hough votes.

    ``points`` are (y, x) ink coordinates of one component, within a box of ``box_shape``.
    """
    if len(points) < 50:
        return None
    if len(points) > 3000:
        points = points[np.random.default_rng(0).choice(len(points), 3000, replace=False)]
    h, w = box_shape
    angles = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    cos, sin = np.cos(angles), np.sin(angles)
    cell = max(1.0, tolerance)
    gh, gw = int(h / cell) + 1, int(w / cell) + 1
    best: tuple[float, float, float] | None = None
    for r in np.arange(0.2 * min(h, w), 0.56 * max(h, w), max(1.0, tolerance)):
        cy = (points[:, :1] - r * sin[None, :]) / cell
        cx = (points[:, 1:] - r * cos[None, :]) / cell
        ok = (cy >= 0) & (cy < gh) & (cx >= 0) & (cx < gw)
        votes = np.bincount((cy[ok].astype(np.int64) * gw + cx[ok].astype(np.int64)), minlength=gh * gw)
        peak = int(np.argmax(votes))
        centre_y, centre_x = (peak // gw + 0.5) * cell, (peak % gw + 0.5) * cell
        dist = np.hypot(points[:, 0] - centre_y, points[:, 1] - centre_x)
        near = np.abs(dist - r) <= tolerance * 1.5
        if near.sum() < 20:
            continue
        theta = np.arctan2(points[near, 0] - centre_y, points[near, 1] - centre_x)
        coverage = len(np.unique(((theta + np.pi) / (2 * np.pi) * 72).astype(int))) / 72
        if coverage >= 0.6:
            best = (centre_y, centre_x, float(r))  # radii ascend: the last one found is the outer ring
    return best


def thin_sparse_components(ink: np.ndarray, x_height: float) -> tuple[np.ndarray, int]:
    """Remove the thin strokes of seals and signatures (large components with little ink), keeping bold text.

    A round seal's whole disk is cleaned (its circular legend and emblem are separate small components); other
    large sparse components (signatures, rules, table lines) lose their thin strokes only. Bold strokes survive,
    regrown along the ink they touch so that a bold letter keeps its thinner serifs and bars. Returns the cleaned
    mask and how many components were thinned.
    """
    labels, _ = ndi.label(ink, structure=np.ones((3, 3), bool))
    boxes = ndi.find_objects(labels)
    candidates = [
        (index, box)
        for index, box in enumerate(boxes, start=1)
        if min(box[0].stop - box[0].start, box[1].stop - box[1].start) >= 2.5 * x_height
        and max(box[0].stop - box[0].start, box[1].stop - box[1].start) >= 5 * x_height
    ]
    if not candidates:
        return ink, 0
    stroke = stroke_width(ink)
    radius = max(1, int(round((BOLD_RATIO * stroke - 1) / 2)))
    disk = _disk(radius)
    regrow = max(2, int(round(stroke * 1.5)))
    out = ink.copy()
    thinned = 0
    rows, cols = ink.shape
    for index, box in candidates:  # letters, words and rules are smaller
        h, w = box[0].stop - box[0].start, box[1].stop - box[1].start
        component = labels[box] == index
        if component.sum() > 0.2 * h * w:
            continue  # a dense blot (a photo, a black bar) is not a seal
        circle = find_circle(np.argwhere(component), (h, w), tolerance=max(2.0, stroke))
        if circle is not None:
            cy, cx, r = circle
            cy, cx, outer = box[0].start + cy, box[1].start + cx, r + 2 * stroke
            y0, y1 = min(box[0].start, max(0, int(cy - outer))), max(box[0].stop, min(rows, int(cy + outer) + 1))
            x0, x1 = min(box[1].start, max(0, int(cx - outer))), max(box[1].stop, min(cols, int(cx + outer) + 1))
            yy, xx = np.ogrid[y0:y1, x0:x1]
            dist = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
            # The legend runs in a band inside the outer ring; text crossing the seal's middle is left alone.
            band = (dist <= outer) & (dist >= r * (1 - SEAL_LEGEND_BAND))
            region = out[y0:y1, x0:x1]
            ring = np.zeros_like(region)
            ring[box[0].start - y0 : box[0].stop - y0, box[1].start - x0 : box[1].stop - x0] = component
            target = region & (band | ring)
        else:
            region = out[box]
            target = component
        # Strokes BOLD_RATIO x the body stroke survive the opening: a bold title, not a seal's hairlines.
        thick = ndi.binary_opening(target, structure=disk)
        thick = ndi.binary_dilation(thick, iterations=regrow, mask=target)
        region[target & ~thick] = False
        thinned += 1
    return out, thinned


def _disk(radius: int) -> np.ndarray:
    y, x = np.ogrid[-radius : radius + 1, -radius : radius + 1]
    return (x * x + y * y) <= radius * radius + radius  # type: ignore[no-any-return]
