"""Checks of a drawn screen from its widgets' geometry: text that does not fit its box, a box
pushed out of its layout, text too faint on the colour behind it.

A picture shows a defect to a person; these find the same defects without looking, on every
screen of every flow (`estation-kiosk screens`, and the tests over the catalog):

- `clipped_text`: a label whose text needs more room than its box (wider than its
  `text_size`, or more lines than its height holds): Kivy would draw it over its
  neighbours or drop the lines that do not fit;
- `outside_parent`: a widget that sticks out of the layout that holds it (a box layout
  whose fixed-height children add up to more than it has pushes the first of them up, under
  the header: the ID-card screen's title with the demo card panel);
- `broken_words`: a Chinese word cut across two lines (浏 / 览): where a label's lines end
  inside a unit of kiosk/ui/linebreak.py (Kivy's own wrap, of a plain Label, does that);
- `low_contrast`: text whose colour against the fill drawn behind it is under 4.5:1 (3:1
  for text above 18 dp), the WCAG relative luminance formula.

Widgets that are hidden (opacity 0), disabled, or inside a scroll view (whose content
scrolls by design) are left out of the box checks.
"""

# mypy: allow-subclassing-any

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from kivy.graphics import Color, Ellipse, Rectangle, RoundedRectangle
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView

SLACK = 2  # px: rounding of texture sizes and layouts
LARGE_TEXT = 18  # dp: above it, 3:1 suffices (WCAG's large text)


def luminance(colour: Sequence[float]) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (0..1 channels)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(float(c)) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Sequence[float], b: Sequence[float]) -> float:
    """WCAG contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _shown(widget: Any) -> bool:
    while widget is not None and widget.parent is not widget:
        if widget.opacity == 0 or widget.disabled:
            return False
        widget = widget.parent
    return True


def _scrolled(widget: Any) -> bool:
    parent = widget.parent
    while parent is not None and parent.parent is not parent:
        if isinstance(parent, ScrollView):
            return True
        parent = parent.parent
    return False


def _name(widget: Any) -> str:
    text = getattr(widget, "text", "")
    ident = next((k for k, v in _ids_of(widget).items() if v is widget), "")
    label = f"{type(widget).__name__}#{ident}" if ident else type(widget).__name__
    return f"{label} {text[:30]!r}" if text else label


def _ids_of(widget: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    parent = widget.parent
    while parent is not None and parent.parent is not parent:
        found.update(getattr(parent, "ids", {}))
        parent = parent.parent
    return found


def _labels(root: Any) -> Iterator[Any]:
    for widget in root.walk(restrict=True):
        if isinstance(widget, Label) and widget.text.strip() and _shown(widget):
            yield widget


def _needed_height(label: Any, width: float) -> float:
    from kivy.core.text import Label as CoreLabel

    core = CoreLabel(
        text=label._label.text or label.text,
        font_size=label.font_size,
        font_name=label.font_name,
        bold=label.bold,
        line_height=label.line_height,
        padding=label.padding,
        text_size=(width, None),
        # A shortened label is one line ending in "…" by design: nothing is lost below it.
        shorten=label.shorten,
        shorten_from=label.shorten_from,
    )
    core.refresh()
    return float(core.texture.size[1])


def clipped_text(root: Any) -> list[str]:
    """Labels under `root` whose text does not fit their box."""
    problems: list[str] = []
    for label in _labels(root):
        label.texture_update()
        tw, th = label.texture_size
        wrap_w, wrap_h = label.text_size
        if (
            tw > label.width + SLACK
            and label.size_hint_x is not None
            or (wrap_w is not None and tw > wrap_w + SLACK)
        ):
            problems.append(f"{_name(label)}: text {tw:.0f} px wide in {label.width:.0f}")
        elif wrap_h is not None and wrap_w is not None:
            # Kivy drops the lines that do not fit a fixed text_size: measure them all.
            needed = _needed_height(label, wrap_w)
            if needed > wrap_h + SLACK:
                problems.append(
                    f"{_name(label)}: text {needed:.0f} px high in {wrap_h:.0f}, lines lost"
                )
        elif th > label.height + SLACK:
            problems.append(f"{_name(label)}: text {th:.0f} px high in {label.height:.0f}")
    return problems


def outside_parent(root: Any) -> list[str]:
    """Shown widgets under `root` that stick out of the layout holding them."""
    problems: list[str] = []
    for widget in root.walk(restrict=True):
        parent = widget.parent
        if widget is root or parent is None or not _shown(widget) or _scrolled(widget):
            continue
        if widget.width <= 0 or widget.height <= 0 or isinstance(parent, ScrollView):
            continue
        x0, y0 = widget.to_window(widget.x, widget.y)
        x1, y1 = widget.to_window(widget.right, widget.top)
        px0, py0 = parent.to_window(parent.x, parent.y)
        px1, py1 = parent.to_window(parent.right, parent.top)
        if x0 < px0 - SLACK or y0 < py0 - SLACK or x1 > px1 + SLACK or y1 > py1 + SLACK:
            problems.append(
                f"{_name(widget)} at ({x0:.0f},{y0:.0f})-({x1:.0f},{y1:.0f}) is outside "
                f"{_name(parent)} ({px0:.0f},{py0:.0f})-({px1:.0f},{py1:.0f})"
            )
    return problems


def _lines(label: Any) -> list[str]:
    """The lines Kivy laid `label`'s text out in (after our own breaking, if any)."""
    label.texture_update()
    cached = getattr(label._label, "_cached_lines", None) or []
    return ["".join(word.text for word in line.words) for line in cached]


