"""Kivy set-up that must happen before Kivy reads its environment or creates the window.

This module imports nothing from Kivy at import time: `import kivy` parses sys.argv and reads
KIVY_* variables once, so `configure_kivy` has to run first. `kiosk.ui.app.run_kiosk_app` calls
`configure_kivy(...)`, then `register_cjk_font()`, then runs the App.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

# Debian/Ubuntu paths, best first. WenQuanYi Zen Hei's first face is Simplified Chinese; the
# Noto CJK collections open on their Japanese face (Kivy cannot pick a face index), which
# still draws every Han character, only a few with Japanese shapes, so they come last.
CJK_FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)


class CJKFontMissing(RuntimeError):
    """No font that draws Chinese was found; the kiosk would show empty boxes."""


def configure_kivy(
    fullscreen: bool,
    size: tuple[int, int] = (1280, 800),
    kivy_home: str | os.PathLike[str] | None = None,
    *,
    maxfps: int = 60,
) -> None:
    """Set Kivy's environment and Config; call before the window exists."""
    # Our own CLIs own sys.argv; Kivy must not parse it. (kiosk/ui/__init__.py sets the
    # same defaults for code that imports a kiosk.ui module first.)
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_CLIPBOARD", "dummy")
    if kivy_home is not None:
        if "kivy" in sys.modules:
            log.warning("configure_kivy: kivy already imported; kivy_home ignored")
        os.environ["KIVY_HOME"] = str(kivy_home)
    if "kivy.core.window" in sys.modules:
        log.warning("configure_kivy called after the window was created; size ignored")
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "maxfps", str(maxfps))
    # No multisampled framebuffer (Kivy's default is 2 samples): with software GL it is 30 MB
    # of the kiosk's 300 MB and a resolve on every frame, for smoother edges of shapes only
    # (text is antialiased in its own texture). bench/bench_kiosk_ui.py, docs/touchscreen.md.
    Config.set("graphics", "multisamples", "0")
    # A kiosk (fullscreen): Escape must not close the app, no pointer drawn over the screens,
    # no screensaver blanking a 24-hour service (night dimming is ours to do). A windowed
    # development run keeps Escape and the pointer.
    Config.set("kivy", "exit_on_escape", "0" if fullscreen else "1")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    Config.set("graphics", "allow_screensaver", "0" if fullscreen else "1")
    # No multitouch emulation at all: a right click (a mouse left attached by a technician)
    # must not leave the red dots that confuse people.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    # The kiosk draws its own keyboard (kiosk/ui/keyboard.py): a focused box asks Kivy for
    # the system keyboard only, never for Kivy's VKeyboard, which has no Chinese.
    Config.set("kivy", "keyboard_mode", "system")


class NoClipboard:
    """Kivy's clipboard, replaced: it keeps nothing a citizen typed and pastes nothing."""

    def copy(self, data: str = "") -> None:
        """Forget `data`."""

    def paste(self) -> str:
        """Nothing."""
        return ""

    def get(self, mimetype: str = "text/plain") -> str:
        """Nothing."""
        return ""

    def put(self, data: object, mimetype: str = "text/plain") -> None:
        """Forget `data`."""

    def get_types(self) -> list[str]:
        """No types."""
        return []


def disable_clipboard() -> None:
    """Give Kivy's text boxes a clipboard that keeps nothing, before the first box is made.

    A TextInput made on Linux imports kivy.core.clipboard, which looks for xclip and xsel
    for an X cut buffer even with KIVY_CLIPBOARD=dummy and logs a CRITICAL traceback for
    each tool missing (a kiosk image has neither). Copying what a citizen typed anywhere
    would leak it anyway. Imports kivy.uix.textinput: call once the window may exist.
    """
    import kivy.uix.textinput as textinput

    textinput.Clipboard = NoClipboard()
    textinput.CutBuffer = None


def find_cjk_font(path: str | os.PathLike[str] | None = None) -> Path:
    """The CJK font to use: `path` if given, else the first installed candidate."""
    candidates = [str(path)] if path is not None else list(CJK_FONT_CANDIDATES)
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    raise CJKFontMissing(
        "No Chinese font found, the screens would show empty boxes. Install fonts-wqy-zenhei "
        "or fonts-noto-cjk, or pass a font path. Looked at: " + ", ".join(candidates)
    )


def register_cjk_font(path: str | os.PathLike[str] | None = None) -> Path:
    """Make a CJK font Kivy's default font, so every Label and TextInput draws Chinese."""
    font = find_cjk_font(path)
    from kivy.core.text import DEFAULT_FONT, LabelBase

    # Widgets name DEFAULT_FONT ("Roboto") unless told otherwise; re-registering that name
    # is what reaches TextInput, Button and the kv rules alike. Bold uses the same file
    # (the renderer emboldens it).
    LabelBase.register(DEFAULT_FONT, fn_regular=str(font))
    return font
