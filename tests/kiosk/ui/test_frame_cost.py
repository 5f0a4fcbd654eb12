"""What every frame draws stays cheap for software GL (docs/touchscreen.md, "Tap to the next
screen"): no full-window rectangle under a screen, outlines with few corner segments, the
long-lived objects out of the collector's full passes, wrapping labels drawing only the part
of their texture their lines cover, hidden panels drawing nothing.

Checked from canvas instructions, pixels and the collector, never from timings: the times
are bench/bench_kiosk_ui.py's (`--only taps`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kiosk.ui import theme
from tests.kiosk.ui.helpers import step_buttons, tap

pytestmark = pytest.mark.kivy


def _instructions(widget: Any) -> Iterator[tuple[Any, Any]]:
    """Every (widget, canvas instruction) under `widget`, itself included."""
    for canvas in (widget.canvas.before, widget.canvas, widget.canvas.after):
        for instruction in canvas.children:
            yield widget, instruction
    for child in widget.children:
        yield from _instructions(child)


def _window_fillers(screen: Any) -> list[str]:
    """The shapes on `screen` that cover the whole window: each costs software GL a
    screenful of pixels on every frame."""
    from kivy.core.window import Window
    from kivy.graphics import Rectangle, RoundedRectangle

    return [
        f"{type(widget).__name__} {type(shape).__name__}"
        for widget, shape in _instructions(screen)
        if isinstance(shape, Rectangle | RoundedRectangle)
        and shape.size[0] >= Window.width
        and shape.size[1] >= Window.height
    ]


def _screens_of_a_visit(ui: Any) -> Iterator[Any]:
    """The menu, the ID-card step and the end screen, each while it is shown."""
    yield ui.root.current_screen
    tap(ui, ui.root.welcome.tiles[0])
    assert ui.root.current == "action"
    yield ui.root.current_screen
    tap(ui, step_buttons(ui.root.current_screen)["cancel"])
    assert ui.root.current == "end"
    yield ui.root.current_screen


def test_no_screen_paints_a_shape_over_the_whole_window(ui: Any) -> None:
    for screen in _screens_of_a_visit(ui):
        ui.frames(1)
        assert _window_fillers(screen) == [], screen.name


def test_a_full_window_rectangle_would_be_found(ui: Any) -> None:
    from kivy.core.window import Window
    from kivy.graphics import Color, Rectangle

    screen = ui.root.current_screen
    with screen.canvas.before:
        Color(*theme.BACKGROUND)
        Rectangle(pos=(0, 0), size=Window.size)
    assert _window_fillers(screen) == ["WelcomeScreen Rectangle"]


def test_the_screen_background_is_still_the_theme_colour_in_its_picture(
    ui: Any, tmp_path: Path
) -> None:
    picture = Image.open(ui.screenshot(tmp_path / "menu.png")).convert("RGB")
    # The bottom-left corner of the menu: no tile, label or band reaches it.
    expected = tuple(round(255 * c) for c in theme.BACKGROUND[:3])
    assert picture.getpixel((2, picture.height - 3)) == expected


def test_outlines_round_their_corners_in_few_segments(ui: Any) -> None:
    from kivy.graphics import Line

    for screen in _screens_of_a_visit(ui):
        ui.frames(1)
        coarse = [
            type(widget).__name__
            for widget, line in _instructions(screen)
            if isinstance(line, Line)
            and line.rounded_rectangle
            and type(widget).__module__.startswith(("kiosk.ui.widgets", "kiosk.ui.screens"))
            and line.rounded_rectangle[-1] > theme.ARC_SEGMENTS
        ]
        assert coarse == [], screen.name


def test_long_lived_objects_are_frozen_once_every_step_screen_is_made(ui: Any) -> None:
    router = ui.root
    assert gc.get_freeze_count() == 0
    while router.make_next_step():
        assert gc.get_freeze_count() == 0  # not while screens are still being made
    assert gc.get_freeze_count() > 0
    router.thaw()
    assert gc.get_freeze_count() == 0


def _drawn_quad(label: Any) -> Any:
    from kivy.graphics import Rectangle

    return next(i for i in label.canvas.children if isinstance(i, Rectangle))


def test_a_wrapping_label_draws_only_the_part_of_its_texture_its_lines_cover(ui: Any) -> None:
    tap(ui, ui.root.welcome.tiles[0])
    title = ui.root.current_screen.ids.title  # one line, centred in a box-wide texture
    ui.frames(1)
    quad = _drawn_quad(title)
    full = title.texture
    assert quad.texture is title.ink
    assert quad.size[0] < full.width / 2  # most of a box-wide texture is empty
    assert quad.size[1] == full.height
    # Every inked texel of the whole texture is inside the part drawn, where it was.
    pixels = full.pixels
    inked = [
        x
        for x in range(full.width)
        if any(pixels[(y * full.width + x) * 4 + 3] for y in range(full.height))
    ]
    assert inked
    assert title.ink_x <= min(inked)
    assert max(inked) < title.ink_x + quad.size[0]
    left_of_texture = int(title.center_x - full.width / 2.0)
    assert quad.pos[0] == left_of_texture + title.ink_x


def test_a_hidden_panel_draws_no_shape(ui: Any) -> None:
    tap(ui, ui.root.welcome.tiles[0])
    tap(ui, step_buttons(ui.root.current_screen)["cancel"])
    panel = ui.root.end.ids.number_box  # a visit cancelled has no number: hidden
    ui.frames(1)
    assert panel.opacity == 0
    shapes = [i for i in panel.canvas.before.children if hasattr(i, "size")]
    assert shapes
    assert all(tuple(s.size) == (0, 0) for s in shapes)
    panel.opacity = 1
    ui.frames(1)
    assert all(tuple(s.size) == tuple(panel.size) for s in shapes)  # shown, drawn whole


def _stencils(widget: Any) -> list[str]:
    """The stencil instructions under `widget`: each clip costs software GL two shapes as
    large as the clipped box and a stencil test on every pixel drawn inside it."""
    from kivy.graphics import StencilPush

    return [
        type(w).__name__ for w, shape in _instructions(widget) if isinstance(shape, StencilPush)
    ]


def test_the_router_clips_its_screens_with_no_stencil(ui: Any) -> None:
    # Kivy's ScreenManager clips to its box; the Router fills the window and never slides.
    ui.frames(1)
    assert _stencils(ui.root) == []


def test_a_screen_managers_stencil_would_be_found(ui: Any) -> None:
    from kivy.uix.screenmanager import ScreenManager

    assert _stencils(ScreenManager()) == ["ScreenManager"]


def test_a_compact_menus_hidden_clock_and_date_render_no_text(make_port: Any, clock: Any) -> None:
    # Two rows of tiles: the clock is in the header, the large one and the date are hidden.
    from devkit.headless import HeadlessUI

    with HeadlessUI(make_port(services=6), clock=clock) as ui:
        ui.frames(2)
        welcome = ui.root.welcome
        assert welcome.compact
        assert welcome.ids.header_clock.text == "10:00"
        assert welcome.ids.clock.text == ""
        assert welcome.ids.date.text == ""
        welcome.compact = False  # back under the header: the large clock has the time at once
        assert welcome.ids.clock.text == "10:00"
        assert welcome.ids.date.text == "2026年11月26日 星期四"
        assert welcome.ids.header_clock.text == ""


def test_a_tile_without_a_reason_line_is_plain_text_of_the_same_pixels(ui: Any, port: Any) -> None:
    from flows import Texts
    from kiosk.ui.screens.welcome import ServiceTile, tile_markup

    port.down = {"employment_registration": Texts("身份证读卡器暂停使用", "ID reader down")}
    ui.session.tick()
    greyed = ui.root.welcome.tiles[0]
    assert greyed.markup
    assert "身份证读卡器暂停使用" in greyed.text
    port.down = {}
    ui.session.tick()
    plain = ui.root.welcome.tiles[0]
    assert not plain.markup
    assert plain.text == greyed.text.split("\n[size=")[0]  # the name alone
    # The markup parser's picture of a name alone is the plain label's, pixel for pixel.
    name = "社会保险\n补贴&申领"
    made = [
        ServiceTile(text=text, markup=markup, width=210, height=163, font_size=40)
        for text, markup in ((tile_markup(name, ""), True), (name, False))
    ]
    for tile in made:
        tile.texture_update()
    assert made[0].texture.size == made[1].texture.size
    assert made[0].texture.pixels == made[1].texture.pixels


def test_the_station_name_is_fitted_only_in_its_laid_out_box(ui: Any) -> None:
    # Fitted in Kivy's default box before the first layout, it was rendered at every size
    # down to the floor for nothing: the size it keeps is its laid-out box's.
    from kiosk.ui.screens.welcome import WelcomeScreen

    menu = ui.root.welcome
    screen = WelcomeScreen(ui.session, menu._offered, "城关镇就业服务e站", now=menu._now)
    station = screen.ids.station
    made: list[tuple[float, float]] = []
    real = station.texture_update

    def texture_update(*args: object) -> None:
        made.append(tuple(station.size))
        real(*args)

    station.texture_update = texture_update
    screen.show("zh-CN")
    assert station.text == ""  # no box yet
    screen.size = (1280, 800)
    ui.frames(2)
    assert station.text == "城关镇就业服务e站"
    assert (100, 100) not in made  # Kivy's default box, before any layout
    assert made[-1] == tuple(station.size)
