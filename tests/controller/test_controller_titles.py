"""Service titles learned from the kiosks' catalogs, and how citizens and ops see them."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from controller.settings import Settings
from tests.controller.controller_testkit import (
    CATALOG,
    ID_NUMBER,
    post_json,
    receipt,
    register,
    rows,
    teach_catalog,
    transaction,
)
from tests.support.clock import FakeClock
from wire import API_PREFIX, CatalogAck, MyApplicationsResponse, parse

BOOKING = {"zh-CN": "预约服务", "en": "Book an appointment"}


def catalog(**titles: dict[str, str]) -> dict[str, Any]:
    """CATALOG with `titles` added or replaced."""
    body = copy.deepcopy(CATALOG)
    body["titles"].update(titles)
    return body


def my_applications(client: TestClient, token: str) -> MyApplicationsResponse:
    """The applications of ID_NUMBER, as a kiosk asks for them after a card was read."""
    body = {"id_number": ID_NUMBER, "identity_method": "id_card"}
    answer = post_json(client, "/my-applications", body, token)
    assert answer.status_code == 200, answer.text
    return parse(MyApplicationsResponse, answer.content)


# -- the catalog endpoint ----------------------------------------------------------------


def test_a_catalog_is_stored_with_its_version_kiosk_and_time(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    answer = post_json(client, "/catalog", CATALOG, token)
    assert answer.status_code == 200
    assert parse(CatalogAck, answer.content) == CatalogAck(version=2, titles=4)
    stored = rows(
        settings,
        "SELECT service, zh, en, catalog_version, kiosks.kiosk_id, learned_at"
        " FROM service_titles JOIN kiosks ON kiosks.id = service_titles.kiosk_pk"
        " WHERE service = 'employment_registration'",
    )
    assert stored == [
        (
            "employment_registration",
            "就业登记",
            "Employment registration",
            2,
            "KA01",
            "2026-11-26 02:00:30.000000",
        )
    ]


def test_the_latest_catalog_wins_and_keeps_what_it_does_not_name(
    client: TestClient, device: tuple[str, str], settings: Settings, clock: FakeClock
) -> None:
    _, token = device
    teach_catalog(client, token)
    _, other = register(client, hardware_id="hw-0002")
    clock.advance(60)
    newer = {
        "version": 3,
        "titles": {"employment_registration": {"zh-CN": "就业登记备案", "en": "Registration"}},
    }
    teach_catalog(client, other, newer)
    assert rows(
        settings,
        "SELECT service, zh, catalog_version, kiosk_pk FROM service_titles ORDER BY service",
    ) == [
        ("bundle_flexible_employment", "灵活就业一件事", 2, 1),
        ("employment_registration", "就业登记备案", 3, 2),
        ("flexible_insurance_enrolment", "灵活就业人员参保登记", 2, 1),
        ("unemployment_registration", "失业登记", 2, 1),
    ]


def test_kiosks_reporting_at_once_leave_one_title_per_service(
    client: TestClient, settings: Settings
) -> None:
    tokens = [register(client, hardware_id=f"hw-{n:04d}")[1] for n in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda t: post_json(client, "/catalog", CATALOG, t), tokens))
    assert [a.status_code for a in answers] == [200] * 6
    assert rows(settings, "SELECT count(*), count(DISTINCT service) FROM service_titles") == [
        (4, 4)
    ]


def test_a_title_another_kiosk_added_between_read_and_write_is_updated_not_an_error(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    runtime = client.app.state.runtime
    competed: list[bool] = []

    def another_kiosk_first(_session: Any, _context: Any, _instances: Any) -> None:
        if competed:
            return
        competed.append(True)
        with runtime.db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO service_titles (service, zh, en, catalog_version, kiosk_pk,"
                " learned_at) VALUES ('employment_registration', '旧', 'old', 1, 1,"
                " '2026-11-26 02:00:00')"
            )

    event.listen(Session, "before_flush", another_kiosk_first)
    try:
        teach_catalog(client, token)
    finally:
        event.remove(Session, "before_flush", another_kiosk_first)
    assert competed
    assert rows(
        settings,
        "SELECT zh, catalog_version FROM service_titles WHERE service = 'employment_registration'",
    ) == [("就业登记", 2)]


@pytest.mark.parametrize(
    "header", [None, "Bearer KA01.forged-secret", "Bearer KZ99.whatever", "Basic dXNlcjpwYXNz"]
)
def test_a_catalog_without_a_valid_device_token_is_401_and_stores_nothing(
    client: TestClient, device: tuple[str, str], settings: Settings, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    answer = client.post(f"{API_PREFIX}/catalog", content=json.dumps(CATALOG), headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert rows(settings, "SELECT count(*) FROM service_titles") == [(0,)]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (catalog(employment_registration={"zh-CN": "就业登记"}), "employment_registration.en"),
        ({"titles": CATALOG["titles"]}, "version"),
        ({**CATALOG, "titles": {"Not A Code": BOOKING}}, "titles"),
        ({**CATALOG, "services": {}}, "services"),
    ],
    ids=["title without English", "no version", "bad service id", "unknown field"],
)
def test_a_malformed_catalog_is_422_naming_the_field(
    client: TestClient, device: tuple[str, str], settings: Settings, body: Any, named: str
) -> None:
    _, token = device
    answer = post_json(client, "/catalog", body, token)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error.startswith("CatalogIn: ")
    assert named in error
    assert rows(settings, "SELECT count(*) FROM service_titles") == [(0,)]


def test_a_catalog_that_is_not_json_is_422(client: TestClient, device: tuple[str, str]) -> None:
    _, token = device
    answer = client.post(
        f"{API_PREFIX}/catalog", content=b"{not json", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 422
    assert answer.json()["error"].startswith("CatalogIn: ")


# -- what citizens see -------------------------------------------------------------------


def test_the_receipt_page_shows_the_learned_title_never_the_code(
    client: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    teach_catalog(client, token, catalog(appointment_booking=BOOKING))
    post_json(client, "/transactions", transaction(service="appointment_booking"), token)
    page = client.get(receipt("KA01-2611260001"))
    assert page.status_code == 200
    assert "预约服务" in page.text
    assert "Book an appointment" in page.text
    assert "appointment_booking" not in page.text


def test_my_applications_carry_the_learned_title(
    client: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    teach_catalog(client, token, catalog(appointment_booking=BOOKING))
    post_json(client, "/transactions", transaction(service="appointment_booking"), token)
    (app,) = my_applications(client, token).applications
    assert app.service == "appointment_booking"
    assert app.title.model_dump() == BOOKING


def test_a_title_learned_after_the_transaction_names_it_from_then_on(
    client: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    post_json(client, "/transactions", transaction(service="appointment_booking"), token)
    assert "预约服务" not in client.get(receipt("KA01-2611260001")).text
    teach_catalog(client, token, catalog(appointment_booking=BOOKING))
    assert "预约服务" in client.get(receipt("KA01-2611260001")).text


def test_a_service_no_kiosk_named_gets_a_generic_wording_for_citizens(
    client: TestClient, device: tuple[str, str]
) -> None:
    # An older kiosk that never reports its catalog.
    _, token = device
    post_json(client, "/transactions", transaction(service="appointment_booking"), token)
    page = client.get(receipt("KA01-2611260001")).text
    assert "就业服务事项" in page
    assert "Employment service" in page
    assert "appointment_booking" not in page
    (app,) = my_applications(client, token).applications
    assert app.title.model_dump() == {"zh-CN": "就业服务事项", "en": "Employment service"}
    assert "appointment_booking" not in json.dumps(app.title.model_dump())


# -- what ops see ------------------------------------------------------------------------


def test_ops_pages_show_the_title_with_the_code_beside_it(
    client: TestClient, ops: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    teach_catalog(client, token)
    items = [
        {"service": "employment_registration", "fields": {}},
        {"service": "unemployment_benefit_stop", "fields": {}},  # never named
    ]
    body = transaction(service="bundle_flexible_employment", items=items)
    assert post_json(client, "/transactions", body, token).status_code == 201
    page = ops.get("/transactions").text
    for shown in (
        "灵活就业一件事",
        "bundle_flexible_employment",
        "就业登记",
        "employment_registration",
        "就业服务事项",
        "unemployment_benefit_stop",
    ):
        assert shown in page
