"""Charts as SVG text, drawn on the server: pure functions from numbers to a `Chart`.

No JavaScript and no chart library: the pages' CSP allows no inline script or style
attribute, and pygal (inline scripts and styles by default) or matplotlib (a large
dependency whose SVG output carries a style element and changing ids) would fight it for
bar, line and area shapes that take a page of code. Colours and fonts are SVG presentation
attributes, which the CSP does not govern. Every text is escaped (service titles come from
kiosks); the same output for the same input, so a page can be compared byte for byte.

Each chart comes with its numbers as a table (`Chart.header`, `Chart.rows`), which the page
shows under a <details> for screen readers and for copying, and says so in words when there
is nothing to draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 720
HEIGHT = 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 16, 14, 34
_LEGEND = 24  # height of the legend row under the axis, when there are several series
_ROW = 24  # height of one bar of a horizontal chart
_LABEL_WIDTH = 230  # where a horizontal chart's bars start
_LABEL_CHARS = 16  # longer category labels are cut (the full text is in the bar's <title>)
# Fonts with Chinese glyphs first (Debian's fonts-wqy-zenhei, Noto, and those of Windows
# and macOS laptops), so no label turns into boxes.
FONT_FAMILY = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei', 'PingFang SC', "
    "'Microsoft YaHei', sans-serif"
)
INK, MUTED, GRID, BAR = "#1f2933", "#6b7785", "#e3e8ee", "#1a56a6"


@dataclass(frozen=True)
class Series:
    """One named row of numbers, one per label of its chart, drawn in one colour."""

    name: str
    values: Sequence[float]
    colour: str = BAR


@dataclass(frozen=True)
class Chart:
    """A drawn chart: its SVG, and the same numbers as a table."""

    ident: str
    title: str
    desc: str
    svg: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: bool


def number(value: float) -> str:
    """A value as a chart writes it: whole numbers without a point, others to one decimal."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def nice_ticks(top: float, count: int = 4, *, whole: bool = False) -> list[float]:
    """Axis ticks from 0 to at least `top`, in steps of 1, 2 or 5 times a power of ten.

    `whole`: the values are counts, so no tick falls between two whole numbers.
    """
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(step, 1)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def text_width(text: str) -> float:
    """Roughly how wide `text` is at 12 px: a Chinese character a full em, others about half."""
    return sum(12.0 if ord(char) > 0x2E7F else 7.0 for char in text)


def _text(x: float, y: float, content: str, anchor: str = "start", fill: str = MUTED) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}">'
        f"{escape(content)}</text>"
    )


def _frame(ident: str, title: str, desc: str, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" class="chart-svg" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT_FAMILY}" '
        f'font-size="12">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _empty(ident: str, title: str, desc: str, message: str, header: tuple[str, ...]) -> Chart:
    height = 80
    body = [
        f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" fill="none" '
        f'stroke="{GRID}"/>',
        f'<text x="{WIDTH / 2:.1f}" y="{height / 2 + 4:.1f}" text-anchor="middle" '
        f'fill="{MUTED}" class="chart-empty">{escape(message)}</text>',
    ]
    svg = _frame(ident, title, f"{desc} {message}", height, body)
    return Chart(ident, title, desc, svg, header, (), empty=True)


def _axes(
    labels: Sequence[str], series: Sequence[Series], top: float, plot_height: float
) -> tuple[list[str], float]:
    """Grid lines, y ticks and thinned x labels; returns them and the axis' top value."""
    whole = all(float(v).is_integer() for s in series for v in s.values)
    ticks = nice_ticks(top, whole=whole)
    axis_top = ticks[-1]
    body = []
    for tick in ticks:
        y = _TOP + plot_height - tick / axis_top * plot_height
        body.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(_LEFT - 6, y + 4, number(tick), "end"))
    slot = (WIDTH - _LEFT - _RIGHT) / max(len(labels), 1)
    # At most a dozen labels, and none wider than the room between two: they stay readable.
    widest = max(text_width(text) for text in labels) if labels else 0.0
    every = max(1, math.ceil(len(labels) / 12), math.ceil((widest + 12) / slot))
    for i, text in enumerate(labels):
        if i % every == 0:
            body.append(_text(_LEFT + (i + 0.5) * slot, _TOP + plot_height + 16, text, "middle"))
    return body, axis_top


def _legend(series: Sequence[Series], y: float) -> list[str]:
    body, x = [], float(_LEFT)
    for s in series:
        body.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{s.colour}"/>')
        body.append(_text(x + 14, y, s.name, fill=INK))
        x += 28 + text_width(s.name)
    return body


Table = tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]


