"""Shared widgets: big buttons, wrapping labels, a keypad, page buttons and chips for lists
(styles: widgets.kv; the form's text box is kiosk/ui/field_input.py)."""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.graphics import ClearBuffers, ClearColor
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from kiosk.ui import theme
from kiosk.ui.linebreak import break_lines
from kiosk.ui.strings import ui_text

if TYPE_CHECKING:
    # The form's text box lives apart (kiosk/ui/field_input.py): Kivy's TextInput is not
    # loaded before the menu, which types nothing.
    from kiosk.ui.field_input import FieldInput

KV_FILE = Path(__file__).with_suffix(".kv")
KEY_WIDTH = 130
KEY_HEIGHT = 92

# Events whose buttons carry the accent colour; the others (cancel, back) are outlined.
PRIMARY_EVENTS = frozenset(
    {"ok", "next", "submit", "confirm", "retry", "finish", "sign_up"}
    # Ways on offered side by side (with an ID or without; see the jobs now or finish).
    | {"personalised", "browse", "view_jobs"}
)


class KioskScreen(Screen):
    """A full-screen page on the kiosk background; `clear` forgets everything shown."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The background is a clear of the frame, not a rectangle drawn over the window's
        # own clear: with software GL (llvmpipe) a blended full-screen rectangle costs
        # 6-8 ms of every frame and a clear almost nothing (docs/touchscreen.md, "Tap to
        # the next screen"). A screen always fills the window, or the FBO a screenshot
        # renders it into, so clearing the whole target paints exactly its box.
        self.canvas.before.insert(0, ClearBuffers(clear_color=True))
        self.canvas.before.insert(0, ClearColor(*theme.BACKGROUND))

    def clear(self) -> None:
        """Remove every text this screen holds about a visit."""


class WordWrap:
    """Chinese text wraps between words (kiosk/ui/linebreak.py), not wherever a character
    reaches the edge as Kivy's own wrap does (浏 / 览); `text` keeps what was set, unbroken.

    Mixed into every label that wraps: body text, the header's service name, choices.

    `ink` is the part of the texture the lines cover: a label wrapped to its box renders a
    texture as wide as the box, and software GL samples every texel of the quad drawn, the
    empty ones too (a one-line title in a 1,120 px box is three quarters empty). The rules
    of widgets.kv draw `ink` at the place the whole texture would be: the same pixels.
    """

    ink = ObjectProperty(None, allownone=True)  # a region of `texture`, or all of it
    ink_x = NumericProperty(0)  # where `ink` starts in the texture, in pixels

    def texture_update(self: Any, *largs: object) -> None:
        """Break the lines between words, then draw as Kivy does; then find the ink."""
        width = self.text_size[0]
        if width and self.text and any(ord(ch) > 0x2E7F for ch in self.text):
            core = self._label
            core.resolve_font_name()  # the font measured must be the one drawn
            room = width - self.padding[0] - self.padding[2] - 1
            core.text = break_lines(self.text, lambda line: core.get_extents(line)[0] <= room)
        super().texture_update(*largs)  # type: ignore[misc]  # a mixin: Label is next in the MRO
        self.ink_x, self.ink = ink_of(self)


# Pixels kept either side of the lines: Kivy rounds a centred line's place to a pixel.
INK_MARGIN = 2


def ink_of(label: Any) -> tuple[int, Any]:
    """(x, region) of `label`'s texture its lines cover (kiosk/ui/widgets.py `WordWrap`)."""
    texture = label.texture
    if texture is None:
        return 0, None
    full = texture.width
    inked = int(label._label._internal_size[0]) + 2 * INK_MARGIN  # the lines and padding
    if label.markup or inked >= full or label.halign not in ("left", "center", "right"):
        return 0, texture
    if label.halign == "left":
        x = 0
    elif label.halign == "right":
        x = full - inked
    else:
        x = (full - inked) // 2
    return x, texture.get_region(x, 0, inked, texture.height)


class WrapLabel(WordWrap, Label):
    """A plain label (no class rule of ours) that wraps Chinese between words."""


