"""Booking places: holds before submit, confirmation by the transaction, expiry, races."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.settings import Settings
from tests.controller.controller_testkit import (
    SLOT,
    hold,
    list_slots,
    post_json,
    receipt,
    register,
    rows,
    seed,
    signed_in_as,
    taken,
    transaction,
)
from tests.support.clock import FakeClock
from wire import HOLD_MINUTES, HoldResponse, parse

HOLD_SECONDS = HOLD_MINUTES * 60


@pytest.fixture
def token(client: TestClient, device: tuple[str, str]) -> str:
    seed(client)
    list_slots(client, device[1])  # the kiosk lists the day before anyone holds a slot
    return device[1]


def _key(n: int) -> str:
    return f"{n:032x}"


def _booked(slot: str = SLOT, hold_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A transaction that chose `slot`, with its hold if given."""
    return transaction(
        selected={"slots": slot},
        holds={"slots": hold_id} if hold_id else {},
        **overrides,
    )


def _states(settings: Settings) -> list[tuple[str, str]]:
    return rows(settings, "SELECT item_code, state FROM booking_holds ORDER BY id")


# -- holds ---------------------------------------------------------------------------------


def test_a_hold_takes_one_place_until_it_expires(client: TestClient, token: str) -> None:
    answer = hold(client, token)
    assert answer.status_code == 201
    held = parse(HoldResponse, answer.content)
    assert (held.source, held.item_id) == ("slots", SLOT)
    assert (held.expires_at - client.app.state.runtime.clock()).total_seconds() == HOLD_SECONDS
    assert taken(client, "appointment_slots", SLOT) == 1
    (slot,) = [i for i in list_slots(client, token).json()["items"] if i["id"] == SLOT]
    assert slot["summary"]["zh-CN"] == "剩余 2 个名额"


def test_a_retried_hold_answers_the_same_hold_and_takes_no_second_place(
    client: TestClient, token: str
) -> None:
    first, again = hold(client, token), hold(client, token)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["hold_id"] == again.json()["hold_id"]
    assert taken(client, "appointment_slots", SLOT) == 1


def test_a_hold_key_reused_for_another_item_is_a_conflict(client: TestClient, token: str) -> None:
    hold(client, token)
    answer = hold(client, token, item="benefit-20261127-0930")
    assert answer.status_code == 409
    assert "already used for a different hold" in answer.json()["error"]


def test_a_hold_key_of_another_kiosk_is_a_conflict(client: TestClient, token: str) -> None:
    _, other = register(client, hardware_id="hw-0002")
    hold(client, token)
    assert hold(client, other).status_code == 409
    assert taken(client, "appointment_slots", SLOT) == 1


def test_the_last_place_then_full_with_a_message_for_the_citizen(
    client: TestClient, token: str
) -> None:
    for n in range(3):
        assert hold(client, token, key=_key(n)).status_code == 201
    answer = hold(client, token, key=_key(9))
    assert answer.status_code == 409
    assert answer.json()["user_message"] == "该时段已约满，请选择其他时段。"
    assert "no place left" in answer.json()["error"]


@pytest.mark.parametrize(
    ("source", "item", "status", "message"),
    [
        ("trainings", "T-FULL", 409, "该培训班名额已满，请选择其他班次。"),
        ("job_fairs", "F-CLOSED", 409, "该招聘会报名已截止。"),
        ("slots", "benefit-20261126-0900", 409, "该时段已过，请选择其他时段。"),
        ("trainings", "T-NONE", 404, "所选项目已不存在，请返回重新选择。"),
        ("slots", "benefit-20261128-0900", 404, "所选项目已不存在，请返回重新选择。"),
    ],
)
def test_what_cannot_be_held_says_why(
    client: TestClient, token: str, source: str, item: str, status: int, message: str
) -> None:
    list_slots(client, token, "2026-11-26")
    answer = hold(client, token, item=item, source=source)
    assert answer.status_code == status
    assert answer.json()["user_message"] == message


