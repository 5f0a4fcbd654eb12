"""Texts the UI itself shows (flow texts come from the flow files), zh-CN and en."""

from __future__ import annotations

import datetime as dt

from flows import Texts
from kiosk.messages import section, text

# The touchscreen's words live in the kiosk's one catalog, under `ui.` (kiosk/messages.yaml).
UI: dict[str, Texts] = section("ui")

# The tiles of the identity chooser: what to do, in a few words, and how (one line).
# Methods the UI does not know are labelled with the engine's button text and no hint.
METHOD_TILES: dict[str, tuple[Texts, Texts]] = {
    method: (title, text(f"ui.tile_hint.{method}")) for method, title in section("ui.tile").items()
}

# Card first: the chooser's prompt by the card methods a card laid on a reader picks there
# (kiosk/ui/screens/identify.py), in this order.
CARD_FIRST_ORDER = ("id_card", "social_card")
CARD_FIRST: dict[tuple[str, ...], Texts] = {
    ("id_card",): text("ui.card_first.id_card"),
    ("social_card",): text("ui.card_first.social_card"),
    ("id_card", "social_card"): text("ui.card_first.both"),
}

LANGUAGE_NAMES: dict[str, str] = {"zh-CN": "中文", "en": "English"}

_WEEKDAYS_ZH = "一二三四五六日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def ui_text(key: str, lang: str, **values: object) -> str:
    """A UI text in `lang`, filled in."""
    return UI[key].get(lang).format(**values)


def date_line(now: dt.datetime, lang: str) -> str:
    """The date under the welcome clock, e.g. 2026年11月26日 星期四."""
    if lang == "en":
        return f"{_WEEKDAYS_EN[now.weekday()]} {now:%d %b %Y}"
    return f"{now.year}年{now.month}月{now.day}日 星期{_WEEKDAYS_ZH[now.weekday()]}"
