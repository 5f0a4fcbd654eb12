"""The kiosk's own keyboard for text fields, docked under the form (styles: keyboard.kv).

Modes: 拼音 (letters to Chinese through kiosk/ime/pinyin.py, with a candidate bar that
pages), 手写 (a pad whose strokes kiosk/ime/handwriting.py reads), ABC (Latin letters, and
digits and signs behind its 123 key). Every mode has the middle dot (·) of names such as
阿依古丽·买买提. A field picked from a list (`choices_from: employers`) fills the candidate
bar with the employers matching what is typed: their name contains it, or their pinyin
initials start with the letters (szjy); typing on is the free entry.

Number fields keep the keypad beside the form (kiosk/ui/widgets.py `Keypad`). Kivy's own
VKeyboard never shows (kiosk/ui/kivy_setup.py). The engines load on first use; a mode
whose library is missing is greyed, and the others still work. `forget()` drops what a
visit typed, in the widgets and in the pinyin decoder's memory.
"""

# mypy: allow-subclassing-any
# (Kivy ships no type information, so its widget classes are Any to mypy.)

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.employers import Employer
from kiosk.ime import ImeError
from kiosk.ime.handwriting import HandwritingRecognizer  # the C library loads on first use
from kiosk.ime.pinyin import PinyinEngine
from kiosk.messages import section
from kiosk.ui import theme
from kiosk.ui.field_input import FieldInput
from kiosk.ui.key_widgets import CandidateButton, KeyButton

log = logging.getLogger(__name__)

KV_FILE = Path(__file__).with_suffix(".kv")
KB = section("ui.kb")
MODES = ("pinyin", "handwriting", "abc")
KEY = theme.TOUCH_MIN  # every key at least this wide and high
GAP = 8
MODE_WIDTH = 120
PAD_KEY_WIDTH = 160
MIDDLE_DOT = "·"
LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
SIGN_ROWS = ("1234567890", "-/.()&@#", ",'\":;")
CANDIDATES_WIDTH = 760  # the candidate bar's room for buttons, in px
MAX_EMPLOYERS = 30


def kb_text(key: str, lang: str) -> str:
    """A keyboard label in `lang`."""
    return KB[key].get(lang)


@dataclass(frozen=True)
class Candidate:
    """One entry of the candidate bar: what it shows and what a tap does."""

    text: str
    kind: str  # "pinyin" (engine index), "hand", "predict", "employer"
    index: int = 0


def pages_of(candidates: Sequence[Candidate], width: float, font: float) -> list[list[Candidate]]:
    """Split candidates into pages whose buttons fit `width` (none is ever split)."""
    pages: list[list[Candidate]] = [[]]
    used = 0.0
    for candidate in candidates:
        need = max(KEY, len(candidate.text) * font + 40) + GAP
        if pages[-1] and used + need > width:
            pages.append([])
            used = 0.0
        pages[-1].append(candidate)
        used += need
    return pages if pages[0] else []


def matching_employers(employers: Sequence[Employer], query: str) -> list[Employer]:
    """Employers for `query` (name contains it, or initials or credit code start with it)."""
    return [e for e in employers if e.matches(query)][:MAX_EMPLOYERS]


