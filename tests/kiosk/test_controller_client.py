"""The kiosk's controller client against the real controller app served by uvicorn over HTTP."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.app import create_app
from controller.seed import SeedFile, load_content
from controller.settings import Settings
from flows import load_builtin_catalog
from flows.content import parse_items
from kiosk.catalog_report import catalog_message
from kiosk.controller_client import (
    BookingUnavailable,
    ControllerClient,
    ControllerRejected,
    ControllerUnreachable,
    NotAuthorised,
)
from tests.controller.controller_testkit import (
    CONTENT,
    ID_NUMBER,
    OTHER_ID_NUMBER,
    SLOT,
    preauthorise,
    transaction,
)
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import (
    HOLD_MINUTES,
    RatingIn,
    RegisterRequest,
    StaffCallIn,
    StaffCallReason,
    TransactionIn,
    WireError,
    validate,
)


@pytest.fixture
def clock() -> FakeClock:
    # Thursday 2026-11-26, 10:00:30 in Beijing.
    return FakeClock(wall=dt.datetime(2026, 11, 26, 2, 0, 30, tzinfo=dt.UTC))


@pytest.fixture
def base_url(tmp_path: Path, clock: FakeClock) -> Iterator[str]:
    """The controller app with the test content, on a real socket, in a thread."""
    settings = Settings(data_dir=tmp_path)
    app = create_app(settings, clock=clock.wall)
    preauthorise(app, "hw-client")
    with app.state.runtime.db.session() as session:
        load_content(session, SeedFile.model_validate(CONTENT), clock.wall())
    with serve(app) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[ControllerClient]:
    http = ControllerClient(base_url, timeout=5)
    yield http
    http.close()


@pytest.fixture
def token(client: ControllerClient) -> str:
    request = RegisterRequest(hardware_id="hw-client", name="一号机")
    return client.register(request).device_token


def _txn(**changes: object) -> TransactionIn:
    return validate(TransactionIn, transaction(**changes))


# -- content ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "filters", "ids"),
    [
        ("jobs", {"area": "huzhen", "industry": "any"}, ["J-1"]),
        ("jobs", None, ["J-2", "J-1", "J-3"]),
        ("policies", {}, ["P-1"]),
        ("trainings", {"training_category": "electrician"}, ["T-1"]),
        ("job_fairs", None, ["F-CLOSED", "F-1", "F-FULL"]),
        (
            "slots",
            {"appointment_service": "benefit", "appointment_date": "2026-11-27"},
            [SLOT, "benefit-20261127-0930", "benefit-20261127-1330"],
        ),
    ],
)
def test_content_comes_as_plain_mappings_flows_accepts(
    client: ControllerClient,
    token: str,
    source: str,
    filters: dict[str, str] | None,
    ids: list[str],
) -> None:
    items = client.content(source, filters, token)
    assert [item["id"] for item in items] == ids
    assert all(type(item) is dict for item in items)
    assert [item.id for item in parse_items(items)] == ids


def test_a_filter_the_source_does_not_read_fails_before_any_call(
    client: ControllerClient, token: str
) -> None:
    with pytest.raises(WireError, match="area: not a filter of policies"):
        client.content("policies", {"area": "huzhen"}, token)


def test_a_refusal_is_controller_rejected_with_the_reason(
    client: ControllerClient, token: str
) -> None:
    with pytest.raises(ControllerRejected) as caught:
        client.content(
            "slots", {"appointment_service": "haircut", "appointment_date": "2026-11-27"}, token
        )
    assert caught.value.status == 404
    assert "haircut" in str(caught.value)


def test_a_forged_token_is_not_authorised(client: ControllerClient, token: str) -> None:
    with pytest.raises(NotAuthorised):
        client.content("jobs", None, "KA01.forged")


def test_no_controller_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens
    nobody = ControllerClient(f"http://127.0.0.1:{port}", timeout=2)
    try:
        with pytest.raises(ControllerUnreachable):
            nobody.content("jobs", None, "KA01.token")
        with pytest.raises(ControllerUnreachable):
            nobody.hold_booking("slots", SLOT, "KA01.token")
    finally:
        nobody.close()


# -- booking -----------------------------------------------------------------------------------


def test_hold_then_submit_books_the_place(
    client: ControllerClient, token: str, clock: FakeClock
) -> None:
    client.content(
        "slots", {"appointment_service": "benefit", "appointment_date": "2026-11-27"}, token
    )
    hold_id = client.hold_booking("slots", SLOT, token, key="1" * 32)
    assert hold_id == client.hold_booking("slots", SLOT, token, key="1" * 32)  # a retry
    ack = client.send_transaction(_txn(selected={"slots": SLOT}, holds={"slots": hold_id}), token)
    assert ack.duplicate is False
    clock.advance(HOLD_MINUTES * 60 * 2)
    (slot,) = [
        s
        for s in client.content(
            "slots", {"appointment_service": "benefit", "appointment_date": "2026-11-27"}, token
        )
        if s["id"] == SLOT
    ]
    assert slot["summary"] == {"zh-CN": "剩余 2 个名额", "en": "2 places left"}


def test_a_full_item_is_booking_unavailable_with_a_message_for_the_citizen(
    client: ControllerClient, token: str
) -> None:
    with pytest.raises(BookingUnavailable) as caught:
        client.hold_booking("trainings", "T-FULL", token)
    assert caught.value.status == 409
    assert caught.value.user_message == "该培训班名额已满，请选择其他班次。"


def test_a_vanished_item_is_rejected_with_a_message_for_the_citizen(
    client: ControllerClient, token: str
) -> None:
    with pytest.raises(ControllerRejected) as caught:
        client.hold_booking("trainings", "T-GONE", token)
    assert not isinstance(caught.value, BookingUnavailable)
    assert (caught.value.status, caught.value.user_message) == (
        404,
        "所选项目已不存在，请返回重新选择。",
    )


def test_a_reused_hold_key_is_a_plain_rejection(client: ControllerClient, token: str) -> None:
    client.hold_booking("trainings", "T-1", token, key="2" * 32)
    with pytest.raises(ControllerRejected) as caught:
        client.hold_booking("job_fairs", "F-1", token, key="2" * 32)
    assert caught.value.status == 409
    assert not isinstance(caught.value, BookingUnavailable)


# -- ratings -------------------------------------------------------------------------------


def test_a_rating_after_its_transaction_is_stored_once(
    client: ControllerClient, token: str
) -> None:
    client.send_transaction(_txn(), token)
    rating = RatingIn(
        key="3" * 32,
        transaction_number="KA01-2611260001",
        service="employment_registration",
        stars=2,
        reasons=["too_long"],
        comment="排队太久",
    )
    assert client.send_rating(rating, token).duplicate is False
    assert client.send_rating(rating, token).duplicate is True


def test_a_rating_before_its_transaction_is_a_404(client: ControllerClient, token: str) -> None:
    rating = RatingIn(
        key="4" * 32,
        transaction_number="KA01-2611260001",
        service="employment_registration",
        stars=5,
    )
    with pytest.raises(ControllerRejected) as caught:
        client.send_rating(rating, token)
    assert caught.value.status == 404


def test_a_call_for_staff_is_delivered_once(
    client: ControllerClient, token: str, clock: FakeClock
) -> None:
    call = StaffCallIn(
        key="5" * 32, created_at=clock.wall(), reason=StaffCallReason.HELP_KEY, screen="menu"
    )
    assert client.call_staff(call, token).duplicate is False
    assert client.call_staff(call, token).duplicate is True


# -- the catalog ---------------------------------------------------------------------------------


def test_the_catalog_is_acknowledged_with_its_version_and_title_count(
    client: ControllerClient, token: str
) -> None:
    catalog = load_builtin_catalog()
    ack = client.send_catalog(catalog_message(catalog), token)
    assert ack.version == catalog.version
    assert ack.titles == len(catalog_message(catalog).titles)


def test_a_catalog_with_a_forged_token_is_not_authorised(client: ControllerClient) -> None:
    with pytest.raises(NotAuthorised):
        client.send_catalog(catalog_message(load_builtin_catalog()), "KA01.forged")


# -- my applications ---------------------------------------------------------------------------


def test_my_applications_come_as_items_of_the_citizens_own_transactions(
    client: ControllerClient, token: str
) -> None:
    client.send_catalog(catalog_message(load_builtin_catalog()), token)
    client.send_transaction(_txn(), token)
    other = {"id_number": OTHER_ID_NUMBER, "name": "测试乙"}
    client.send_transaction(_txn(key="5" * 32, number="KA01-2611260002", citizen=other), token)
    items = client.my_applications("resident", ID_NUMBER, token, identity_method="id_card")
    assert [item["id"] for item in items] == ["KA01-2611260001"]
    (item,) = parse_items(items)
    assert item.title.get("zh-CN") == "就业登记"
    assert item.status is not None
    assert item.status.get("zh-CN") == "已受理"
    # 02:00 UTC is 10:00 in Beijing.
    assert [r[1].get("zh-CN") for r in item.rows] == ["KA01-2611260001", "2026-11-26 10:00"]


def test_my_applications_for_a_typed_number_are_refused(
    client: ControllerClient, token: str
) -> None:
    with pytest.raises(ControllerRejected) as caught:
        client.my_applications("resident", ID_NUMBER, token, identity_method="typed")
    assert caught.value.status == 403
    assert caught.value.user_message == "查询本人办件需要读取身份证或社保卡。"
    assert ID_NUMBER not in str(caught.value)


def test_a_malformed_number_fails_before_any_call_without_echoing_it(
    client: ControllerClient, token: str
) -> None:
    bad = ID_NUMBER[:-1] + "1"
    with pytest.raises(WireError) as caught:
        client.my_applications("resident", bad, token, identity_method="id_card")
    assert bad not in str(caught.value)
