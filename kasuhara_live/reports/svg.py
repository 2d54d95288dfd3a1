"""Small inline-SVG charts: vertical and horizontal bars, lines, and the 2-axis grid.

Hand-written rather than a plotting library: the reports must be one self-contained file that renders in any
browser and prints, and these four shapes are all they need. Text inherits the page's font (Japanese font
stack) because the SVG is inline. Every label is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from kasuhara_live.reports.document import AxisGrid, Chart, Series

_AXIS = "#9ca3af"
_GRID = "#e5e7eb"
_INK = "#1f2937"
_MUTED = "#6b7280"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (steps of 1, 2 or 5 × 10ⁿ, whole numbers for counts)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if top >= 1:
        step = max(step, 1.0)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _text(x: float, y: float, label: str, *, anchor: str = "middle", size: int = 11, colour: str = _INK,
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{colour}"{extra}>'
            f"{escape(label)}</text>")


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    if len(series) < 2:
        return []
    parts, offset = [], 0.0
    for s in series:
        parts.append(f'<rect x="{x + offset:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{escape(s.colour)}"/>')
        parts.append(_text(x + offset + 14, y, s.name, anchor="start", size=11))
        offset += 28 + 12 * len(s.name)
    return parts


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (f'<svg viewBox="0 0 {width:.0f} {height:.0f}" width="100%" style="max-width:{width:.0f}px" '
            f'role="img" aria-label="{escape(title)}" font-family="inherit">' + "".join(body) + "</svg>")


def bar_chart(chart: Chart, width: int = 960, height: int = 240) -> str:
    """Vertical bars, grouped when there are several series; labels thinned when there are many."""
    left, right, top, bottom = 44, 12, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for s in chart.series for v in s.values), default=0.0)
    ticks = nice_ticks(peak)
    scale = plot_h / ticks[-1]
    body = _legend(chart.series, left, 14)
    for tick in ticks:
        y = top + plot_h - tick * scale
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{_GRID}"/>')
        body.append(_text(left - 6, y + 4, _number(tick), anchor="end", size=10, colour=_MUTED))
    n = max(1, len(chart.labels))
    slot = plot_w / n
    bar = slot * 0.7 / max(1, len(chart.series))
    every = max(1, math.ceil(n / 24))  # at most ~24 labels under the axis
    for i, label in enumerate(chart.labels):
        x0 = left + i * slot + slot * 0.15
        for j, s in enumerate(chart.series):
            value = s.values[i]
            colour = chart.colours[i] if chart.colours and len(chart.series) == 1 else s.colour
            h = value * scale
            x = x0 + j * bar
            body.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{max(bar - 1, 1):.1f}" '
                        f'height="{h:.1f}" fill="{escape(colour)}"><title>{escape(label)}: {_number(value)}'
                        "</title></rect>")
            if value and n * len(chart.series) <= 16:
                body.append(_text(x + bar / 2, top + plot_h - h - 4, _number(value), size=10))
        if i % every == 0:
            body.append(_text(left + i * slot + slot / 2, top + plot_h + 16, label, size=10))
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{_AXIS}"/>')
    return _svg(width, height, chart.title, body)


def hbar_chart(chart: Chart, width: int = 960) -> str:
    """Horizontal bars with the label on the left: for long (Japanese) category names."""
    label_w, right, row, top = 230, 50, 24, 10
    series = chart.series[0] if chart.series else Series("", (), _INK)
    height = top * 2 + row * max(1, len(chart.labels))
    peak = max(series.values, default=0.0) or 1.0
    plot_w = width - label_w - right
    body: list[str] = []
    for i, (label, value) in enumerate(zip(chart.labels, series.values, strict=True)):
        y = top + i * row
        colour = chart.colours[i] if chart.colours else series.colour
        w = plot_w * value / peak
        body.append(_text(label_w - 8, y + row / 2 + 4, label, anchor="end", size=12))
        body.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{escape(colour)}" '
                    f'rx="2"><title>{escape(label)}: {_number(value)}</title></rect>')
        body.append(_text(label_w + w + 6, y + row / 2 + 4, _number(value), anchor="start", size=11))
    body.append(f'<line x1="{label_w}" x2="{label_w}" y1="{top}" y2="{height - top}" stroke="{_AXIS}"/>')
    return _svg(width, height, chart.title, body)


def line_chart(chart: Chart, width: int = 960, height: int = 240) -> str:
    """One line per series over ordered labels (weeks); a single point is drawn as a dot."""
    left, right, top, bottom = 44, 16, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for s in chart.series for v in s.values), default=0.0)
    ticks = nice_ticks(peak)
    scale = plot_h / ticks[-1]
    n = max(1, len(chart.labels))
    step = plot_w / max(1, n - 1) if n > 1 else 0.0
    x_of = (lambda i: left + i * step) if n > 1 else (lambda i: left + plot_w / 2)
    body = _legend(chart.series, left, 14)
    for tick in ticks:
        y = top + plot_h - tick * scale
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{_GRID}"/>')
        body.append(_text(left - 6, y + 4, _number(tick), anchor="end", size=10, colour=_MUTED))
    every = max(1, math.ceil(n / 12))
    for i, label in enumerate(chart.labels):
        if i % every == 0 or i == n - 1:
            # The first and last labels align with the plot's edges so that they are not cut off.
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            body.append(_text(x_of(i), top + plot_h + 16, label, anchor=anchor, size=10))
    for s in chart.series:
        points = [(x_of(i), top + plot_h - v * scale) for i, v in enumerate(s.values)]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{escape(s.colour)}" stroke-width="2.5"/>')
        for (x, y), v in zip(points, s.values, strict=True):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{escape(s.colour)}"><title>'
                        f"{escape(s.name)}: {_number(v)}</title></circle>")
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{_AXIS}"/>')
    return _svg(width, height, chart.title, body)


def chart_svg(chart: Chart) -> str:
    """The chart in its kind."""
    if chart.kind == "hbar":
        return hbar_chart(chart)
    if chart.kind == "line":
        return line_chart(chart)
    return bar_chart(chart)


_CONDUCT = ("acceptable", "grey", "unacceptable")
_DEMAND = ("valid", "grey", "invalid")
# Cell tints by how far from an ordinary complaint (index sum 0..4): the 2-axis picture's corners.
_TINT = ("#ecfdf5", "#fefce8", "#fef3c7", "#ffedd5", "#fee2e2")


def axis_grid_svg(grid: AxisGrid, size: int = 300) -> str:
    """A 3×3 grid, conduct up and demand across, with the reviewer's position marked."""
    left, bottom, top, right = 90, 60, 10, 10
    cell = (size - top - bottom) / 3
    width = left + cell * 3 + right
    body: list[str] = []
    for ci in range(3):
        for di in range(3):
            x, y = left + di * cell, top + (2 - ci) * cell
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell:.1f}" height="{cell:.1f}" '
                        f'fill="{_TINT[ci + di]}" stroke="#ffffff" stroke-width="2"/>')
    if grid.conduct in _CONDUCT and grid.demand in _DEMAND:
        ci, di = _CONDUCT.index(grid.conduct), _DEMAND.index(grid.demand)
        cx, cy = left + (di + 0.5) * cell, top + (2 - ci + 0.5) * cell
        body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{cell / 4:.1f}" fill="{_INK}"/>')
    for i, label in enumerate(grid.conduct_labels):
        body.append(_text(left - 8, top + (2 - i + 0.5) * cell + 4, label, anchor="end", size=11))
    for i, label in enumerate(grid.demand_labels):
        body.append(_text(left + (i + 0.5) * cell, top + 3 * cell + 16, label, size=11))
    body.append(_text(left + 1.5 * cell, top + 3 * cell + 40, grid.axis_names[1] + " →", size=11, colour=_MUTED))
    body.append(_text(14, top + 1.5 * cell, grid.axis_names[0] + " →", size=11, colour=_MUTED,
                      extra=f' transform="rotate(-90 14 {top + 1.5 * cell:.1f})"'))
    return _svg(width, size, grid.title, body)
