"""好差评 ratings: linked to a transaction of the same kiosk, once, with nothing personal."""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.services.ratings import redact_comment
from controller.settings import Settings
from pii import Sealer
from tests.controller.controller_testkit import (
    ID_NUMBER,
    PHONE,
    post_json,
    register,
    rows,
    transaction,
)
from wire import RatingAck, parse

NUMBER = "KA01-2611260001"


def rating(key: str = "2" * 32, **overrides: Any) -> dict[str, Any]:
    """A valid RatingIn body for the test transaction."""
    body: dict[str, Any] = {
        "key": key,
        "transaction_number": NUMBER,
        "service": "employment_registration",
        "stars": 5,
    }
    body.update(overrides)
    return body


@pytest.fixture
def token(client: TestClient, device: tuple[str, str]) -> str:
    """A kiosk that has delivered the transaction to be rated."""
    assert post_json(client, "/transactions", transaction(), device[1]).status_code == 201
    return device[1]


def test_a_rating_is_stored_once_and_a_retry_is_acknowledged(
    client: TestClient, token: str, settings: Settings
) -> None:
    first = post_json(client, "/ratings", rating(), token)
    again = post_json(client, "/ratings", rating(), token)
    assert (first.status_code, again.status_code) == (201, 200)
    assert parse(RatingAck, first.content).duplicate is False
    assert parse(RatingAck, again.content).duplicate is True
    assert rows(settings, "SELECT stars, service FROM ratings") == [(5, "employment_registration")]


def test_concurrent_retries_store_one_rating(
    client: TestClient, token: str, settings: Settings
) -> None:
    start = threading.Barrier(10)

    def send(_: int) -> int:
        start.wait(timeout=10)
        return int(post_json(client, "/ratings", rating(), token).status_code)

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert sorted(pool.map(send, range(10))) == [200] * 9 + [201]
    assert rows(settings, "SELECT count(*) FROM ratings") == [(1,)]


def test_a_rating_of_an_unknown_transaction_is_404(client: TestClient, token: str) -> None:
    answer = post_json(client, "/ratings", rating(transaction_number="KA01-2611269999"), token)
    assert answer.status_code == 404
    assert "is not known here (yet)" in answer.json()["error"]


def test_a_rating_of_another_kiosks_transaction_is_409(client: TestClient, token: str) -> None:
    _, other = register(client, hardware_id="hw-0002")
    answer = post_json(client, "/ratings", rating(), other)
    assert answer.status_code == 409
    assert "made at another kiosk" in answer.json()["error"]


def test_a_rating_naming_another_service_is_409(client: TestClient, token: str) -> None:
    answer = post_json(client, "/ratings", rating(service="unemployment_registration"), token)
    assert answer.status_code == 409
    assert "is a employment_registration" in answer.json()["error"]


def test_a_transaction_is_rated_once(client: TestClient, token: str) -> None:
    post_json(client, "/ratings", rating(), token)
    answer = post_json(client, "/ratings", rating(key="3" * 32, stars=1), token)
    assert answer.status_code == 409
    assert "rated already" in answer.json()["error"]


def test_a_rating_key_reused_for_another_rating_is_409(client: TestClient, token: str) -> None:
    post_json(client, "/ratings", rating(), token)
    answer = post_json(client, "/ratings", rating(stars=4), token)
    assert answer.status_code == 409
    assert "already used for a different rating" in answer.json()["error"]


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"stars": 9}, "stars"),
        ({"stars": 4, "reasons": ["too_long"]}, "only given with 1 or 2 stars"),
        ({"citizen": {"id_number": ID_NUMBER, "name": "测试甲"}}, "citizen: Extra inputs"),
        ({"comment": "x" * 201}, "comment"),
    ],
)
def test_malformed_ratings_are_422(
    client: TestClient, token: str, change: dict[str, Any], complaint: str
) -> None:
    answer = post_json(client, "/ratings", rating(**change), token)
    assert answer.status_code == 422
    assert complaint in answer.json()["error"]
    assert ID_NUMBER not in answer.text


def test_a_comment_is_redacted_and_sealed(
    client: TestClient, token: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    comment = f"等太久了，我的身份证{ID_NUMBER}，电话{PHONE}"
    answer = post_json(
        client, "/ratings", rating(stars=1, reasons=["too_long"], comment=comment), token
    )
    assert answer.status_code == 201
    ((blob, key),) = rows(settings, "SELECT comment_sealed, key FROM ratings")
    assert "等太久".encode() not in blob
    opened = Sealer.from_key_file(settings.sealing_key_path).open(blob, key.encode() + b"|comment")
    assert opened.startswith("等太久了")
    for secret in (ID_NUMBER, PHONE):
        assert secret not in opened
        assert secret not in caplog.text
    assert "等太久" not in caplog.text


def test_redaction_masks_mobile_and_id_numbers_and_leaves_the_rest() -> None:
    assert redact_comment(f"电话{PHONE} 工号12345") == "电话138****5678 工号12345"


def test_the_kiosk_page_sums_up_ratings_and_low_rating_reasons(
    client: TestClient, ops: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    given = [(5, []), (4, []), (1, ["too_long", "device_fault"]), (2, ["too_long"])]
    for n, (stars, reasons) in enumerate(given):
        number = f"KA01-261126{n:04d}"
        post_json(client, "/transactions", transaction(key=f"{n:032x}", number=number), token)
        body = rating(
            key=f"{n + 100:032x}", transaction_number=number, stars=stars, reasons=reasons
        )
        assert post_json(client, "/ratings", body, token).status_code == 201
    page = ops.get("/kiosks/KA01").text
    assert "3.0 / 5" in page
    assert "办理时间过长" in page
    assert "设备故障或反应慢" in page
    assert page.index("办理时间过长") < page.index("设备故障或反应慢")  # most frequent first


def test_a_kiosk_without_ratings_says_so(ops: TestClient, device: tuple[str, str]) -> None:
    assert "暂无评价" in ops.get("/kiosks/KA01").text


def test_a_rating_sent_as_raw_json_with_spacing_is_the_same_rating(
    client: TestClient, token: str
) -> None:
    post_json(client, "/ratings", rating(), token)
    answer = client.post(
        "/api/v1/ratings",
        content=json.dumps(rating(), indent=3),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.json()["duplicate"] is True