def _cut_inside_word(first: str, second: str) -> bool:
    from kiosk.ui.linebreak import units

    head, tail = first.rstrip(), second.lstrip()
    if not head or not tail:
        return False
    ends, at = set(), 0
    for unit in units(head + tail):
        at += len(unit)
        ends.add(at)
    return len(head) not in ends


def broken_words(root: Any) -> list[str]:
    """Labels under `root` whose lines cut a Chinese word in two."""
    problems: list[str] = []
    for label in _labels(root):
        if not any(ord(ch) > 0x2E7F for ch in label.text):
            continue
        lines = _lines(label)
        for first, second in zip(lines, lines[1:], strict=False):
            if _cut_inside_word(first, second):
                problems.append(f"{_name(label)}: a word cut at {first[-2:]!r} / {second[:2]!r}")
    return problems


def _fill_behind(label: Any) -> tuple[float, ...] | None:
    """The colour of the last fill drawn under the middle of `label`, nearest first."""
    wx, wy = label.to_window(*label.center)
    widget = label
    while widget is not None:
        colour = None
        x, y = widget.to_widget(wx, wy) if widget is not label else label.center
        for canvas in (widget.canvas.before, widget.canvas):
            current: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)
            for instruction in canvas.children if canvas is not None else ():
                if isinstance(instruction, Color):
                    current = tuple(instruction.rgba)
                elif isinstance(instruction, Rectangle | RoundedRectangle | Ellipse):
                    (ix, iy), (iw, ih) = instruction.pos, instruction.size
                    inside = ix <= x <= ix + iw and iy <= y <= iy + ih
                    if inside and current[3] > 0 and not instruction.texture:
                        colour = current
        if colour is not None:
            return colour
        if widget.parent is widget:
            return None
        widget = widget.parent
    return None


def low_contrast(root: Any) -> list[str]:
    """Text under `root` too faint on the fill behind it (4.5:1; 3:1 above 18 dp)."""
    from kivy.uix.textinput import TextInput  # here: importing it creates Kivy's window

    problems: list[str] = []
    for label in _labels(root):
        if isinstance(label, TextInput):
            continue
        ground = _fill_behind(label)
        if ground is None:
            continue
        ratio = contrast(label.color, ground)
        floor = 3.0 if label.font_size > LARGE_TEXT else 4.5
        if ratio < floor:
            problems.append(f"{_name(label)}: contrast {ratio:.2f} < {floor}")
    return problems


def layout_problems(root: Any) -> list[str]:
    """Every check above, for one drawn screen."""
    return [
        *clipped_text(root),
        *outside_parent(root),
        *broken_words(root),
        *low_contrast(root),
    ]


__all__ = [
    "broken_words",
    "clipped_text",
    "contrast",
    "layout_problems",
    "low_contrast",
    "luminance",
    "outside_parent",
]