def test_trainings_and_job_fairs_are_held_like_slots(client: TestClient, token: str) -> None:
    assert hold(client, token, source="trainings", item="T-1", key=_key(1)).status_code == 201
    assert hold(client, token, source="job_fairs", item="F-1", key=_key(2)).status_code == 201
    assert taken(client, "trainings", "T-1") == 1
    assert taken(client, "job_fairs", "F-1") == 1


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"key": "1" * 32, "source": "jobs", "item_id": "J-1"}, "jobs has no places to hold"),
        ({"key": "1" * 32, "source": "slots"}, "item_id: Field required"),
        ({"key": "short", "source": "slots", "item_id": SLOT}, "key"),
    ],
)
def test_malformed_holds_are_422(
    client: TestClient, token: str, body: dict[str, str], complaint: str
) -> None:
    answer = post_json(client, "/bookings/hold", body, token)
    assert answer.status_code == 422
    assert complaint in answer.json()["error"]


def test_holding_needs_a_device_token(client: TestClient, token: str) -> None:
    assert hold(client, "KA01.forged").status_code == 401
    assert taken(client, "appointment_slots", SLOT) == 0


# -- expiry --------------------------------------------------------------------------------


def test_an_expired_hold_frees_its_place(
    client: TestClient, token: str, clock: FakeClock, settings: Settings
) -> None:
    for n in range(3):
        hold(client, token, key=_key(n))
    assert hold(client, token, key=_key(8)).status_code == 409
    clock.advance(HOLD_SECONDS - 1)
    assert hold(client, token, key=_key(8)).status_code == 409
    clock.advance(1)
    assert hold(client, token, key=_key(9)).status_code == 201
    assert taken(client, "appointment_slots", SLOT) == 1
    assert [s for _, s in _states(settings)] == ["expired"] * 3 + ["held"]


def test_listing_frees_expired_places_too(client: TestClient, token: str, clock: FakeClock) -> None:
    hold(client, token)
    clock.advance(HOLD_SECONDS)
    (slot,) = [i for i in list_slots(client, token).json()["items"] if i["id"] == SLOT]
    assert slot["summary"]["zh-CN"] == "剩余 3 个名额"


def test_retrying_an_expired_hold_says_it_expired(
    client: TestClient, token: str, clock: FakeClock
) -> None:
    hold(client, token)
    clock.advance(HOLD_SECONDS)
    list_slots(client, token)
    answer = hold(client, token)
    assert answer.status_code == 409
    assert answer.json()["user_message"] == "名额保留已超时，请重新选择。"


# -- confirmation by the transaction ----------------------------------------------------------


def test_the_transaction_confirms_its_hold_for_good(
    client: TestClient, token: str, clock: FakeClock, settings: Settings
) -> None:
    hold_id = hold(client, token).json()["hold_id"]
    assert post_json(client, "/transactions", _booked(hold_id=hold_id), token).status_code == 201
    clock.advance(HOLD_SECONDS * 4)
    list_slots(client, token)  # a sweep: a confirmed hold is not released
    assert taken(client, "appointment_slots", SLOT) == 1
    assert _states(settings) == [(SLOT, "confirmed")]
    assert rows(settings, "SELECT status, selected FROM transactions") == [
        ("received", f'{{"slots": "{SLOT}"}}')
    ]
    # Signed in only now: the hour moved above outlasts a session's idle timeout.
    page = signed_in_as(client, Role.OPS_VIEWER).get("/transactions").text
    assert "已预约 · 预约时段" in page
    assert SLOT in page


def test_a_retried_transaction_books_nothing_more(
    client: TestClient, token: str, settings: Settings
) -> None:
    body = _booked(hold_id=hold(client, token).json()["hold_id"])
    post_json(client, "/transactions", body, token)
    assert post_json(client, "/transactions", body, token).json()["duplicate"] is True
    assert taken(client, "appointment_slots", SLOT) == 1
    assert len(_states(settings)) == 1


def test_a_transaction_without_a_hold_takes_a_place_itself(
    client: TestClient, token: str, settings: Settings
) -> None:
    assert post_json(client, "/transactions", _booked(), token).status_code == 201
    assert taken(client, "appointment_slots", SLOT) == 1
    assert _states(settings) == [(SLOT, "confirmed")]