class TextLabel(WordWrap, Label):
    """Body text that wraps to its width and is as tall as its lines.

    Chinese text wraps between words (kiosk/ui/linebreak.py), not wherever a character
    reaches the edge as Kivy's own wrap does; `text` keeps what was set, unbroken.

    `collapse`: no room at all while empty (a line shown only at times). Said here, not by a
    screen's own `height:` rule: two rules on one property both follow the style, and the
    class rule's one-line floor won back the room of empty lines after a switch of mode.
    """

    collapse = BooleanProperty(False)


class FitLabel(WordWrap, Label):
    """A label in a fixed box (the step header) whose text shrinks until it fits.

    `font_size` is `max_font` when the text fits, else the largest size down to `min_font`
    (the floor, theme.SMALL) at which its wrapped lines fit the box: the service name of
    elder mode's 1.5x header on a narrow strip beside the header buttons.
    """

    max_font = NumericProperty(30)
    min_font = NumericProperty(28)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.bind(size=self._fit, text=self._fit, max_font=self._fit, min_font=self._fit)

    def sizes(self) -> tuple[float, ...]:
        """The font sizes the text is tried at, largest first: `max_font` down to
        `min_font` in steps of 2."""
        tried = [self.max_font]
        while tried[-1] > self.min_font:
            tried.append(max(self.min_font, tried[-1] - 2))
        return tuple(tried)

    def _fit(self, *_: object) -> None:
        for size in self.sizes():
            self.font_size = size
            self.texture_update()
            wide, high = self.texture_size
            if wide <= self.width + 1 and high <= self.height + 1:
                break
        # The texture is made from every property set so far: the update Kivy queued for the
        # next frame when they were set would measure and break the same text again (the
        # header's service name on every tap that opens a service).
        self._trigger_texture.cancel()


class TitleLabel(TextLabel):
    """A step or page title."""


class BigButton(ButtonBehavior, Label):
    """A large, flat, rounded button; `primary` ones are filled with the accent colour."""

    primary = BooleanProperty(False)
    event = StringProperty("")
    min_width = NumericProperty(240)
    pad_x = NumericProperty(64)  # room either side of the label


class ChoiceButton(WordWrap, ToggleButtonBehavior, Label):
    """One option of a choice field, kept selected once tapped."""

    value = StringProperty("")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        # A choice can be changed but not un-chosen by tapping it again: elderly users
        # double-tap, and an empty choice would only produce an error later.
        self.allow_no_selection = False


class Keypad(GridLayout):
    """A large on-screen number pad that types into `target`."""

    target = ObjectProperty(None, allownone=True)
    extra_key = StringProperty("")  # "X" for ID numbers, "-" for dates, "" for none
    delete_label = StringProperty("删除")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.on_key: Callable[[], None] | None = None
        self._targeted: FieldInput | None = None
        self._extra = self._key("")
        self._delete = self._key("del", self.delete_label)
        for key in "123456789":
            self._add(self._key(key))
        self._add(self._extra)
        self._add(self._key("0"))
        self._add(self._delete)
        self.on_extra_key(self, self.extra_key)
        # The class rule sets the step buttons' height again on a mode change; the keys keep
        # theirs (the grid is sized for it). `scale` is the style's last change. Kivy holds
        # a bound method weakly: the style does not keep a keypad alive.
        theme.style.bind(scale=self._key_heights)

    def _key_heights(self, *_: object) -> None:
        for key in self.children:
            key.height = KEY_HEIGHT

    @staticmethod
    def _key(event: str, text: str | None = None) -> BigButton:
        # Little padding: "Delete" at elder mode's 1.5x must stay inside its key.
        key = BigButton(
            text=event if text is None else text, event=event, min_width=KEY_WIDTH, pad_x=2
        )
        key.height = KEY_HEIGHT  # after the class rule, which sets the step buttons' height
        return key

    def _add(self, button: BigButton) -> None:
        button.bind(on_release=lambda b: self.press(b.event))
        self.add_widget(button)

    def on_extra_key(self, _keypad: Keypad, key: str) -> None:
        """Show the extra key only where it can be typed."""
        if not self.children:
            return  # set during construction; __init__ applies it once the keys exist
        self._extra.text = key
        self._extra.event = key
        self._extra.disabled = not key
        self._extra.opacity = 1 if key else 0

    def on_target(self, _keypad: Keypad, box: FieldInput | None) -> None:
        """Outline the box the keys now type into, and only that one."""
        if self._targeted is not None:
            self._targeted.targeted = False
        self._targeted = box
        if box is not None:
            box.targeted = True

    def on_delete_label(self, _keypad: Keypad, label: str) -> None:
        """Relabel the delete key for the language in use."""
        if self.children:
            self._delete.text = label

    def press(self, key: str) -> None:
        """Type `key` ("del" deletes one character) into the target box."""
        box = self.target
        if box is None or not key:
            return
        if key == "del":
            box.text = box.text[:-1]
        else:
            box.insert_text(key)
        if self.on_key is not None:
            self.on_key()


