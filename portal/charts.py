"""Small server-rendered SVG charts: vertical bars, a line, horizontal bars. No JavaScript.

A `Chart` holds labelled values and computes the geometry; `templates/macros/charts.html` draws
it as inline SVG (role="img", named by its <title> and <desc>) with a table of the same figures
beside it. Values that are None (a rate with nothing counted) get no bar or point, and "—" in the
table. Coordinates are in the SVG's own units (the viewBox), rounded to 0.1.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

BAR, LINE, HBAR = "bar", "line", "hbar"


@dataclass(frozen=True)
class Point:
    label: str  # the full label, for the table and the point's own <title>
    value: Optional[float]
    text: str  # the value as the table shows it ("75.00%", "12", "—")
    axis_label: str = ""  # a short label under the axis (vertical charts); the label when empty


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    point: Point


@dataclass(frozen=True)
class Tick:
    position: float  # y for vertical charts, x for horizontal ones
    text: str


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k at or above `value` (1 for nothing), so axis ticks read well."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power + 1e-9:
            return float(step * power)
    return float(10 * power)  # pragma: no cover


def _r(value: float) -> float:
    return round(value, 1)


@dataclass
class Chart:
    id: str  # unique on the page: the ids of <title>, <desc> and the table derive from it
    title: str
    description: str
    points: list[Point]
    kind: str = BAR
    label_header: str = ""  # the table's column headings
    value_header: str = ""
    maximum: Optional[float] = None  # the top of the scale; by default a nice ceiling of the largest value
    tick_text: Callable[[float], str] = field(default=lambda v: f"{v:g}")
    ticks: int = 4
    width: int = 640
    height: int = 240
    left: int = 48  # room for the value axis labels (vertical) or the category labels (horizontal)
    right: int = 16
    top: int = 12
    bottom: int = 36
    row_height: int = 26  # horizontal bars: one row per point
    label_chars: int = 16  # horizontal bars: longer labels are shortened in the drawing (not in the table)

    def __post_init__(self):
        if self.kind == HBAR:
            self.left = max(self.left, 150)
            self.height = self.top + self.bottom + self.row_height * max(1, len(self.points))

    @property
    def scale_max(self) -> float:
        if self.maximum is not None:
            return self.maximum
        return nice_ceiling(max((p.value for p in self.points if p.value is not None), default=0))

    @property
    def plot(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the plotting area."""
        return self.left, self.top, self.width - self.right, self.height - self.bottom

    @property
    def has_values(self) -> bool:
        return any(p.value is not None for p in self.points)

    def _band(self) -> float:
        x0, y0, x1, y1 = self.plot
        extent = (y1 - y0) if self.kind == HBAR else (x1 - x0)
        return extent / max(1, len(self.points))

    def _length(self, value: float, extent: float) -> float:
        return max(0.0, min(value, self.scale_max)) / self.scale_max * extent

    def bars(self) -> list[Rect]:
        """Vertical bars (BAR) or horizontal bars (HBAR), one per point with a value."""
        x0, y0, x1, y1 = self.plot
        band = self._band()
        rects = []
        for i, point in enumerate(self.points):
            if point.value is None:
                continue
            if self.kind == HBAR:
                length = self._length(point.value, x1 - x0)
                rects.append(Rect(_r(x0), _r(y0 + i * band + band * 0.15), _r(length), _r(band * 0.7), point))
            else:
                length = self._length(point.value, y1 - y0)
                rects.append(Rect(_r(x0 + i * band + band * 0.15), _r(y1 - length), _r(band * 0.7), _r(length), point))
        return rects

    def line(self) -> list[tuple[float, float, Point]]:
        """The line's vertices at the middle of each point's band; points without a value are skipped."""
        x0, y0, x1, y1 = self.plot
        band = self._band()
        return [(_r(x0 + (i + 0.5) * band), _r(y1 - self._length(p.value, y1 - y0)), p)
                for i, p in enumerate(self.points) if p.value is not None]

    def polyline(self) -> str:
        return " ".join(f"{x:g},{y:g}" for x, y, _p in self.line())

    def value_ticks(self) -> list[Tick]:
        """Gridlines of the value axis, from 0 to the top of the scale."""
        x0, y0, x1, y1 = self.plot
        ticks = []
        for n in range(self.ticks + 1):
            value = self.scale_max * n / self.ticks
            if self.kind == HBAR:
                ticks.append(Tick(_r(x0 + (x1 - x0) * n / self.ticks), self.tick_text(value)))
            else:
                ticks.append(Tick(_r(y1 - (y1 - y0) * n / self.ticks), self.tick_text(value)))
        return ticks

    def category_labels(self) -> list[Tick]:
        """Where each point's label goes: under its band (vertical) or left of its row (horizontal)."""
        band = self._band()
        x0, y0, _x1, _y1 = self.plot
        if self.kind == HBAR:
            return [Tick(_r(y0 + (i + 0.5) * band), self.short(p.axis_label or p.label))
                    for i, p in enumerate(self.points)]
        return [Tick(_r(x0 + (i + 0.5) * band), p.axis_label or p.label) for i, p in enumerate(self.points)]

    def short(self, text: str) -> str:
        return text if len(text) <= self.label_chars else text[:self.label_chars - 1] + "…"