class TextKeyboard(BoxLayout):
    """The docked keyboard: candidate bar on top, keys or the handwriting pad below."""

    mode = StringProperty("pinyin")
    lang = StringProperty("zh-CN")
    target = ObjectProperty(None, allownone=True)
    shown = BooleanProperty(False)
    upper = BooleanProperty(False)  # ABC: capitals
    signs = BooleanProperty(False)  # ABC: digits and signs instead of letters

    def __init__(
        self,
        *,
        pinyin: Callable[[], PinyinEngine] | None = None,
        handwriting: Callable[[], HandwritingRecognizer] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.on_key: Callable[[], None] | None = None  # activity, for the idle timer
        self.on_hide: Callable[[], None] | None = None
        # A name taken from the list, into this box (the form may move on: elder mode).
        self.on_list_pick: Callable[[Any], None] | None = None
        self.employers: Callable[[], Sequence[Employer]] | None = None
        self.pick_list = False  # the target's field is picked from the employer list
        self._make_pinyin = pinyin or _default_pinyin
        self._make_handwriting = handwriting or _default_handwriting
        self._pinyin: PinyinEngine | None = None
        self._handwriting: HandwritingRecognizer | None = None
        self._broken: set[str] = set()  # modes whose engine could not load
        self._candidates: list[Candidate] = []
        self._pages: list[list[Candidate]] = []
        self._page = 0
        self.keys: dict[str, KeyButton] = {}  # by event: "a", "del", MIDDLE_DOT, "space" ...
        self.mode_buttons: dict[str, KeyButton] = {}
        self.candidate_buttons: list[CandidateButton] = []
        self._built = False

    def on_touch_down(self, touch: Any) -> bool:
        """Folded away, its keys (laid out past its zero height) must not take touches."""
        return bool(self.shown and super().on_touch_down(touch))

    def on_touch_move(self, touch: Any) -> bool:
        """As on_touch_down."""
        return bool(self.shown and super().on_touch_move(touch))

    def on_touch_up(self, touch: Any) -> bool:
        """As on_touch_down."""
        return bool(self.shown and super().on_touch_up(touch))

    def on_kv_post(self, _base_widget: object) -> None:
        """Make the keys once the rule made the rows (inside the form's rule, after __init__)."""
        if not self._built:
            self._built = True
            self._build()
            self.hide()

    # -- building ---------------------------------------------------------------------
    def _key(self, event: str, text: str = "", width: float = KEY) -> KeyButton:
        key = KeyButton(text=text or event, event=event, min_width=width, pad_x=0)
        key.bind(on_release=lambda b: self.press(b.event))
        return key

    def _build(self) -> None:
        self.composing = self.ids.composing
        self.ids.page_up.bind(on_release=lambda _b: self.turn(-1))
        self.ids.page_down.bind(on_release=lambda _b: self.turn(1))
        modes = self.ids.modes
        for mode in MODES:
            button = self._key(f"mode:{mode}", width=MODE_WIDTH)
            self.mode_buttons[mode] = button
            modes.add_widget(button)
        rows = self.ids.rows
        for _row in range(3):
            row = BoxLayout(spacing=GAP, size_hint_y=None, height=KEY)
            rows.add_widget(row)
        self._rows = list(reversed(rows.children))
        self.pad = self.ids.pad
        self.pad.on_stroke = self._stroke
        for event in ("del", "rewrite", MIDDLE_DOT, "space", "hide"):
            self.keys[f"hand:{event}"] = self._key(event, width=PAD_KEY_WIDTH)
            self.ids.pad_keys.add_widget(self.keys[f"hand:{event}"])
        self._lay_keys()

    def _lay_keys(self) -> None:
        """The key rows for the mode: letters (or signs in ABC), with the extra keys."""
        letters = SIGN_ROWS if self.mode == "abc" and self.signs else LETTER_ROWS
        extras: tuple[tuple[tuple[str, float], ...], ...] = (
            (("del", KEY),),
            ((MIDDLE_DOT, KEY), ("space", 1.5 * KEY)),
            (("shift" if self.mode == "abc" else "'", KEY), *(
                (("signs", 1.5 * KEY),) if self.mode == "abc" else ()
            ), ("hide", 2 * KEY)),
        )  # fmt: skip
        self.keys = {k: v for k, v in self.keys.items() if k.startswith("hand:")}
        for row, chars, extra in zip(self._rows, letters, extras, strict=True):
            row.clear_widgets()
            row.add_widget(Widget())
            if row is self._rows[2] and self.mode == "abc":
                row.add_widget(self._remember(self._key(extra[0][0], width=extra[0][1])))
                extra = extra[1:]
            for char in chars:
                row.add_widget(self._remember(self._key(char, self._face(char))))
            for event, width in extra:
                row.add_widget(self._remember(self._key(event, width=width)))
            row.add_widget(Widget())
        self.relabel()

    def _remember(self, key: KeyButton) -> KeyButton:
        self.keys[key.event] = key
        return key

    def _face(self, char: str) -> str:
        return char.upper() if self.mode == "abc" and (self.upper or self.signs) else char

    def relabel(self) -> None:
        """Labels of the word keys and modes in the session's language."""
        words = {
            "del": "delete", "space": "space", "hide": "hide", "rewrite": "rewrite",
            "signs": "abc" if self.signs else "digits",
        }  # fmt: skip
        for name, key in self.keys.items():
            event = name.removeprefix("hand:")
            if event in words:
                key.text = kb_text(words[event], self.lang)
            elif event == "shift":
                key.text = "abc" if self.upper else "ABC"
        for mode, button in self.mode_buttons.items():
            button.text = kb_text(mode, self.lang)
            button.primary = mode == self.mode
            button.disabled = mode in self._broken
        self.pad.hint = kb_text("write_here", self.lang)

    def on_lang(self, *_args: object) -> None:
        """Relabel when the session's language changes."""
        self.relabel()
        self._show_candidates()

    # -- showing ----------------------------------------------------------------------
    def show(self, box: FieldInput, *, mode: str | None = None, pick_list: bool = False) -> None:
        """Type into `box` from now on; `pick_list`: offer the employer list first."""
        if box is not self.target:
            self._clear_composition()
        self.target = box
        self.pick_list = pick_list
        if mode is not None and mode != self.mode and mode not in self._broken:
            self.set_mode(mode)
        self.shown = True
        self.opacity = 1
        self.disabled = False
        self.height = self.minimum_height
        self._refresh()

    def hide(self) -> None:
        """Fold away (its room goes back to the form)."""
        self._clear_composition()
        self.target = None
        self.shown = False
        self.opacity = 0
        self.disabled = True
        self.height = 0

    def set_mode(self, mode: str) -> None:
        """Switch to pinyin, handwriting or ABC."""
        if mode in self._broken:
            return
        self._clear_composition()
        self.mode = mode
        self.signs = False
        hand = mode == "handwriting"
        self.ids.rows.active = not hand
        self.ids.hand.active = hand
        self._lay_keys()
        self._refresh()

    # -- keys -------------------------------------------------------------------------
    def press(self, event: str) -> None:
        """What a key does: type, delete, change mode, hide."""
        if self.on_key is not None:
            self.on_key()
        if event.startswith("mode:"):
            self.set_mode(event.removeprefix("mode:"))
            return
        if event == "hide":
            if self.on_hide is not None:
                self.on_hide()
            return
        if event == "shift":
            self.upper = not self.upper
            self._lay_keys()
            return
        if event == "signs":
            self.signs = not self.signs
            self._lay_keys()
            return
        if event == "rewrite":
            self.pad.clear()
            self._refresh()
            return
        if event == "del":
            self._delete()
        elif event == "space":
            if not self._commit_composition():
                self._insert(" ")
        elif event == MIDDLE_DOT:
            self._commit_composition()
            self._insert(MIDDLE_DOT)
        elif self.mode == "pinyin" and len(event) == 1 and event in "abcdefghijklmnopqrstuvwxyz'":
            engine = self._engine()
            if engine is not None:
                engine.add(event)
        elif len(event) == 1:
            self._insert(self._face(event))
        self._refresh()

    def _delete(self) -> None:
        if self._pinyin is not None and self._pinyin.letters:
            self._pinyin.backspace()
            return
        if self.mode == "handwriting" and self.pad.strokes:
            self.pad.clear()
            return
        box = self.target
        if box is not None and box.text:
            box.text = box.text[:-1]

    def _insert(self, text: str) -> None:
        box = self.target
        if box is None:
            return
        box.cursor = (len(box.text), 0)
        box.insert_text(text)

    def _commit_composition(self) -> bool:
        """Take the best candidates for the letters typed; False when there were none."""
        engine = self._pinyin
        if engine is None or not engine.letters:
            return False
        for _ in range(64):  # one choice per syllable at most
            if not engine.candidates():
                engine.clear()
                return True
            done = engine.choose(0)
            if done is not None:
                self._insert(done)
                return True
        engine.clear()
        return True

    def _clear_composition(self) -> None:
        if self._pinyin is not None:
            self._pinyin.clear()
        self.pad.clear()
        self._candidates, self._pages, self._page = [], [], 0
        self.composing.text = ""
        self._show_candidates()

    # -- candidates -------------------------------------------------------------------
    def pick(self, candidate: Candidate) -> None:
        """A tap on the candidate bar."""
        if self.on_key is not None:
            self.on_key()
        box = self.target
        if candidate.kind == "employer" and box is not None:
            self._clear_composition()
            box.text = candidate.text
            box.cursor = (len(box.text), 0)
            # A name from the list is whole: the keyboard folds, the form gets its room back.
            if self.on_hide is not None:
                self.on_hide()
            if self.on_list_pick is not None:
                self.on_list_pick(box)
            return
        elif candidate.kind == "pinyin" and self._pinyin is not None:
            done = self._pinyin.choose(candidate.index)
            if done is not None:
                self._insert(done)
        else:  # handwriting, prediction
            self.pad.clear()
            self._insert(candidate.text)
        self._refresh(after=candidate.text if candidate.kind != "employer" else "")

    def turn(self, step: int) -> None:
        """Page the candidate bar."""
        if self.on_key is not None:
            self.on_key()
        if self._pages:
            self._page = max(0, min(len(self._pages) - 1, self._page + step))
            self._show_candidates()

    def _refresh(self, after: str = "") -> None:
        """Candidates and the composing line for what is typed now."""
        found: list[Candidate] = []
        letters = self._pinyin.letters if self._pinyin is not None else ""
        if self.mode == "pinyin" and letters:
            self.composing.text = self._pinyin.composing if self._pinyin is not None else ""
        else:
            self.composing.text = ""
        if self.pick_list and self.employers is not None and self.target is not None:
            typed = letters if self.mode == "pinyin" and letters else str(self.target.text)
            found += [
                Candidate(e.name, "employer")
                for e in matching_employers(self.employers(), typed)
                if e.name != self.target.text
            ]
        if self.mode == "pinyin" and letters and self._pinyin is not None:
            found += [Candidate(t, "pinyin", i) for i, t in enumerate(self._pinyin.candidates())]
        elif self.mode == "handwriting" and self.pad.strokes:
            recognizer = self._recognizer()
            if recognizer is not None:
                chars = recognizer.classify(self.pad.strokes, size=self.pad.side)
                found += [Candidate(c, "hand") for c in chars]
        elif self.mode == "pinyin" and after and self._pinyin is not None:
            found += [Candidate(w, "predict") for w in self._pinyin.predicts(after, limit=8)]
        self._candidates = found
        self._pages = pages_of(found, CANDIDATES_WIDTH, theme.BODY)
        self._page = 0
        self._show_candidates()

    def _show_candidates(self) -> None:
        bar = self.ids.candidates
        bar.clear_widgets()
        self.candidate_buttons = []
        page = self._pages[self._page] if self._pages else []
        for candidate in page:
            button = CandidateButton(
                text=candidate.text, kind=candidate.kind, primary=candidate.kind == "employer"
            )
            button.bind(on_release=lambda _b, c=candidate: self.pick(c))
            self.candidate_buttons.append(button)
            bar.add_widget(button)
        several = len(self._pages) > 1
        for name, disabled in (
            ("page_up", self._page == 0),
            ("page_down", self._page >= len(self._pages) - 1),
        ):
            self.ids[name].opacity = 1 if several else 0
            self.ids[name].disabled = not several or disabled
        if not page and self.pick_list and self.mode != "handwriting":
            self.ids.note.text = kb_text("pick_employer", self.lang)
        elif self.mode in self._broken:
            self.ids.note.text = kb_text("unavailable", self.lang)
        else:
            self.ids.note.text = ""

    def _stroke(self) -> None:
        if self.on_key is not None:
            self.on_key()
        self._refresh()

    # -- engines ----------------------------------------------------------------------
    def _engine(self) -> PinyinEngine | None:
        if self._pinyin is None and "pinyin" not in self._broken:
            try:
                self._pinyin = self._make_pinyin()
            except (ImeError, OSError) as err:
                log.error("pinyin input unavailable error=%s", err)
                self._broken.add("pinyin")
                self.relabel()
        return self._pinyin

    def _recognizer(self) -> HandwritingRecognizer | None:
        if self._handwriting is None and "handwriting" not in self._broken:
            try:
                self._handwriting = self._make_handwriting()
            except (ImeError, OSError) as err:
                log.error("handwriting input unavailable error=%s", err)
                self._broken.add("handwriting")
                self.relabel()
        return self._handwriting

    def forget(self) -> None:
        """A visit ended: drop its composition, ink and candidates, and the decoder's memory."""
        self.hide()
        if self._pinyin is not None:
            self._pinyin.forget()


def _default_pinyin() -> PinyinEngine:
    return PinyinEngine()


def _default_handwriting() -> HandwritingRecognizer:
    return HandwritingRecognizer()


class KeyboardNote(Label):
    """A line over the candidate bar: how to pick, or that a mode is unavailable."""


__all__ = [
    "MIDDLE_DOT",
    "Candidate",
    "TextKeyboard",
    "matching_employers",
    "pages_of",
]