class PageButton(BigButton):
    """A large previous- or next-page button with a drawn arrow (`direction`: up or down)."""

    direction = StringProperty("down")


class Pager(BoxLayout):
    """Page up and down buttons with "page n of total" between them, for long lists.

    Large buttons instead of a scroll bar: a thin bar is hard to see and to hit, and a
    swipe is not what people new to touchscreens try. Hidden when all fits on one page
    (`shown` False: a layout may then give its room to the content).
    """

    shown = BooleanProperty(False)

    def __init__(self, **kwargs: object) -> None:
        self.on_page: Callable[[int], None] | None = None  # called with -1 or +1
        super().__init__(**kwargs)

    def on_kv_post(self, _base_widget: object) -> None:
        """Wire the buttons once the rule made them (inside a screen's rule, after __init__)."""
        self.ids.up.bind(on_release=lambda _b: self._turn(-1))
        self.ids.down.bind(on_release=lambda _b: self._turn(1))

    def _turn(self, step: int) -> None:
        if self.on_page is not None:
            self.on_page(step)

    def show(self, page: int, pages: int, lang: str) -> None:
        """Page `page` (from 0) of `pages`; the button at an end is greyed and does nothing."""
        several = pages > 1
        self.shown = several
        self.opacity = 1 if several else 0
        self.disabled = not several
        position = ui_text("page_of", lang, n=page + 1, total=pages)
        self.ids.position.text = position if several else ""
        self.ids.up.text = ui_text("page_up", lang)
        self.ids.down.text = ui_text("page_down", lang)
        self.ids.up.disabled = not several or page <= 0
        self.ids.down.disabled = not several or page >= pages - 1

    def clear(self) -> None:
        """Forget the labels; hidden until shown again."""
        for key in ("up", "down", "position"):
            self.ids[key].text = ""
        self.shown = False
        self.opacity = 0
        self.disabled = True


class LabelledRow(BoxLayout):
    """A label and its value side by side; the label level with the value's first line.

    (Two cells of a grid would centre a one-line label beside a value of two lines.)
    """

    label = StringProperty("")
    value = StringProperty("")
    label_width = NumericProperty(360)
    label_size = NumericProperty(32)
    value_size = NumericProperty(34)
    # The label over the value (elder mode's detail: a value beside a label column wrapped
    # to rows taller than the page).
    stacked = BooleanProperty(False)


class Chip(Label):
    """A short label on a coloured ground: a status, "可能符合", "已满".

    `tone`: accent (filled), plain (light accent ground) or muted (what cannot be chosen).
    """

    tone = StringProperty("plain")


class Spacer(Widget):
    """Empty room that takes what is left in a box layout."""


class ElderButton(ButtonBehavior, Label):
    """Elder mode (长辈模式) on or off: filled while it is on; on the header of every screen."""


class StepHeader(BoxLayout):
    """The band across the top of a step: service name, time warning, step number."""


class ButtonRow(BoxLayout):
    """A row of step buttons: cancel and back on the left, the way forward on the right."""


