"""Chinese is drawn as Chinese, not as identical empty boxes, on the headless window."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

pytestmark = pytest.mark.kivy

# Distinct characters from the screens; a font without CJK draws the same box for each.
CHARS = "就业登记身份证"
SIZE = 64


def _kivy_glyph(char: str, font_name: str | None) -> np.ndarray:
    """Ink (alpha) of one character drawn by Kivy's text provider.

    Label textures hold their rows top first (Kivy flips them with texture coordinates).
    """
    from kivy.core.text import Label as CoreLabel

    options: dict[str, Any] = {"text": char, "font_size": SIZE}
    if font_name is not None:
        options["font_name"] = font_name
    label = CoreLabel(**options)
    label.refresh()
    texture = label.texture
    rgba = np.frombuffer(texture.pixels, dtype=np.uint8).reshape(texture.height, texture.width, 4)
    return rgba[:, :, 3].astype(np.float32) / 255


def _pillow_glyph(char: str, font_path: Path) -> np.ndarray:
    """The same character drawn by Pillow (FreeType) from the same font file."""
    font = ImageFont.truetype(str(font_path), SIZE)
    image = Image.new("L", (SIZE * 2, SIZE * 2), 0)
    ImageDraw.Draw(image).text((SIZE // 2, SIZE // 2), char, font=font, fill=255)
    return np.asarray(image, dtype=np.float32) / 255


def _shape(ink: np.ndarray, side: int = 32) -> np.ndarray:
    """The inked part cropped and scaled to a square, as booleans: position-free shape."""
    rows = np.flatnonzero(ink.max(axis=1) > 0.5)
    cols = np.flatnonzero(ink.max(axis=0) > 0.5)
    assert rows.size, "nothing was drawn"
    assert cols.size, "nothing was drawn"
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    image = Image.fromarray((crop * 255).astype(np.uint8)).resize((side, side), Image.BILINEAR)
    return np.asarray(image) > 100


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_cjk_text_is_drawn_with_real_glyphs(ui: Any, shots: Path) -> None:
    import kivy

    from kiosk.ui.kivy_setup import find_cjk_font

    roboto = os.path.join(kivy.kivy_data_dir, "fonts", "Roboto-Regular.ttf")
    default = [_shape(_kivy_glyph(c, None)) for c in CHARS]  # what every widget uses
    boxes = [_shape(_kivy_glyph(c, roboto)) for c in CHARS]
    reference = [_shape(_pillow_glyph(c, find_cjk_font())) for c in CHARS]

    # The control: Kivy's own Roboto has no Han glyphs and draws one box for all of them.
    assert all(_iou(boxes[0], box) > 0.95 for box in boxes[1:])
    for i, char in enumerate(CHARS):
        # Distinct characters give distinct bitmaps, none of them the box...
        assert _iou(default[i], boxes[i]) < 0.5, f"{char} looks like a missing-glyph box"
        others = [_iou(default[i], default[j]) for j in range(len(CHARS)) if j != i]
        assert max(others) < 0.7, f"{char} is drawn like another character"
        # ...and each is the character itself: it matches Pillow's rendering of that
        # character from the font file better than any other character's.
        match = _iou(default[i], reference[i])
        assert match > 0.6, f"{char} does not match the font's glyph (IoU {match:.2f})"
        assert match > max(_iou(default[i], reference[j]) for j in range(len(CHARS)) if j != i)

    path = ui.screenshot(shots / "welcome.png")
    screen = np.asarray(Image.open(path).convert("L"))
    assert screen.shape == (800, 1280)
    assert (screen < 100).mean() > 0.01  # dark text is on the page


def test_the_chinese_font_is_registered_even_when_kivys_window_was_imported_first(
    port: Any, clock: Any
) -> None:
    # A module that imports TextInput at its top creates Kivy's window before any
    # HeadlessUI: the font used to be registered only with the window, so a test run first
    # in its process drew Chinese as boxes (and measured it as narrow as boxes).
    import kivy
    import kivy.uix.textinput  # noqa: F401  (creates the window, as layout_check did)
    from kivy.core.text import DEFAULT_FONT, LabelBase

    from devkit.headless import HeadlessUI
    from kiosk.ui.kivy_setup import find_cjk_font

    roboto = os.path.join(kivy.kivy_data_dir, "fonts", "Roboto-Regular.ttf")
    LabelBase.register(DEFAULT_FONT, fn_regular=roboto)  # as Kivy left it
    with HeadlessUI(port, clock=clock):
        assert LabelBase._fonts[DEFAULT_FONT][0] == str(find_cjk_font())


def test_every_character_the_screens_write_is_a_glyph_of_the_cjk_font() -> None:
    # The confirm step's declarations began with "•", which the font has not: an empty box
    # before each, in both languages. Every character of the words (kiosk/messages.yaml, the
    # catalog) and of the touchscreen's own code must be one the font draws.
    import dataclasses

    from flows import Texts, load_builtin_catalog
    from kiosk import messages
    from kiosk.ui.kivy_setup import find_cjk_font

    font = ImageFont.truetype(str(find_cjk_font()), SIZE)

    def drawn(char: str) -> tuple[object, ...]:
        mask = font.getmask(char)
        return mask.size, mask.getbbox()

    box = drawn("\U0010fffd")  # a code point no font has: the font's missing-glyph box
    chars: set[str] = set()
    for words in messages.catalog().values():
        chars |= {*words.zh, *words.en}

    def words_of(value: object) -> None:
        if isinstance(value, Texts):
            chars.update(value.zh + value.en)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                words_of(getattr(value, f.name))
        elif isinstance(value, tuple | list | frozenset | set):
            for item in value:
                words_of(item)
        elif isinstance(value, dict):
            for item in value.values():
                words_of(item)

    words_of(load_builtin_catalog())
    ui = Path(__file__).parents[3] / "kiosk" / "ui"
    for source in [*ui.rglob("*.py"), *ui.rglob("*.kv")]:
        chars |= {c for c in source.read_text(encoding="utf-8") if ord(c) > 127}
    assert len(chars) > 500  # the check reads the screens' words (it can fail)
    assert drawn("•") == box  # the mark that was a box (the comparison can fail)
    assert sorted(c for c in chars if not c.isspace() and drawn(c) == box) == []
