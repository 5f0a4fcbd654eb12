"""The citizen's own applications, bundles under one number, transaction status, schema growth."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from controller.models import Transaction
from controller.services.status_words import status_text
from controller.settings import Settings
from pii import Sealer
from tests.controller.controller_testkit import (
    ID_NUMBER,
    NAME,
    OTHER_ID_NUMBER,
    PHONE,
    post_json,
    receipt,
    register,
    rows,
    teach_catalog,
    transaction,
)
from wire import ApplicationStatus, MyApplicationsResponse, parse


def ask(client: TestClient, token: str, id_number: str = ID_NUMBER, **overrides: Any) -> Any:
    """POST a MyApplicationsRequest."""
    body = {"id_number": id_number, "identity_method": "id_card", **overrides}
    return post_json(client, "/my-applications", body, token)


@pytest.fixture
def token(client: TestClient, device: tuple[str, str]) -> str:
    """Two transactions of the citizen (one at another kiosk) and one of someone else."""
    _, token = device
    teach_catalog(client, token)
    _, other_kiosk = register(client, hardware_id="hw-0002")
    mine_early = transaction(key="a" * 32, number="KA01-2611260001")
    mine_late = transaction(
        key="b" * 32,
        number="KA02-2611260001",
        service="unemployment_registration",
        # Twenty seconds after mine_early; the controller takes no time ahead of its own clock.
        created_at="2026-11-26T10:00:20+08:00",
    )
    theirs = transaction(
        key="c" * 32,
        number="KA01-2611260002",
        citizen={"id_number": OTHER_ID_NUMBER, "name": "测试乙"},
    )
    assert post_json(client, "/transactions", mine_early, token).status_code == 201
    assert post_json(client, "/transactions", mine_late, other_kiosk).status_code == 201
    assert post_json(client, "/transactions", theirs, token).status_code == 201
    return token


def test_a_citizen_sees_their_own_applications_newest_first_and_nobody_elses(
    client: TestClient, token: str
) -> None:
    answer = ask(client, token)
    assert answer.status_code == 200
    apps = parse(MyApplicationsResponse, answer.content).applications
    assert [a.number for a in apps] == ["KA02-2611260001", "KA01-2611260001"]
    first = apps[1]
    assert first.service == "employment_registration"
    assert first.title.model_dump() == {"zh-CN": "就业登记", "en": "Employment registration"}
    assert (first.status, first.status_text.model_dump()["zh-CN"]) == ("received", "已受理")
    assert first.created_at.isoformat() == "2026-11-26T02:00:00+00:00"
    for secret in (NAME, PHONE, OTHER_ID_NUMBER, ID_NUMBER, "KA01-2611260002"):
        assert secret not in answer.text


def test_someone_without_applications_gets_an_empty_list(client: TestClient, token: str) -> None:
    answer = ask(client, token, "440304199003070018")
    assert answer.status_code == 200
    assert answer.json() == {"applications": []}


def test_the_lookup_uses_the_keyed_hash_and_never_opens_sealed_numbers(
    client: TestClient, token: str, settings: Settings
) -> None:
    # Spoil every sealed citizen: a lookup that unsealed and compared numbers would fail.
    engine = client.app.state.runtime.db.engine
    with engine.begin() as conn:
        conn.execute(text("UPDATE transactions SET citizen_sealed = :spoilt"), {"spoilt": b"\0"})
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        answer = ask(client, token)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(answer.json()["applications"]) == 2
    lookup = Sealer.from_key_file(settings.sealing_key_path).lookup_hash(ID_NUMBER)
    (query,) = [(s, p) for s, p in statements if "FROM transactions" in s]
    # A bound parameter: `?` on SQLite, `%(name)s` on PostgreSQL.
    assert re.search(r"transactions\.id_lookup = (\?|%\(\w+\)s)", query[0])
    assert lookup in (query[1].values() if isinstance(query[1], dict) else query[1])
    assert all(ID_NUMBER not in repr(p) for _, p in statements)


def test_a_lower_case_check_letter_finds_the_same_citizen(client: TestClient, token: str) -> None:
    assert len(ask(client, token, ID_NUMBER.lower()).json()["applications"]) == 2


def test_a_typed_number_is_refused_because_it_could_be_anyones(
    client: TestClient, token: str
) -> None:
    answer = ask(client, token, identity_method="typed")
    assert answer.status_code == 403
    assert answer.json()["user_message"] == "查询本人办件需要读取身份证或社保卡。"
    assert ID_NUMBER not in answer.text


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"id_number": ID_NUMBER[:-1] + "1", "identity_method": "id_card"}, "id_number:"),
        ({"id_number": ID_NUMBER}, "identity_method: Field required"),
        ({"id_number": ID_NUMBER, "identity_method": "id_card", "name": NAME}, "name: Extra"),
    ],
)
def test_malformed_requests_are_422_without_echoing_the_number(
    client: TestClient, token: str, body: dict[str, str], complaint: str
) -> None:
    answer = post_json(client, "/my-applications", body, token)
    assert answer.status_code == 422
    assert complaint in answer.json()["error"]
    for secret in (ID_NUMBER, ID_NUMBER[:-1] + "1", NAME):
        assert secret not in answer.text


def test_my_applications_need_a_device_token(client: TestClient, token: str) -> None:
    assert ask(client, "KA01.forged").status_code == 401


def test_logs_of_a_lookup_hold_no_number(
    client: TestClient, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ask(client, token)
    ask(client, token, identity_method="typed")
    assert (
        "event=my_applications_lookup kiosk_id=KA01 identity_method=id_card outcome=answered"
        " count=2" in caplog.text
    )
    assert ID_NUMBER not in caplog.text


# -- status ----------------------------------------------------------------------------------


def test_a_status_set_by_staff_shows_on_every_page_and_in_the_lookup(
    client: TestClient, ops: TestClient, token: str
) -> None:
    runtime = client.app.state.runtime
    with runtime.db.session() as session:
        runtime.intake.set_status(session, "KA01-2611260001", ApplicationStatus.RETURNED)
    apps = ask(client, token).json()["applications"]
    returned = next(a for a in apps if a["number"] == "KA01-2611260001")
    assert returned["status"] == "returned"
    assert returned["status_text"] == {"zh-CN": "退回补正", "en": "Returned for completion"}
    assert returned["status_at"] is not None
    assert "退回补正" in client.get(receipt("KA01-2611260001")).text
    assert "退回补正" in ops.get("/transactions").text


@pytest.mark.parametrize("status", list(ApplicationStatus))
def test_every_application_status_has_words_in_both_languages(status: ApplicationStatus) -> None:
    text = status_text(status)
    assert (text.zh, text.en) != (status.value, status.value)


def test_every_transaction_starts_as_received(client: TestClient, token: str) -> None:
    page = client.get(receipt("KA01-2611260001")).text
    assert "已受理" in page
    assert "已收到，等待经办人员审核" in page


# -- bundles -----------------------------------------------------------------------------------

ITEMS = [
    {"service": "employment_registration", "fields": {"employment_type": "flexible"}},
    {"service": "flexible_insurance_enrolment", "fields": {"bank_account": "6222020200112233445"}},
]


def test_a_bundle_is_stored_once_with_its_items_sealed(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    body = transaction(service="bundle_flexible_employment", items=ITEMS)
    assert post_json(client, "/transactions", body, token).status_code == 201
    assert post_json(client, "/transactions", body, token).json()["duplicate"] is True
    ((key, services, blob),) = rows(
        settings, "SELECT key, item_services, items_sealed FROM transactions"
    )
    assert json.loads(services) == ["employment_registration", "flexible_insurance_enrolment"]
    assert b"6222020200112233445" not in blob
    runtime = client.app.state.runtime
    with runtime.db.session() as session:
        row = session.query(Transaction).one()
        items = runtime.intake.open_items(row)
    assert [i.model_dump() for i in items] == ITEMS
    assert key == "0" * 32


def test_a_bundle_shows_its_items_on_the_dashboard(
    client: TestClient, ops: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    teach_catalog(client, token)
    post_json(client, "/transactions", transaction(service="bundle_x", items=ITEMS), token)
    page = ops.get("/transactions").text
    assert "灵活就业人员参保登记" in page
    assert "就业登记" in page
    assert "6222020200112233445" not in page


def test_a_retry_of_a_transaction_stored_before_items_existed_is_still_a_retry(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    # Bodies without the new parts hash as they did before: an old kiosk's retry after the
    # upgrade is a duplicate, not a conflict.
    _, token = device
    first_release = transaction()
    del first_release["receipt_key"]  # nor a receipt key
    assert post_json(client, "/transactions", first_release, token).status_code == 201
    sealer = Sealer.from_key_file(settings.sealing_key_path)
    old_style = json.dumps(
        {"kiosk_id": "KA01", "transaction": _as_v1_dumped(first_release)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    assert rows(settings, "SELECT body_hash FROM transactions") == [
        (sealer.lookup_hash(old_style),)
    ]


def _as_v1_dumped(body: dict[str, Any]) -> dict[str, Any]:
    """A transaction as the first release's TransactionIn dumped it (times in UTC)."""
    dumped = dict(body, created_at="2026-11-26T10:00:00+08:00")
    dumped["citizen"] = {"document": "resident", **body["citizen"]}
    return dumped
