"""Walking the headless UI like a citizen: taps through the window, texts left on screens."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.ui import theme


def tap(ui: Any, widget: Any) -> None:
    """Touch the middle of `widget` through the window, as a finger would."""
    from kivy.tests.common import UnitTestTouch

    ui.frames(1)  # layout settles before we aim
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    ui.frames(1)


def step_buttons(screen: Any) -> dict[str, Any]:
    """The step buttons of a screen by event name."""
    return {b.event: b for b in screen.ids.buttons.children if hasattr(b, "event") and b.event}


def visible_texts(ui: Any) -> list[str]:
    """Every text held by any widget of every screen (shown or not) and the window."""
    from kivy.core.window import Window

    found: list[str] = []
    for root in [*ui.root.screens, *Window.children]:
        for widget in root.walk(restrict=True):
            for attr in ("text", "hint_text"):
                value = getattr(widget, attr, None)
                if isinstance(value, str) and value:
                    found.append(value)
            lines = getattr(widget, "_lines", None)  # TextInput's laid-out lines
            if lines:
                found.extend(str(line) for line in lines)
    return found


def fill_form(ui: Any, values: dict[str, str]) -> None:
    """Type, choose or tick each value (ticks: "a,b" for several, "yes" for a declaration)."""
    form = ui.root.steps["form"]
    for name, value in values.items():
        block = form.blocks[name]
        if block.input is not None:
            block.input.text = value
        elif block.toggles:
            for toggle in block.toggles:
                if (toggle.state == "down") != (toggle.value in value.split(",")):
                    toggle.trigger_action(0)
        else:
            button = next(b for b in block.choices if b.value == value)
            button.trigger_action(0)
    ui.frames(1)


def tap_at(ui: Any, widget: Any, x: float, y: float) -> None:
    """Touch `widget` at (x, y) of its own coordinates through the window."""
    from kivy.tests.common import UnitTestTouch

    ui.frames(1)
    touch = UnitTestTouch(*widget.to_window(x, y))
    touch.touch_down()
    touch.touch_up()
    ui.frames(1)


def traces_left(ui: Any, traces: list[str]) -> list[str]:
    """The traces still held by a text of any screen."""
    texts = visible_texts(ui)
    assert texts, "the walk found no widgets"
    return [trace for trace in traces if any(trace in text for text in texts)]


def _shown(widget: Any) -> bool:
    """Drawn and enabled, it and every parent up to the window (which is its own parent)."""
    while widget is not None and widget.parent is not widget:
        if widget.opacity == 0 or widget.disabled:
            return False
        widget = widget.parent
    return True


def check_elderly_sizes(screen: Any) -> list[str]:
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label
    from kivy.uix.textinput import TextInput

    from kiosk.ui.widgets import ButtonRow, TitleLabel

    problems = []
    for widget in screen.walk(restrict=True):
        if not _shown(widget):
            continue
        text = getattr(widget, "text", "")
        name = f"{getattr(screen, 'name', '?')}:{type(widget).__name__}:{text!r}"
        if isinstance(widget, ButtonBehavior | TextInput) and widget.height < theme.TOUCH_MIN:
            problems.append(f"{name} is {widget.height} px high")
        if isinstance(widget, Label) and widget.text and widget.font_size < theme.SMALL:
            problems.append(f"{name} text is {widget.font_size} px")
        if isinstance(widget, TitleLabel) and widget.text and widget.font_size < 44:
            problems.append(f"{name} title is {widget.font_size} px")
        if isinstance(widget, ButtonRow):
            count = sum(isinstance(c, ButtonBehavior) for c in widget.children)
            if count > 5:
                problems.append(f"{name} has {count} buttons in a row")
    return problems


def identify_by_card(ui: Any) -> None:
    """On the identity chooser: tap the ID card tile, then the demo tray's first card."""
    tap(ui, next(t for t in ui.root.steps["identify"].tiles if t.method == "id_card"))
    tap(ui, ui.root.steps["action"].card_buttons[0])
    ui.until(lambda: ui.root.current != "action")


def identify_by_typing(ui: Any, citizen: Any, flow_id: str = "identity_registration") -> None:
    """Start `flow_id` and get past its identity chooser by the session's own calls."""
    session = ui.session
    session.start(flow_id)
    session.fire("typed")
    assert session.submit({"id_number": citizen.id_number, "name": citizen.name}) == {}


def open_form(ui: Any, citizen: Any, flow_id: str, *, elder: bool) -> Any:
    """Start `flow_id` (elder mode or not), typed identity, and return its form on screen."""
    ui.session.set_elder(elder)
    identify_by_typing(ui, citizen, flow_id)
    ui.frames(3)
    assert ui.root.current == "form"
    return ui.root.steps["form"]


def wait(ui: Any, done: Callable[[], bool], seconds: float = 10.0) -> None:
    """Frames until `done()` (the Kivy clock runs on real time; CI is slower)."""
    late = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < late, "waited in vain"
        ui.frames(1)
        time.sleep(0.01)


def snap(ui: Any, shots: Path, name: str) -> None:
    """Save the screen as `shots/name` when screenshots are kept (ESTATION_UI_SHOTS=dir).

    A PNG costs a third of a second; tests that read a picture back (a QR code) call
    `ui.screenshot` themselves, always.
    """
    if os.environ.get("ESTATION_UI_SHOTS"):
        ui.screenshot(shots / name)
