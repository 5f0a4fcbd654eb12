"""The four modes a citizen can choose (language x elder mode) and switching a running UI to
one: the layout defect tests (test_layout_*.py) check each screen in every mode.
"""

from __future__ import annotations

from typing import Any

MODES = [("zh-CN", False), ("en", False), ("zh-CN", True), ("en", True)]


def set_mode(ui: Any, lang: str, elder: bool) -> None:
    """Switch the headless UI's session to `lang` and elder mode or not, and draw a frame."""
    ui.session.set_lang(lang)
    ui.session.set_elder(elder)
    ui.frames(1)
