"""Rate limits: the limiter itself, and 我的办件 limited per kiosk and handed to the audit hook."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from controller.services.my_applications import ApplicationsLookup, lookup_limiter
from controller.services.ratelimit import RateLimited, RateLimiter
from controller.settings import Settings
from pii import mask_id_number
from tests.controller.controller_testkit import (
    ID_NUMBER,
    OTHER_ID_NUMBER,
    post_json,
    register,
    rows,
    transaction,
)
from tests.support.clock import FakeClock

# -- the limiter -----------------------------------------------------------------------------


def test_a_burst_is_allowed_then_the_caller_is_told_when_to_come_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(6, dt.timedelta(minutes=1), burst=3, clock=clock.wall)
    assert [limiter.retry_after("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.retry_after("a") == 10  # one request refills every 10 s
    clock.advance(9)
    assert limiter.retry_after("a") == 1
    clock.advance(1)
    assert limiter.retry_after("a") == 0
    assert limiter.retry_after("a") == 10


def test_a_quiet_key_refills_only_up_to_its_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, dt.timedelta(minutes=1), burst=2, clock=clock.wall)
    clock.advance(3600)
    assert [limiter.retry_after("a") for _ in range(3)] == [0, 0, 1]


def test_keys_are_limited_apart() -> None:
    limiter = RateLimiter(1, dt.timedelta(hours=1), clock=FakeClock().wall)
    assert limiter.retry_after("kiosk-a") == 0
    assert limiter.retry_after("kiosk-a") == 3600
    assert limiter.retry_after("kiosk-b") == 0


def test_take_raises_with_the_wait_in_whole_seconds() -> None:
    limiter = RateLimiter(1, dt.timedelta(minutes=1), clock=FakeClock().wall)
    limiter.take("a", "lookups")
    with pytest.raises(RateLimited) as caught:
        limiter.take("a", "lookups")
    assert caught.value.retry_after == 60
    assert "lookups: at most 1 per 60 s" in str(caught.value)


def test_memory_is_bounded_forgetting_the_least_recently_used_key() -> None:
    limiter = RateLimiter(1, dt.timedelta(hours=1), clock=FakeClock().wall, max_keys=3)
    for key in ("a", "b", "c"):
        limiter.retry_after(key)
    limiter.retry_after("a")  # a is used again: b is now the least recent
    limiter.retry_after("d")
    assert limiter.retry_after("c") > 0  # remembered: still limited
    assert limiter.retry_after("b") == 0  # forgotten: starts afresh
    assert len(limiter._buckets) == 3


@pytest.mark.parametrize(("rate", "per"), [(0, 60), (1, 0), (-1, 60)])
def test_a_limit_that_allows_nothing_is_refused(rate: int, per: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(rate, dt.timedelta(seconds=per))


# -- 我的办件 per kiosk ----------------------------------------------------------------------

BURST = lookup_limiter().burst


def ask(client: TestClient, token: str, method: str = "id_card", id_number: str = ID_NUMBER) -> Any:
    body = {"id_number": id_number, "identity_method": method}
    return post_json(client, "/my-applications", body, token)


@pytest.fixture
def audited(client: TestClient) -> list[ApplicationsLookup]:
    """Every lookup the audit hook is handed, in order."""
    seen: list[ApplicationsLookup] = []

    def record(session: Session, lookup: ApplicationsLookup) -> None:
        assert isinstance(session, Session)
        seen.append(lookup)

    client.app.state.runtime.intake.audit = record  # type: ignore[attr-defined]
    return seen


def test_lookups_beyond_the_limit_are_429_with_retry_after(
    client: TestClient, device: tuple[str, str], clock: FakeClock
) -> None:
    _, token = device
    for _ in range(BURST):
        assert ask(client, token).status_code == 200
    limited = ask(client, token)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "120"  # 30 an hour: one every two minutes
    assert "my-applications" in limited.json()["error"]
    assert limited.json()["user_message"] == "查询过于频繁，请稍后再试。"
    clock.advance(120)
    assert ask(client, token).status_code == 200


def test_the_limit_is_per_kiosk(client: TestClient, device: tuple[str, str]) -> None:
    _, token = device
    _, other = register(client, hardware_id="hw-0002")
    for _ in range(BURST):
        ask(client, token)
    assert ask(client, token).status_code == 429
    assert ask(client, other).status_code == 200


def test_refused_typed_lookups_count_against_the_limit(
    client: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    for _ in range(BURST):
        assert ask(client, token, method="typed").status_code == 403
    assert ask(client, token).status_code == 429


@pytest.mark.parametrize("method", ["typed", "qr", "id_card_copy", "face"])
def test_only_a_card_may_list_applications(
    client: TestClient, device: tuple[str, str], method: str
) -> None:
    answer = ask(client, device[1], method=method)
    assert answer.status_code == 403
    assert "card" in answer.json()["error"]


@pytest.mark.parametrize("method", ["ID_CARD", "<script>", "id card", "x" * 33])
def test_an_identity_method_that_is_not_a_code_is_422(
    client: TestClient, device: tuple[str, str], method: str
) -> None:
    answer = ask(client, device[1], method=method)
    assert answer.status_code == 422
    assert "identity_method" in answer.json()["error"]


def test_every_lookup_goes_to_the_audit_hook_without_the_number_in_clear(
    client: TestClient,
    device: tuple[str, str],
    audited: list[ApplicationsLookup],
    clock: FakeClock,
    settings: Settings,
) -> None:
    kiosk_id, token = device
    assert post_json(client, "/transactions", transaction(), token).status_code == 201
    ask(client, token)
    ask(client, token, id_number=OTHER_ID_NUMBER)
    ask(client, token, method="typed")
    for _ in range(BURST):
        ask(client, token)
    outcomes = [(a.identity_method, a.outcome, a.count) for a in audited]
    assert outcomes == [
        ("id_card", "answered", 1),
        ("id_card", "answered", 0),
        ("typed", "refused", 0),
        ("id_card", "answered", 1),
        ("id_card", "answered", 1),
        ("id_card", "rate_limited", 0),
        ("id_card", "rate_limited", 0),
        ("id_card", "rate_limited", 0),
    ]
    first = audited[0]
    assert (first.kiosk_id, first.at) == (kiosk_id, clock.wall())
    assert first.subject == mask_id_number(ID_NUMBER)
    # The hash finds the citizen's rows, as the lookup did, with no number in clear.
    assert rows(settings, "SELECT id_lookup FROM transactions") == [(first.subject_hash,)]
    assert audited[1].subject_hash != first.subject_hash
    for lookup in audited:
        assert ID_NUMBER not in repr(lookup)
        assert OTHER_ID_NUMBER not in repr(lookup)


def test_the_default_audit_hook_logs_each_lookup_without_the_number(
    client: TestClient, device: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ask(client, device[1], method="typed")
    assert "event=my_applications_lookup kiosk_id=KA01 identity_method=typed" in caplog.text
    assert "outcome=refused" in caplog.text
    assert ID_NUMBER not in caplog.text
