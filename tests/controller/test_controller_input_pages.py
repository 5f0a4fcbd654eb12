"""HTML injection: markup in every string a kiosk sends either never passes the wire, or is
shown escaped on every page that shows it.

The public receipt page is read as a citizen reads it. The dashboard pages are read with
`staff_page` reads a dashboard page signed in as an ops viewer.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import Role
from tests.controller.controller_testkit import (
    CATALOG,
    heartbeat,
    pairing_code,
    post_json,
    receipt,
    signed_in_as,
    transaction,
)
from wire import API_PREFIX

# Breaks out of an attribute too, if a value ever lands in one unescaped.
PAYLOAD = '"><script>alert(1)</script>'
ESCAPED = "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
RAW = "<script>alert(1)"


def staff_page(client: TestClient, path: str) -> str:
    """A dashboard page as ops see it (signing in first if the client is not)."""
    page = client.get(path, follow_redirects=False)
    if page.status_code == 303:  # to the login page
        signed_in_as(client, Role.OPS_VIEWER)
        page = client.get(path)
    assert page.status_code == 200, path
    return page.text


def _register(client: TestClient, **fields: str) -> str:
    body = {
        "hardware_id": "hw-xss",
        "name": "一号机",
        "site": "大厅",
        "software_version": "0.1.0",
        "pairing_code": pairing_code(client),
        **fields,
    }
    answer = post_json(client, "/kiosks/register", body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["device_token"])


def _shown_escaped(page: str) -> None:
    assert RAW not in page
    assert ESCAPED in page


@pytest.mark.parametrize("field", ["name", "site", "software_version"])
def test_registration_text_is_escaped_on_the_fleet_and_kiosk_pages(
    client: TestClient, field: str
) -> None:
    _register(client, **{field: PAYLOAD})
    if field != "software_version":  # the fleet page shows no version
        _shown_escaped(staff_page(client, "/"))
    _shown_escaped(staff_page(client, "/kiosks/KA01"))


def test_heartbeat_text_is_escaped_on_the_pages(client: TestClient) -> None:
    token = _register(client)
    beat = heartbeat(
        software_version=PAYLOAD,
        devices={"receipt_printer": {"state": "faulted", "reason": PAYLOAD}},
    )
    assert post_json(client, "/heartbeat", beat, token).status_code == 200
    for path in ("/", "/kiosks/KA01"):
        page = staff_page(client, path)
        assert RAW not in page
    assert staff_page(client, "/kiosks/KA01").count(ESCAPED) >= 2  # the version, the reason


def test_a_catalog_title_is_escaped_on_the_receipt_page_and_the_dashboard(
    client: TestClient,
) -> None:
    token = _register(client)
    titles = {**CATALOG["titles"], "employment_registration": {"zh-CN": PAYLOAD, "en": PAYLOAD}}
    assert post_json(client, "/catalog", {**CATALOG, "titles": titles}, token).status_code == 200
    assert post_json(client, "/transactions", transaction(), token).status_code == 201
    public = client.get(receipt("KA01-2611260001"))
    assert public.status_code == 200
    _shown_escaped(public.text)
    for path in ("/transactions", "/kiosks/KA01"):
        _shown_escaped(staff_page(client, path))


def test_a_citizens_name_is_masked_and_escaped(client: TestClient) -> None:
    token = _register(client)
    citizen = {"id_number": "11010519491231002X", "name": PAYLOAD}
    assert (
        post_json(client, "/transactions", transaction(citizen=citizen), token).status_code == 201
    )
    page = staff_page(client, "/transactions")
    assert "&#34;" + "*" * (len(PAYLOAD) - 1) in page  # the first character, escaped
    assert RAW not in page


def test_answers_and_ratings_never_reach_a_page_in_clear(client: TestClient) -> None:
    token = _register(client)
    body = transaction(fields={"phone": PAYLOAD, "note": PAYLOAD})
    assert post_json(client, "/transactions", body, token).status_code == 201
    rating = {
        "key": "9" * 32,
        "transaction_number": "KA01-2611260001",
        "service": "employment_registration",
        "stars": 1,
        "reasons": ["other"],
        "comment": PAYLOAD,
    }
    assert post_json(client, "/ratings", rating, token).status_code == 201
    pages = [staff_page(client, p) for p in ("/", "/kiosks/KA01", "/transactions")]
    pages.append(client.get(receipt("KA01-2611260001")).text)
    for page in pages:
        assert RAW not in page
        assert "alert(1)" not in page  # sealed, not shown at all


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/transactions", transaction(number=PAYLOAD), "number"),
        ("/transactions", transaction(service=PAYLOAD), "service"),
        ("/transactions", transaction(identity_method=PAYLOAD), "identity_method"),
        ("/transactions", transaction(selected={"jobs": PAYLOAD}), "selected"),
        (
            "/transactions",
            transaction(items=[{"service": PAYLOAD, "fields": {}}]),
            "items",
        ),
        ("/transactions", transaction(receipt_key=PAYLOAD), "receipt_key"),
        ("/heartbeat", heartbeat(devices={PAYLOAD: {"state": "ok"}}), "devices"),
        ("/heartbeat", heartbeat(status=PAYLOAD), "status"),
        (
            "/ratings",
            {
                "key": "9" * 32,
                "transaction_number": "KA01-2611260001",
                "service": "employment_registration",
                "stars": 1,
                "reasons": [PAYLOAD],
            },
            "reasons",
        ),
        ("/catalog", {"version": 1, "titles": {PAYLOAD: {"zh-CN": "a", "en": "b"}}}, "titles"),
        ("/bookings/hold", {"key": "1" * 32, "source": "slots", "item_id": PAYLOAD}, "item_id"),
    ],
)
def test_markup_in_a_coded_field_never_passes_the_wire(
    client: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    token = _register(client)
    answer = post_json(client, path, body, token)
    assert answer.status_code == 422
    assert field in answer.json()["error"]


def test_markup_in_a_hardware_id_never_passes_the_wire(client: TestClient) -> None:
    answer = post_json(
        client,
        "/kiosks/register",
        {"hardware_id": PAYLOAD, "name": "x", "pairing_code": pairing_code(client)},
    )
    assert answer.status_code == 422
    assert "hardware_id" in answer.json()["error"]


# A path segment holds no "/", so the markup in a path is an element without a closing tag.
PATH_PAYLOAD = "%22%3E%3Cb%20onmouseover%3Dalert(1)%3E"
PATH_ESCAPED = "&#34;&gt;&lt;b onmouseover=alert(1)&gt;"


@pytest.mark.parametrize("path", ["/r/", "/kiosks/"])
def test_markup_in_a_path_is_escaped_on_the_not_found_page(ops: TestClient, path: str) -> None:
    page = ops.get(path + PATH_PAYLOAD)
    assert page.status_code == 404
    assert "<b onmouseover" not in page.text
    assert PATH_ESCAPED in page.text


def test_the_api_never_answers_html(client: TestClient) -> None:
    answer = client.get(f"{API_PREFIX}/{PAYLOAD}")
    assert answer.headers["content-type"] == "application/json"
