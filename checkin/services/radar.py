"""Radar charts and small trend lines as inline SVG, drawn on the server (no JavaScript).

Readable in grayscale and when printed: each series has its own line pattern (solid,
dashed, dotted) and marker (circle, square, triangle) besides its colour. The SVG itself is
hidden from screen readers; the page shows the same numbers in a table next to it. An axis
without a value (an area with no rated item) gets no point: the line joins its neighbours
and the table says 「回答なし」.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# colour, dash pattern, marker: told apart without colour too
STYLES = (
    ("#1d3f8a", "", "circle"),
    ("#a1231b", "7 4", "square"),
    ("#2b6a2f", "2 3", "triangle"),
)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "triangle":
        pts = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="{colour}" stroke-width="2"/>'
    )


def radar_svg(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    max_value: int = 4,
    title: str = "",
) -> Markup:
    """A radar chart: one axis per label, rings at 1..max_value, one closed line per series
    (at most three), and a legend below."""
    n = len(axes)
    r = 100.0
    cx, cy = 170.0, 140.0
    width, height = 340, 290 + 22 * len(series)

    def point(i: int, v: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * v / max_value * math.cos(angle), cy + r * v / max_value * math.sin(angle)

    parts = [
        f'<svg class="radar" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for ring in range(1, max_value + 1):
        ring_pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(n)))
        stroke = "#888" if ring == max_value else "#c8c8c8"
        parts.append(
            f'<polygon points="{ring_pts}" fill="none" stroke="{stroke}" stroke-width="1"/>'
        )
        x, y = point(0, ring)  # the ring's number, left of the first axis
        parts.append(
            f'<text x="{x - 7:.1f}" y="{y + 4:.1f}" font-size="10" fill="#555" '
            f'text-anchor="end">{ring}</text>'
        )
    for i, label in enumerate(axes):
        x, y = point(i, max_value)
        parts.append(
            f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" '
            'stroke="#c8c8c8" stroke-width="1"/>'
        )
        lx, ly = point(i, max_value * 1.16)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        parts.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" font-size="12" text-anchor="{anchor}" '
            f'fill="#1d1d1f">{escape(label)}</text>'
        )
    for s, (colour, dash, marker) in zip(series, STYLES, strict=False):
        pts = [point(i, v) for i, v in enumerate(s.values) if v is not None]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(pts) >= 2:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(
                f'<polygon points="{path}" fill="{colour}" fill-opacity="0.06" stroke="{colour}" '
                f'stroke-width="2.2"{dash_attr}/>'
            )
        parts.extend(_marker(marker, x, y, colour) for x, y in pts)
    for k, (s, (colour, dash, marker)) in enumerate(zip(series, STYLES, strict=False)):
        y = 290 + 22 * k
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="20" y1="{y}" x2="60" y2="{y}" stroke="{colour}" '
            f'stroke-width="2.2"{dash_attr}/>'
        )
        parts.append(_marker(marker, 40, y, colour))
        parts.append(
            f'<text x="70" y="{y + 4}" font-size="12" fill="#1d1d1f">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_svg(values: Sequence[float | None], *, max_value: int = 4) -> Markup:
    """A small line of one area over the rounds (oldest left); a round without a value
    has no point. Hidden from screen readers: the numbers are written next to it."""
    width, height, pad = 96, 28, 4
    n = len(values)
    step = (width - 2 * pad) / max(n - 1, 1)

    def y_of(v: float) -> float:
        return height - pad - (height - 2 * pad) * (v - 1) / (max_value - 1)

    pts = [(pad + i * step, y_of(v)) for i, v in enumerate(values) if v is not None]
    top, bottom = y_of(max_value), y_of(1)
    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{pad}" x2="{width - pad}" y1="{top:.1f}" y2="{top:.1f}" stroke="#ddd"/>',
        f'<line x1="{pad}" x2="{width - pad}" y1="{bottom:.1f}" y2="{bottom:.1f}" stroke="#ddd"/>',
    ]
    if len(pts) >= 2:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1d3f8a" stroke-width="2"/>')
    parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="#1d3f8a"/>' for x, y in pts)
    parts.append("</svg>")
    return Markup("".join(parts))
