"""Chinese text entry without an operating-system input method: the engines, no Kivy.

`pinyin.PinyinEngine` (Debian libgooglepinyin0, the Android PinyinIME decoder) turns typed
letters into candidates, employment phrases from `phrases.yaml` first; `handwriting.
HandwritingRecognizer` (Debian libzinnia0 with the tegaki simplified-Chinese model) turns
strokes into characters. Both load their C library through ctypes, and raise
`ImeUnavailable` naming the Debian package when the library or its data file is missing.
The touchscreen's keyboard (kiosk/ui/keyboard.py) drives them.
"""

from __future__ import annotations

from kiosk.ime.errors import ImeError, ImeUnavailable

__all__ = ["ImeError", "ImeUnavailable"]
