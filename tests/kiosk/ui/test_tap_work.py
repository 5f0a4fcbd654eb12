"""What a tap to a screen seen before does again (docs/touchscreen.md, "Tap to the next
screen"): the catalog's texts of a step and of the end screen are not rendered again on the
next visit, the button row is kept, the menu is asked once a show.

Checked from what Kivy renders and which widgets exist, never from timings: the times are
bench/bench_kiosk_ui.py's (`--only taps`).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.kiosk.ui.helpers import step_buttons, tap

pytestmark = pytest.mark.kivy


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts Kivy renders into label textures from now on (wrapped lines joined)."""
    from kivy.core.text import LabelBase

    texts: list[str] = []
    original = LabelBase.render

    def render(self: Any, *args: Any, **kwargs: Any) -> Any:
        texts.append(str(self.text).replace("\n", ""))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LabelBase, "render", render)
    return texts


def _visit(ui: Any) -> tuple[Any, Any]:
    """Menu, the first service's first step, cancel, the end screen, back to the menu; the
    step and end screens as they were shown."""
    tap(ui, ui.root.welcome.tiles[0])
    step = ui.root.current_screen
    assert ui.root.current == "action"
    texts = _catalog_texts(step)
    tap(ui, step_buttons(step)["cancel"])
    end = ui.root.current_screen
    assert ui.root.current == "end"
    texts += [end.ids.title.text, end.ids.finish.text]
    tap(ui, end.ids.finish)
    assert ui.root.current == "welcome"
    return step, [t.replace("\n", "") for t in texts if t]


def _catalog_texts(step: Any) -> list[str]:
    header = step.ids.header.ids
    return [
        header.flow_title.text,
        header.step_label.text,
        step.ids.title.text,
        step.ids.prompt.text,
        *(b.text for b in step_buttons(step).values()),
    ]


def test_a_second_visit_renders_none_of_the_steps_and_ends_texts_again(
    ui: Any, rendered: list[str]
) -> None:
    _, first = _visit(ui)
    assert set(first) <= set(rendered)  # the first visit drew them: the probe sees renders
    rendered.clear()
    _visit(ui)
    again = [text for text in first if text in rendered]
    assert again == []


def test_a_second_visit_keeps_the_step_buttons(ui: Any) -> None:
    step, _ = _visit(ui)
    before = step_buttons(step)
    assert before  # kept while the step is hidden: the catalog's labels, no visitor's
    _visit(ui)
    assert step_buttons(step) == before


def test_the_button_row_is_made_again_only_when_what_it_shows_changes(ui: Any) -> None:
    # Imported here: kiosk.ui.widgets imports TextInput, which opens Kivy's window, and the
    # window must wait for the fixture's settings (devkit/headless.py).
    from kiosk.ui.widgets import BigButton, ButtonRow, fill_button_row

    row = ButtonRow()
    pressed: list[str] = []
    first = fill_button_row(row, ["cancel", "next"], str.upper, pressed.append)
    assert [b.text for b in first] == ["CANCEL", "NEXT"]
    assert [b.primary for b in first] == [False, True]
    assert fill_button_row(row, ["cancel", "next"], str.upper, pressed.append) == first
    relabelled = fill_button_row(row, ["cancel", "next"], str.title, pressed.append)
    assert [b.text for b in relabelled] == ["Cancel", "Next"]
    assert not set(relabelled) & set(first)
    other: list[str] = []
    rebound = fill_button_row(row, ["cancel", "next"], str.title, other.append)
    assert not set(rebound) & set(relabelled)  # a new handler: the old binding must go
    rebound[1].dispatch("on_release")
    assert other == ["next"]
    assert pressed == []
    assert len([c for c in row.children if isinstance(c, BigButton)]) == 2


def test_the_menu_is_asked_once_when_it_is_shown(ui: Any, port: Any) -> None:
    asked: list[int] = []
    menu = port.menu

    def counted() -> Any:
        asked.append(1)
        return menu()

    welcome = ui.root.welcome
    welcome._offered = counted  # the port's menu, as the app hands it over
    welcome.show("zh-CN")
    assert len(asked) == 1
