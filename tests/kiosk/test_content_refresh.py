"""Refreshing the kiosk's kept copy: fetch plans from the forms' choices, a failed fetch
keeping the last good copy, a filter value or source the county lacks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from flows import load_builtin_catalog
from kiosk.content_refresh import fetch_plans, fetch_source
from kiosk.content_store import ContentStore
from kiosk.controller_client import ControllerRejected
from tests.kiosk.content_testkit import NOON, FakeController, ids, refreshed


@pytest.fixture
def store(tmp_path: Path) -> ContentStore:
    return ContentStore(tmp_path / "content.db", now=lambda: NOON)


def test_a_refresh_that_fails_keeps_the_old_items_and_their_time(tmp_path: Path) -> None:
    now = [NOON]
    store = ContentStore(tmp_path / "content.db", now=lambda: now[0])
    controller = FakeController()
    refresher = refreshed(store, controller)
    controller.down = True
    now[0] = NOON + dt.timedelta(hours=2)
    assert refresher.refresh(["jobs"]) == {"jobs": False}
    assert refresher.last_failed == {"jobs"}
    kept = store.items("jobs")
    assert ids(kept.items) == ["J1", "J2", "J3"]
    assert kept.as_of == NOON
    assert kept.as_of_text() == "2026-05-01 12:00"


def test_the_fetch_plans_cover_every_choice_the_forms_offer() -> None:
    found = fetch_plans(load_builtin_catalog())(dt.date(2026, 5, 1))
    assert found["jobs"][0] == {}
    assert {"industry": "hospitality"} in found["jobs"]
    assert {"industry": "any"} not in found["jobs"]  # `any` does not filter
    assert {"training_category": "new_occupation"} in found["trainings"]
    assert {"appointment_service": "job_guidance", "appointment_date": "2026-05-02"} in found[
        "slots"
    ]
    assert found["policies"] == [{}]


def test_a_filter_value_the_county_lacks_is_kept_as_an_empty_list(store: ContentStore) -> None:
    def fetch(source: str, filters: Mapping[str, str]) -> Sequence[Mapping[str, Any]]:
        if filters.get("appointment_service") == "other":
            raise ControllerRejected(404, "there is no appointment service other")
        return [{"id": f"{filters['appointment_service']}-0900", "title": "09:00-09:30"}]

    plan = [{"appointment_service": s, "appointment_date": "2026-05-02"} for s in ("a", "other")]
    store.replace("slots", fetch_source(fetch, "slots", plan))
    wanted = {"appointment_date": "2026-05-02"}
    assert ids(store.items("slots", {**wanted, "appointment_service": "a"}).items) == ["a-0900"]
    assert store.items("slots", {**wanted, "appointment_service": "other"}).items == []


def test_a_source_the_controller_does_not_know_is_a_failed_fetch() -> None:
    def fetch(source: str, filters: Mapping[str, str]) -> Sequence[Mapping[str, Any]]:
        raise ControllerRejected(404, f"there is no source {source}")

    with pytest.raises(ControllerRejected):
        fetch_source(fetch, "employers", [{}])