def clear_labels(box: Widget) -> None:
    """Empty the text of every label in `box`, then drop them all."""
    for widget in box.walk(restrict=True):
        if hasattr(widget, "text"):
            widget.text = ""
    box.clear_widgets()


def fill_button_row(
    row: BoxLayout, events: list[str], label: Callable[[str], str], on_press: Callable[[str], None]
) -> list[BigButton]:
    """Replace `row`'s buttons with one per event, secondary ones first, primary last.

    A row that holds these buttons with these labels for this `on_press` already keeps them:
    a step screen that kept its texts between visits (`KeptTexts`) shows the same row
    again, and new buttons would render and upload their labels again on the tap.
    """
    secondary = [e for e in events if e not in PRIMARY_EVENTS]
    primary = [e for e in events if e in PRIMARY_EVENTS]
    wanted = [(e, label(e), False) for e in secondary] + [(e, label(e), True) for e in primary]
    held = [child for child in reversed(row.children) if isinstance(child, BigButton)]
    if getattr(row, "pressed", None) == on_press and wanted == [
        (b.event, b.text, b.primary) for b in held
    ]:
        return held
    row.clear_widgets()
    buttons = [BigButton(text=text, event=e, primary=filled) for e, text, filled in wanted]
    for button in buttons[: len(secondary)]:
        row.add_widget(button)
    row.add_widget(Spacer())
    for button in buttons[len(secondary) :]:
        row.add_widget(button)
    for button in buttons:
        button.bind(on_release=lambda b: on_press(b.event))
    row.pressed = on_press
    return buttons


def texture_bytes(labels: Iterable[Any]) -> int:
    """Bytes of the RGBA textures `labels` hold now (what keeping their texts costs)."""
    total = 0
    for label in labels:
        texture = getattr(label, "texture", None)
        if texture is not None:
            total += texture.width * texture.height * 4
    return total


# What the step screens may keep of the catalog's texts between visits, in bytes of texture:
# a few opening steps (docs/touchscreen.md, "Tap to the next screen"). Keeping every step
# screen's texts measured 42 MB more RSS, but with the bench that left software GL's frames
# undrawn (round four): measure again before keeping more.
KEPT_TEXT_BUDGET = 3_000_000


class KeptTexts:
    """Screens that keep the catalog's texts they showed after a visit left them, least
    recently kept let go first once their textures pass `budget` bytes.

    A screen that keeps its texts renders and uploads none of them again when the next
    visit shows the same (the tap on a menu tile: docs/touchscreen.md, "Tap to the next
    screen"); only catalog texts are kept, never what a visit typed, read or was told.
    """

    def __init__(self, budget: int = KEPT_TEXT_BUDGET) -> None:
        self.budget = budget
        self._held: OrderedDict[object, tuple[int, Callable[[], None]]] = OrderedDict()

    def keep(self, owner: object, size: int, release: Callable[[], None]) -> bool:
        """`owner` keeps `size` bytes until `release` is called (by this, to make room for
        later keepers); False, and nothing held, when `size` alone is over the budget."""
        self._held.pop(owner, None)
        if size > self.budget:
            return False
        self._held[owner] = (size, release)
        while self.held_bytes > self.budget:
            _, (_, let_go) = self._held.popitem(last=False)
            let_go()
        return True

    def drop(self, owner: object) -> None:
        """`owner` shows a visit again: its texts are no longer kept ones."""
        self._held.pop(owner, None)

    def holds(self, owner: object) -> bool:
        """`owner` keeps texts now."""
        return owner in self._held

    @property
    def held_bytes(self) -> int:
        """The bytes of texture kept now."""
        return sum(size for size, _ in self._held.values())


__all__ = [
    "BigButton",
    "ButtonRow",
    "ChoiceButton",
    "Chip",
    "ElderButton",
    "FitLabel",
    "Keypad",
    "KeptTexts",
    "KioskScreen",
    "LabelledRow",
    "PageButton",
    "Pager",
    "Spacer",
    "StepHeader",
    "TextLabel",
    "TitleLabel",
    "WordWrap",
    "WrapLabel",
    "clear_labels",
    "fill_button_row",
    "texture_bytes",
]
