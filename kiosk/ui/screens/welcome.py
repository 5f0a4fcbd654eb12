"""The service menu: station name, a large clock, one big tile per service, language switch.

Up to four services share one row under the large clock. More wrap onto a second row and
the clock moves into the header; more than two rows' worth are paged with the same big page
buttons as lists (a county's full catalog has a dozen services and more). A name is set as
large as its tile allows, the same size on a whole page; when a name does not fit four
tiles a row even at the body size (long English names), the menu has three a row, or two
(elder mode's 1.5x names, on wider tiles). Two rows of tiles share the room the screen
leaves them (`ids.room`): tiles are as tall as half of it, never taller than the grid's box.
Elder mode's names are never under 1.5x the normal body (45 px); its room (304 px on the
1280x800 panel) holds two rows of its 100 px targets, four tiles a page for the catalog's
names (docs/taps.md has the measurements).
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.label import Label

from flows import Flow
from kiosk.ports import MenuEntry
from kiosk.ui import theme
from kiosk.ui.fit_cache import FitStore, kivy_fit_key
from kiosk.ui.linebreak import balanced_lines
from kiosk.ui.session import UISession
from kiosk.ui.strings import LANGUAGE_NAMES, date_line, ui_text
from kiosk.ui.widgets import KioskScreen

KV_FILE = Path(__file__).with_suffix(".kv")
TILE_WIDTH = 380
TILE_HEIGHT = 200
TILE_HEIGHT_COMPACT = 176  # two rows and the hint under them
ROW_WIDTH = 1200  # inside the margins
PAGER_WIDTH = 200
TILE_INSET = 24  # the name's margin inside its tile, both sides together
TILE_INSET_Y = 16
ROOM_HEIGHT = 350  # the room for two rows before the screen is laid out (normal mode's)
# Names are as large as their tile allows, from the title size down to the body floor.
TILE_FONTS = (theme.TITLE, 44, 40, 36, 32, theme.SMALL)
ELDER_NAME_MIN = round(theme.BODY * theme.ELDER_TEXT)


def tile_lines(text: str, per_line: int) -> str:
    """A Chinese name broken into even lines of whole words (kiosk/ui/linebreak.py).

    Kivy fills a line and leaves the rest (职业培训报 / 名, 就业困难人 / 员认定申请); people
    read names in words (职业培训 / 报名, 就业困难人员 / 认定申请). A word longer than a line
    is left whole for `fitting_font` to shrink. Text with spaces (English) is left to Kivy's
    word wrap.
    """
    if " " in text or len(text) <= per_line or per_line < 2:
        return text
    return balanced_lines(text, per_line) or text


def tile_fonts() -> tuple[int, ...]:
    """The sizes a name may take in the mode in use (elder mode: 1.5x each)."""
    fonts = tuple(round(font * theme.style.scale) for font in TILE_FONTS)
    if not theme.style.elder:
        return fonts
    # A name is elder mode's main text: 1.5x the normal body (45 px), not 1.5x the normal
    # tile's floor (42); a name that needs less takes a wider tile instead.
    return (*fonts[:-1], max(fonts[-1], ELDER_NAME_MIN))


def tile_text(name: str, width: int) -> str:
    """A service name as set on a tile `width` wide (Chinese names in even lines)."""
    # CJK characters are square: a line holds this many at the middle size.
    return tile_lines(name, int((width - TILE_INSET) // tile_fonts()[3]))


def fitting_font(text: str, width: int, height: int) -> int | None:
    """The largest of `tile_fonts()` at which `text` fits the tile without breaking a word."""
    return _fitting_font(text, width, height, tile_fonts())


@functools.cache
def fit_store() -> FitStore:
    """The fitted sizes kept between starts in Kivy's home (kiosk/ui/fit_cache.py), keyed by
    the default font's files, Kivy and this module's code."""
    from kivy import kivy_home_dir

    from kiosk.ui import linebreak, widgets

    # This module fits the tiles' names; widgets.py's FitLabel (breaking lines as
    # linebreak.py does) the station's, in the box welcome.kv gives it.
    code = (Path(__file__), Path(widgets.__file__), Path(linebreak.__file__))
    return FitStore(Path(kivy_home_dir), kivy_fit_key((*code, Path(__file__).with_suffix(".kv"))))


@functools.cache
def _fitting_font(text: str, width: int, height: int, fonts: tuple[int, ...]) -> int | None:
    known, font = fit_store().get(text, width, height, fonts)
    if not known:
        font = _measured_font(text, width, height, fonts)
        fit_store().put(text, width, height, fonts, font)
    return font


def _measured_font(text: str, width: int, height: int, fonts: tuple[int, ...]) -> int | None:
    from kivy.core.text import Label as CoreLabel

    def size_of(part: str, font: int, wrap: float | None) -> tuple[int, int]:
        label = CoreLabel(text=part, font_size=font, bold=True, halign="center",
                          text_size=(wrap, None))  # fmt: skip
        label.refresh()
        return label.texture.size  # type: ignore[no-any-return]

    inner_w, inner_h = width - TILE_INSET, height - TILE_INSET_Y
    for font in fonts:
        # Each word (each line of a broken Chinese name) must fit whole on a line.
        whole = all(size_of(word, font, None)[0] <= inner_w for word in text.split())
        if whole and size_of(text, font, inner_w)[1] <= inner_h:
            return font
    return None


@dataclass(frozen=True)
class MenuLayout:
    """How the menu sets its tiles: columns, tiles a page, the size of one."""

    cols: int
    per_page: int
    width: int
    height: int

    @property
    def rows(self) -> int:
        """Rows of tiles on a full page."""
        return math.ceil(self.per_page / self.cols)


def menu_layout(
    names: Sequence[str], fits: Callable[[str, int, int], bool], room: int = ROOM_HEIGHT
) -> MenuLayout:
    """Four tiles a row (fewer for fewer services), two rows a page in `room` px of height;
    fewer, wider columns when a name does not fit (`fits(text, width, height)`) even at the
    smallest size."""
    count = max(1, len(names))
    # Elder mode's names are 1.5x: its tiles may be as much wider, when fewer to a row.
    widest = round(TILE_WIDTH * theme.style.scale)
    two_rows = max(theme.style.touch_min, (room - theme.SPACING) // 2)
    for cols in range(min(theme.MAX_PER_ROW, count), 0, -1):
        paged = count > 2 * cols
        space = ROW_WIDTH - (PAGER_WIDTH + theme.PADDING if paged else 0)
        width = min(widest, (space - (cols - 1) * theme.PADDING) // cols)
        height = min(TILE_HEIGHT_COMPACT, two_rows) if count > cols else min(TILE_HEIGHT, room)
        if cols == 1 or all(fits(tile_text(name, width), width, height) for name in names):
            return MenuLayout(cols, min(count, 2 * cols), width, height)
    raise AssertionError("one column always fits")  # the loop ends at cols == 1


class ServiceTile(ButtonBehavior, Label):
    """A big card that starts a service; greyed, with the reason, when it cannot."""

    flow_id = StringProperty("")
    available = BooleanProperty(True)
    # Under the name: why it cannot be served, or how it is served today.
    reason = StringProperty("")


def tile_markup(name: str, reason: str) -> str:
    """The tile's text: the name, and under it in smaller type the reason or note."""
    name = name.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
    if not reason:
        return name
    reason = reason.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")
    return f"{name}\n[size={theme.SMALL}]{reason}[/size]"