def test_a_late_transaction_whose_hold_expired_takes_a_free_place_again(
    client: TestClient, token: str, clock: FakeClock, settings: Settings
) -> None:
    hold_id = hold(client, token).json()["hold_id"]
    clock.advance(HOLD_SECONDS + 60)  # the kiosk's outbox was offline
    list_slots(client, token)  # the hold is released
    assert post_json(client, "/transactions", _booked(hold_id=hold_id), token).status_code == 201
    assert taken(client, "appointment_slots", SLOT) == 1
    assert rows(settings, "SELECT status FROM transactions") == [("received",)]


def test_a_late_transaction_finding_no_place_is_stored_as_booking_failed(
    client: TestClient, ops: TestClient, token: str, clock: FakeClock, settings: Settings
) -> None:
    hold_id = hold(client, token, key=_key(0)).json()["hold_id"]
    clock.advance(HOLD_SECONDS)
    for n in range(1, 4):  # meanwhile others took every place
        assert hold(client, token, key=_key(n)).status_code == 201
    answer = post_json(client, "/transactions", _booked(hold_id=hold_id), token)
    assert answer.status_code == 201  # never refused: the citizen was told it was received
    assert rows(settings, "SELECT status FROM transactions") == [("booking_failed",)]
    assert _states(settings)[-1] == (SLOT, "failed")
    assert taken(client, "appointment_slots", SLOT) == 3
    page = client.get(receipt("KA01-2611260001")).text
    assert "预约未成功" in page
    assert "工作人员将与您联系" in page
    assert "booking-failed" in ops.get("/kiosks/KA01").text


def test_another_kiosks_hold_id_does_not_confirm_it(
    client: TestClient, token: str, settings: Settings
) -> None:
    _, other = register(client, hardware_id="hw-0002")
    theirs = hold(client, other).json()["hold_id"]
    post_json(client, "/transactions", _booked(hold_id=theirs), token)
    assert _states(settings) == [(SLOT, "held"), (SLOT, "confirmed")]
    assert taken(client, "appointment_slots", SLOT) == 2


def test_choices_that_are_not_booked_are_stored_only(
    client: TestClient, token: str, settings: Settings
) -> None:
    body = transaction(selected={"jobs": "J-1", "policies": "P-1"})
    assert post_json(client, "/transactions", body, token).status_code == 201
    assert _states(settings) == []


# -- races -----------------------------------------------------------------------------------


def _race(client: TestClient, tokens: list[str], item: str, source: str) -> list[Any]:
    start = threading.Barrier(len(tokens))

    def attempt(n: int) -> Any:
        start.wait(timeout=10)
        return hold(client, tokens[n], item=item, source=source, key=_key(n))

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(attempt, range(len(tokens))))


@pytest.mark.parametrize(("source", "item"), [("slots", SLOT), ("trainings", "T-1")])
def test_twenty_kiosks_racing_for_the_last_three_places_get_exactly_three_holds(
    client: TestClient, source: str, item: str
) -> None:
    # `client` runs on SQLite and on PostgreSQL (conftest), where the race is a real one.
    seed(client)
    tokens = [register(client, hardware_id=f"hw-{n:04d}")[1] for n in range(20)]
    list_slots(client, tokens[0])
    answers = _race(client, tokens, item, source)
    assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 17
    assert all("user_message" in a.json() for a in answers if a.status_code == 409)
    table = "appointment_slots" if source == "slots" else "trainings"
    assert taken(client, table, item) == 3


def test_racing_sweeps_release_an_expired_place_once(
    client: TestClient, token: str, clock: FakeClock
) -> None:
    for n in range(3):
        hold(client, token, key=_key(n))
    clock.advance(HOLD_SECONDS)
    start = threading.Barrier(10)

    def sweep(_: int) -> int:
        start.wait(timeout=10)
        return int(list_slots(client, token).status_code)

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert set(pool.map(sweep, range(10))) == {200}
    assert taken(client, "appointment_slots", SLOT) == 0


def test_retries_of_one_hold_racing_for_the_last_place_all_get_that_place(
    client: TestClient, token: str
) -> None:
    for n in range(2):
        hold(client, token, key=_key(n))
    start = threading.Barrier(10)

    def retry(_: int) -> Any:
        start.wait(timeout=10)
        return hold(client, token, key=_key(99))

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(retry, range(10)))
    assert sorted(a.status_code for a in answers) == [200] * 9 + [201]
    assert len({a.json()["hold_id"] for a in answers}) == 1
    assert taken(client, "appointment_slots", SLOT) == 3
