"""A controller's content for the kiosk's kept copy: a few jobs and employers, what each
filter lists, and a refresh of them into a store (tests/kiosk/test_content_*.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from kiosk.content_refresh import ContentRefresher
from kiosk.content_store import ContentStore
from kiosk.controller_client import ControllerUnreachable

NOON = dt.datetime(2026, 5, 1, 4, 0, tzinfo=dt.UTC)  # 12:00 in Beijing

JOBS = [
    {"id": "J1", "title": {"zh-CN": "保洁员", "en": "Cleaner"}, "summary": "城区"},
    {"id": "J2", "title": {"zh-CN": "叉车司机", "en": "Forklift driver"}, "summary": "壶镇"},
    {"id": "J3", "title": {"zh-CN": "酒店客房保洁", "en": "Room attendant"}, "summary": "城区"},
]
# What the controller lists for each filter (its own rules, here written out).
BY_FILTER: dict[tuple[str, str], set[str]] = {
    ("area", "chengqu"): {"J1", "J3"},
    ("area", "huzhen"): {"J2"},
    ("industry", "hospitality"): {"J3"},
    ("industry", "logistics"): {"J2"},
}
EMPLOYERS = [
    {"id": "E1", "name": "缙云示例家政服务有限公司", "credit_code": "91331122MA2A0B1C2D",
     "region_code": "331122", "initials": "jysljzfwyxgs"},
]  # fmt: skip


class FakeController:
    """Answers content fetches from the tables above, or refuses them all when `down`."""

    def __init__(self) -> None:
        self.down = False

    def fetch(self, source: str, filters: Mapping[str, str]) -> Sequence[Mapping[str, Any]]:
        if self.down:
            raise ControllerUnreachable("connection refused")
        items = {"jobs": JOBS, "employers": EMPLOYERS}.get(source, [])
        return [i for i in items if all(i["id"] in BY_FILTER[p] for p in filters.items())]


def plans(_today: dt.date) -> dict[str, list[dict[str, str]]]:
    return {"jobs": [{}] + [{k: v} for k, v in BY_FILTER]}


def refreshed(store: ContentStore, controller: FakeController) -> ContentRefresher:
    refresher = ContentRefresher(store, controller.fetch, plans)
    assert refresher.refresh(["jobs", "employers"]) == {"jobs": True, "employers": True}
    return refresher


def ids(items: Sequence[Mapping[str, Any]]) -> list[str]:
    return [item["id"] for item in items]