class LanguageButton(ToggleButtonBehavior, Label):
    """One side of the language switch."""

    lang = StringProperty("")


def _menu_key(entries: Sequence[MenuEntry]) -> list[tuple[object, ...]]:
    """What the menu shows of its entries: a change in it lays the tiles out again."""
    return [(e.flow.id, e.available, e.reason, e.note) for e in entries]


class WelcomeScreen(KioskScreen):
    """Shows the services on offer; a tap on a tile starts a visit.

    `now` is the station's time (KioskPort.now): the process's own time zone may be UTC.
    """

    # More than one row of tiles: the large clock gives way to a small one in the header.
    compact = BooleanProperty(False)
    page_height = NumericProperty(2 * TILE_HEIGHT_COMPACT)  # a full page of tiles

    def __init__(
        self,
        session: UISession,
        menu: Callable[[], Sequence[MenuEntry]],
        station_name: str,
        *,
        now: Callable[[], dt.datetime],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.session = session
        # The services on offer change with the devices and the hour (KioskPort.menu):
        # asked again every second, so the menu never offers what the kiosk cannot do,
        # and says why a service it cannot do now is greyed.
        self._offered = menu
        self.entries = list(menu())
        self.station_name = station_name
        self._now = now
        self._lang = session.lang
        self.tiles: list[ServiceTile] = []
        self.language_buttons: list[LanguageButton] = []
        for lang, name in LANGUAGE_NAMES.items():
            button = LanguageButton(text=name, lang=lang, group="language")
            button.bind(on_release=lambda b: self.session.set_lang(b.lang))
            self.language_buttons.append(button)
            self.ids.languages.add_widget(button)
        for elder in (self.ids.elder, self.ids.elder_tile):
            elder.bind(on_release=lambda _b: self.session.toggle_elder())
        self.layout = MenuLayout(1, 1, TILE_WIDTH, TILE_HEIGHT)
        self._laid_for: tuple[object, ...] | None = None  # what the tiles were made from
        self.page = 0
        self.ids.pager.on_page = self.turn
        self.ids.help.bind(on_release=lambda _b: self.session.ask_help())
        # The tiles' room is known once the screen is laid out, and changes with the mode
        # (elder mode's header and hint are taller): the tiles follow it.
        self._room_changed = Clock.create_trigger(self._follow_room)
        self.ids.room.bind(height=self._room_changed)
        self.ids.station.bind(size=self._name_station)

    def _name_station(self, *_args: object) -> None:
        """The station's name, once the header has given its label a box."""
        station = self.ids.station
        # Before the first layout the label has Kivy's default box, then none: the name
        # fitted there (every size from 40 px down to the floor, a texture each) is thrown
        # away, 3.4 ms of the first frame. Its size in the laid-out box is the same either way.
        if list(station.size) == [100, 100] or station.width <= 0 or station.height <= 0:
            return
        if station.text == self.station_name:
            return  # named: every show of the menu comes here, the name is fitted once
        station.unbind(size=self._name_station)
        # The size the name fitted at in a box this size, kept from an earlier start: the
        # label renders it once instead of at every size from 40 px down to it.
        fitted = (self.station_name, int(station.width), int(station.height), station.sizes())
        known, font = fit_store().get(*fitted)
        if known and font is not None:
            station.max_font = font
        station.text = self.station_name
        if not known and float(station.font_size).is_integer():
            fit_store().put(*fitted, int(station.font_size))
            fit_store().save()

    def _room(self) -> int:
        room = self.ids.room
        # Kivy's default size until the first layout: not the room yet.
        return ROOM_HEIGHT if list(room.size) == [100, 100] else int(room.height)

    def _follow_room(self, *_args: object) -> None:
        names = [flow.title.get(self._lang) for flow in self.catalog]
        if self._menu_layout(names) != self.layout:
            self._lay_out(page=self.page)

    def _menu_layout(self, names: Sequence[str]) -> MenuLayout:
        return menu_layout(names, lambda t, w, h: fitting_font(t, w, h) is not None, self._room())

    @property
    def catalog(self) -> list[Flow]:
        """The services on the menu, greyed ones included, in menu order."""
        return [entry.flow for entry in self.entries]

    @property
    def pages(self) -> int:
        """Pages of service tiles."""
        return max(1, math.ceil(len(self.catalog) / self.layout.per_page))

    def show(self, lang: str) -> None:
        """Fill in the menu in `lang`, from its first page."""
        self._name_station()
        self.ids.choose.text = ui_text("choose_service", lang)
        self.ids.hint.text = ui_text("tap_hint", lang)
        self.ids.help.text = ui_text("help", lang)
        self.ids.elder.text = ui_text("elder_on", lang)
        self.ids.elder_tile.text = ui_text("elder_tile", lang)
        for button in self.language_buttons:
            button.state = "down" if button.lang == lang else "normal"
        self._lang = lang
        self.entries = list(self._offered())
        # Back on an unchanged menu (most returns to it), its tiles stay as they were: laying
        # them out makes every name's CJK texture again, most of a tap back to the menu.
        if self._laid_for == self._laying():
            if self.page != 0:
                self.page = 0
                self._fill_page()
        else:
            self._lay_out(page=0)
        self.refresh()

    def _laying(self) -> tuple[object, ...]:
        """All the tiles are made from: a change in it lays them out again."""
        style = theme.style
        return (self._lang, style.elder, style.scale, self._room(), _menu_key(self.entries))

    def restyle(self) -> None:
        """Lay the tiles out again for the sizes of the mode now in use, on the same page."""
        self._lay_out(page=self.page)
        self.refresh()

    def _lay_out(self, page: int) -> None:
        names = [flow.title.get(self._lang) for flow in self.catalog]
        self.layout = self._menu_layout(names)
        self.ids.tiles.cols = self.layout.cols
        # Elder mode's large clock and date left one row of 1.5x names too little room:
        # there the clock is in the header whatever the number of services.
        self.compact = self.layout.rows > 1 or bool(theme.style.elder)
        rows = self.layout.rows
        self.page_height = rows * self.layout.height + (rows - 1) * theme.SPACING
        self.page = max(0, min(page, self.pages - 1))
        self._fill_page()
        self._laid_for = self._laying()
        fit_store().save()  # sizes measured for this menu, for the next start

    def turn(self, step: int) -> None:
        """Show the next (+1) or the previous (-1) page of services."""
        page = max(0, min(self.pages - 1, self.page + step))
        if page != self.page:
            self.page = page
            self._fill_page()

    def _fill_page(self) -> None:
        lang, layout = self._lang, self.layout
        grid = self.ids.tiles
        grid.clear_widgets()
        self.tiles = []
        start = self.page * layout.per_page
        shown = self.entries[start : start + layout.per_page]
        texts = [tile_text(entry.flow.title.get(lang), layout.width) for entry in shown]
        # One size for the whole page: names of mixed sizes look like mixed importance.
        fonts = [fitting_font(text, layout.width, layout.height) for text in texts]
        font = min((f or tile_fonts()[-1] for f in fonts), default=tile_fonts()[0])
        for entry, text in zip(shown, texts, strict=True):
            said = entry.note if entry.available else entry.reason
            reason = said.get(lang) if said is not None else ""
            if not entry.available and not reason:
                reason = ui_text("unavailable", lang)
            tile = ServiceTile(
                # A name alone is plain text: the same pixels, without the markup parser's
                # pass over it (most tiles have no reason line).
                text=tile_markup(text, reason) if reason else text,
                markup=bool(reason),
                flow_id=entry.flow.id,
                available=entry.available,
                reason=reason,
                disabled=not entry.available,
                width=layout.width,
                height=layout.height,
                font_size=font,
            )
            tile.bind(on_release=lambda t: self.session.start(t.flow_id))
            self.tiles.append(tile)
            grid.add_widget(tile)
        self.ids.pager.show(self.page, self.pages, lang)

    def refresh(self) -> None:
        """Update the clock, and the tiles when the services on offer changed."""
        offered = list(self._offered())
        if _menu_key(offered) != _menu_key(self.entries):
            self.entries = offered
            self._lay_out(page=self.page)
        self._show_time()

    def on_compact(self, *_args: object) -> None:
        """The clock moved (into the header, or back under it): the one shown has the time."""
        self._show_time()

    def _show_time(self) -> None:
        now = self._now()
        # Only the clock shown has text: a hidden one's texture (the large clock's 96 px
        # digits, the date line) would be rendered for nothing, on the first frame too.
        self.ids.clock.text = "" if self.compact else f"{now:%H:%M}"
        self.ids.header_clock.text = f"{now:%H:%M}" if self.compact else ""
        self.ids.date.text = "" if self.compact else date_line(now, self._lang)
