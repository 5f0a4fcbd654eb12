"""The kiosk's kept copy of the public content: filters, search, offline lists."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from flows import ActionFailed, Session
from flows.actions import ActionName
from kiosk.actions.content import ContentFetching
from kiosk.content_refresh import fetch_source
from kiosk.content_store import ContentStore, NotCached, short_grams, trigram_available
from kiosk.controller_client import ControllerClient
from kiosk.employers import EmployerList
from kiosk.messages import text
from tests.kiosk.content_testkit import NOON, FakeController, ids, refreshed


@pytest.fixture
def store(tmp_path: Path) -> ContentStore:
    return ContentStore(tmp_path / "content.db", now=lambda: NOON)


def test_this_python_has_the_trigram_tokenizer() -> None:
    assert trigram_available()


def test_a_chinese_substring_is_found_whatever_its_length(store: ContentStore) -> None:
    refreshed(store, FakeController())
    assert ids(store.search("jobs", "保洁").items) == ["J1", "J3"]  # two characters: LIKE
    assert ids(store.search("jobs", "客房保洁").items) == ["J3"]  # trigram MATCH
    assert ids(store.search("jobs", "forklift").items) == ["J2"]  # either case, English
    assert store.search("jobs", "厨师").items == []
    assert ids(store.search("jobs", '50%"_').items) == []  # LIKE and MATCH syntax is text


def test_filters_are_answered_by_the_tags_the_controller_gave(store: ContentStore) -> None:
    refreshed(store, FakeController())
    assert ids(store.items("jobs").items) == ["J1", "J2", "J3"]
    assert ids(store.items("jobs", {"area": "chengqu"}).items) == ["J1", "J3"]
    assert ids(store.items("jobs", {"area": "chengqu", "industry": "hospitality"}).items) == ["J3"]
    assert store.items("jobs", {"area": "huzhen", "industry": "hospitality"}).items == []
    assert ids(store.items("jobs", {"area": "any", "industry": ""}).items) == ["J1", "J2", "J3"]
    with pytest.raises(NotCached):  # a value never asked for is not guessed
        store.items("jobs", {"area": "xinjian"})


def test_an_unchanged_copy_only_moves_its_time(store: ContentStore) -> None:
    fetched = fetch_source(FakeController().fetch, "jobs", [{}])
    assert store.replace("jobs", fetched, at=NOON)
    later = NOON + dt.timedelta(minutes=15)
    assert not store.replace("jobs", fetched, at=later)
    assert store.as_of("jobs") == later


def test_a_copy_too_old_is_not_shown(tmp_path: Path) -> None:
    store = ContentStore(tmp_path / "c.db", now=lambda: NOON, max_age_hours=24)
    store.replace("jobs", fetch_source(FakeController().fetch, "jobs", [{}]), at=NOON)
    assert store.items("jobs").items
    store.replace("policies", fetch_source(FakeController().fetch, "policies", [{}]),
                  at=NOON - dt.timedelta(hours=25))  # fmt: skip
    with pytest.raises(NotCached):
        store.items("policies")


def test_the_employer_picker_offers_the_kept_list_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "content.db"
    first = ContentStore(path, now=lambda: NOON)
    refreshed(first, FakeController())
    first.close()
    # The kiosk starts again with the controller away: the list is on disk.
    again = EmployerList(None, lambda: "", store=ContentStore(path, now=lambda: NOON))
    names = [e.name for e in again.current()]
    assert names == ["缙云示例家政服务有限公司"]
    assert again.current()[0].matches("jysl")


def offline_client() -> ControllerClient:
    return ControllerClient("http://127.0.0.1:9", timeout=0.5, connect_timeout=0.5)


def test_an_offline_job_search_lists_the_kept_jobs_with_their_time(store: ContentStore) -> None:
    refreshed(store, FakeController())
    actions = ContentFetching(offline_client(), lambda: "token", store).bound()
    session = Session(values={"area": "chengqu", "industry": "any"})
    assert actions[ActionName.FETCH_JOBS](session) == "ok"
    assert ids(session.content["jobs"]) == ["J1", "J3"]  # type: ignore[arg-type]
    assert session.content_as_of["jobs"] == "2026-05-01 12:00"
    session.wipe()
    assert session.content_as_of == {}


def test_known_offline_reads_the_kept_copy_without_trying(store: ContentStore) -> None:
    refreshed(store, FakeController())
    # No client at all would raise if asked; reachable=False never asks.
    actions = ContentFetching(None, lambda: "token", store, reachable=lambda: False).bound()
    session = Session()
    assert actions[ActionName.FETCH_JOBS](session) == "ok"
    assert session.content_as_of["jobs"] == "2026-05-01 12:00"


def test_offline_without_a_kept_copy_says_the_centre_cannot_be_reached(
    store: ContentStore,
) -> None:
    actions = ContentFetching(offline_client(), lambda: "token", store).bound()
    with pytest.raises(ActionFailed) as failed:
        actions[ActionName.FETCH_POLICIES](Session())
    assert failed.value.message == text("kiosk.offline")


def test_an_offline_booking_says_it_needs_the_controller(store: ContentStore) -> None:
    for controller in (offline_client(), None):
        actions = ContentFetching(controller, lambda: "token", store).bound()
        session = Session(selected={"trainings": "T1"})
        with pytest.raises(ActionFailed) as failed:
            actions[ActionName.HOLD_PLACE](session)
        assert failed.value.message == text("kiosk.booking_offline")
        assert "come back later" in failed.value.message.en
        assert session.record.holds == {}


def test_one_or_two_characters_are_found_through_the_short_index(store: ContentStore) -> None:
    refreshed(store, FakeController())
    assert ids(store.search("jobs", "洁").items) == ["J1", "J3"]
    assert ids(store.search("jobs", "叉车").items) == ["J2"]
    assert ids(store.search("jobs", "FO").items) == ["J2"]  # either case
    assert store.search("jobs", "员司").items == []  # a pair across two words is no pair
    assert ids(store.search("jobs", "车司").items) == ["J2"]
    assert store.search("jobs", "r,").items == []  # a separator: LIKE, which finds none
    assert ids(store.search("jobs", " 洁 ").items) == ["J1", "J3"]
    assert short_grams("叉车司机 Forklift") == " ".join(
        sorted({"叉", "车", "司", "机", "叉车", "车司", "司机"} | set("forklift")
               | {"fo", "or", "rk", "kl", "li", "if", "ft"})
    )  # fmt: skip


def test_a_search_reads_only_the_page_it_shows(store: ContentStore) -> None:
    refreshed(store, FakeController())
    assert store.search_ids("jobs", "城区").ids == ["J1", "J3"]
    assert ids(store.search("jobs", "城区", limit=1).items) == ["J1"]
    assert ids(store.search("jobs", "城区", limit=1, offset=1).items) == ["J3"]
    assert ids(store.load("jobs", ["J3", "gone", "J1"])) == ["J3", "J1"]


def test_a_store_from_before_the_short_index_indexes_its_copy_when_opened(
    tmp_path: Path,
) -> None:
    old = ContentStore(tmp_path / "content.db", now=lambda: NOON)
    refreshed(old, FakeController())
    old.close()
    with sqlite3.connect(tmp_path / "content.db") as db:
        db.execute("DROP TABLE short_search")
    again = ContentStore(tmp_path / "content.db", now=lambda: NOON)
    assert ids(again.search("jobs", "保洁").items) == ["J1", "J3"]
    again.close()
