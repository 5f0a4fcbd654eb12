"""The step a menu tap opens keeps the catalog's title, prompt and buttons between visits,
within a memory budget, and nothing of the visit (docs/touchscreen.md, "Tap to the next
screen"): the next tap on the same tile renders and uploads none of them again.

Checked from widgets and texture objects, never from timings (those are
bench/bench_kiosk_ui.py's `--only taps`, and its `--only rss` holds the memory).
"""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.ui.widgets import KeptTexts
from tests.kiosk.ui.helpers import step_buttons, tap

pytestmark = pytest.mark.kivy


def test_kept_texts_let_the_least_recently_kept_go_past_the_budget() -> None:
    released: list[str] = []
    kept = KeptTexts(budget=100)
    assert kept.keep("a", 40, lambda: released.append("a"))
    assert kept.keep("b", 40, lambda: released.append("b"))
    assert kept.keep("c", 40, lambda: released.append("c"))
    assert released == ["a"]
    assert not kept.holds("a")
    assert kept.holds("b")
    assert kept.holds("c")
    assert kept.held_bytes == 80


def test_kept_texts_refuse_what_alone_is_over_the_budget_and_forget_a_shown_screen() -> None:
    kept = KeptTexts(budget=100)
    assert kept.keep("a", 60, lambda: None)
    assert not kept.keep("big", 101, lambda: None)
    assert not kept.holds("big")
    assert kept.holds("a")
    kept.drop("a")
    assert not kept.holds("a")
    assert kept.held_bytes == 0


def _open_and_cancel(ui: Any) -> Any:
    """A visit: the first tile, its opening step, cancelled, the end screen finished."""
    tap(ui, ui.root.welcome.tiles[0])
    screen = ui.root.current_screen
    assert screen.name == "action"
    tap(ui, step_buttons(screen)["cancel"])
    assert ui.root.current == "end"
    tap(ui, ui.root.end.ids.finish)
    assert ui.root.current == "welcome"
    return screen


def test_the_opening_step_keeps_its_header_title_prompt_and_buttons_for_the_next_visit(
    ui: Any,
) -> None:
    screen = _open_and_cancel(ui)
    ui.frames(1)
    header = screen.ids.header.ids
    title, prompt = screen.ids.title.text, screen.ids.prompt.text
    name, counter = header.flow_title.text, header.step_label.text
    assert title
    assert prompt
    assert name  # the service name and step counter are the catalog's too: kept
    assert counter
    assert ui.root.kept_texts.holds(screen)
    texture = screen.ids.title.texture
    name_texture = header.flow_title.texture
    buttons = list(screen.ids.buttons.children)

    tap(ui, ui.root.welcome.tiles[0])
    assert ui.root.current_screen is screen
    assert screen.ids.title.text == title
    assert screen.ids.title.texture is texture  # not rendered again
    assert header.flow_title.texture is name_texture
    assert list(screen.ids.buttons.children) == buttons  # the same buttons, not new ones
    assert not ui.root.kept_texts.holds(screen)  # shown: a visit's screen again
    assert header.flow_title.text == name  # the header filled as always
    assert header.step_label.text == counter


def test_the_kept_buttons_still_fire_their_step(ui: Any) -> None:
    _open_and_cancel(ui)
    tap(ui, ui.root.welcome.tiles[0])
    tap(ui, step_buttons(ui.root.current_screen)["cancel"])
    assert ui.root.current == "end"


def test_a_screen_past_the_budget_forgets_its_texts_as_before(ui: Any) -> None:
    ui.root.kept_texts.budget = 0
    screen = _open_and_cancel(ui)
    assert screen.ids.title.text == ""
    assert screen.ids.prompt.text == ""
    assert screen.ids.header.ids.flow_title.text == ""
    assert screen.ids.header.ids.step_label.text == ""
    assert step_buttons(screen) == {}
    assert not ui.root.kept_texts.holds(screen)


def test_a_kept_screen_shown_in_the_other_language_shows_that_language(ui: Any) -> None:
    screen = _open_and_cancel(ui)
    kept_title = screen.ids.title.text
    ui.session.set_lang("en")  # on the menu: the next visit starts in English
    ui.frames(1)
    tap(ui, ui.root.welcome.tiles[0])
    assert ui.root.current_screen is screen
    assert screen.ids.title.text
    assert screen.ids.title.text != kept_title
    assert all(b.text.isascii() for b in step_buttons(screen).values())


def test_a_fitted_label_measures_its_text_once_a_change(ui: Any) -> None:
    from kiosk.ui.widgets import FitLabel

    label = FitLabel(size=(600, 60), size_hint=(None, None), max_font=30, min_font=20)
    ui.root.current_screen.add_widget(label)
    ui.frames(1)
    renders: list[str] = []
    real_render = label._label.render

    def render(real: bool = False) -> Any:
        renders.append(f"{label._label.text} {'drawn' if real else 'measured'}")
        return real_render(real)

    label._label.render = render
    label.text = "城关镇就业服务e站"
    ui.frames(2)
    assert renders == ["城关镇就业服务e站 measured", "城关镇就业服务e站 drawn"]
    assert label.texture is not None