def _table(first: str, labels: Sequence[str], series: Sequence[Series]) -> Table:
    header = (first, *(s.name for s in series))
    rows = tuple((label, *(number(s.values[i]) for s in series)) for i, label in enumerate(labels))
    return header, rows


def columns(
    ident: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    label_header: str,
    empty_text: str,
    legend: bool = True,
) -> Chart:
    """Vertical bars, one per label; several series are stacked, in their order from the axis.

    `legend`: name the series under the axis (when there are several).
    """
    header, rows = _table(label_header, labels, series)
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    if not labels or not any(totals):
        return _empty(ident, title, desc, empty_text, header)
    legend_height = _LEGEND if legend and len(series) > 1 else 0
    height = HEIGHT + legend_height
    plot_height = HEIGHT - _TOP - _BOTTOM
    body, axis_top = _axes(labels, series, max(totals), plot_height)
    slot = (WIDTH - _LEFT - _RIGHT) / len(labels)
    width = max(slot * 0.72, 1.0)
    for i, label in enumerate(labels):
        base = float(_TOP + plot_height)
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = value / axis_top * plot_height
            base -= h
            body.append(
                f'<rect class="bar" x="{_LEFT + i * slot + (slot - width) / 2:.2f}" '
                f'y="{base:.2f}" width="{width:.2f}" height="{h:.2f}" fill="{s.colour}" '
                f'data-value="{number(value)}"><title>{escape(label)} · {escape(s.name)}: '
                f"{number(value)}</title></rect>"
            )
    if legend_height:
        body += _legend(series, HEIGHT + 8)
    return Chart(ident, title, desc, _frame(ident, title, desc, height, body), header, rows, False)


def bars(
    ident: str,
    title: str,
    desc: str,
    items: Sequence[tuple[str, float]],
    *,
    label_header: str,
    value_header: str,
    empty_text: str,
    texts: Sequence[str] | None = None,
    top: float | None = None,
) -> Chart:
    """Horizontal bars, one per category, in the order given.

    `texts`: what to write beside each bar (default: its value); `top`: the scale's end.
    """
    header = (label_header, value_header)
    written = list(texts) if texts is not None else [number(value) for _, value in items]
    rows = tuple((label, text) for (label, _), text in zip(items, written, strict=True))
    if not items or not any(value for _, value in items):
        return _empty(ident, title, desc, empty_text, header)
    scale_top = top or max(value for _, value in items)
    span = WIDTH - _LABEL_WIDTH - 70
    body = []
    for i, ((label, value), text) in enumerate(zip(items, written, strict=True)):
        y = _TOP + i * _ROW
        shown = label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"
        body.append(_text(_LABEL_WIDTH - 8, y + 15, shown, "end", INK))
        w = value / scale_top * span
        body.append(
            f'<rect class="bar" x="{_LABEL_WIDTH}" y="{y + 4:.2f}" width="{w:.2f}" height="16" '
            f'fill="{BAR}" data-value="{number(value)}"><title>{escape(label)}: '
            f"{escape(text)}</title></rect>"
        )
        body.append(_text(_LABEL_WIDTH + w + 6, y + 16, text, fill=INK))
    height = _TOP * 2 + len(items) * _ROW
    return Chart(ident, title, desc, _frame(ident, title, desc, height, body), header, rows, False)


def areas(
    ident: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    label_header: str,
    empty_text: str,
) -> Chart:
    """Stacked areas over evenly spaced samples (first series at the bottom), with a legend."""
    header, rows = _table(label_header, labels, series)
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    if len(labels) < 2 or not any(totals):
        return _empty(ident, title, desc, empty_text, header)
    plot_height = HEIGHT - _TOP - _BOTTOM
    body, axis_top = _axes(labels, series, max(totals), plot_height)
    slot = (WIDTH - _LEFT - _RIGHT) / len(labels)
    xs = [_LEFT + (i + 0.5) * slot for i in range(len(labels))]
    below = [0.0] * len(labels)
    for s in series:
        above = [b + v for b, v in zip(below, s.values, strict=True)]

        def y(value: float) -> float:
            return _TOP + plot_height - value / axis_top * plot_height

        upper = [f"{x:.1f},{y(v):.1f}" for x, v in zip(xs, above, strict=True)]
        lower = [f"{x:.1f},{y(v):.1f}" for x, v in reversed(list(zip(xs, below, strict=True)))]
        if any(s.values):
            body.append(
                f'<polygon class="area" points="{" ".join(upper + lower)}" fill="{s.colour}" '
                f'fill-opacity="0.85"><title>{escape(s.name)}</title></polygon>'
            )
        below = above
    body += _legend(series, HEIGHT + 8)
    svg = _frame(ident, title, desc, HEIGHT + _LEGEND, body)
    return Chart(ident, title, desc, svg, header, rows, False)
