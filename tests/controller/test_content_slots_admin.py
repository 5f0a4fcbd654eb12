"""Appointment slots through the app (SQLite and PostgreSQL): series and CSV imports reach
the county's kiosks only, holds, capacity, and the documented sample.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.services.content_csv import decode, read_rows
from controller.services.content_kinds import Kind
from controller.services.content_rows import parse_row
from flows.content import parse_items
from tests.controller.content_admin_testkit import (
    KINDS_ROWS,
    NOW,
    import_csv,
    kiosks_in_two_counties,
    save_item,
    series_cells,
    sign_in_staff,
    slot_cells,
)
from tests.controller.controller_testkit import (
    csrf_token,
    post_json,
    rows,
)
from wire import API_PREFIX

# -- appointment slots -------------------------------------------------------------------

SLOT_HEADER = "service,date,starts,ends,capacity,where_zh,where_en"
SLOT_CSV = (
    f"{SLOT_HEADER}\nunemployment_benefit,2026-12-01,09:00,09:30,2,县人社服务大厅3号窗口,Window 3\n"
)


@pytest.fixture
def counties(client: TestClient) -> dict[str, str]:
    """Kiosk tokens of a kiosk in 缙云县 and one in 西湖区; the region tree loaded."""
    return kiosks_in_two_counties(client)


def _slots_of(
    client: TestClient, token: str, day: str, service: str = "unemployment_benefit"
) -> list[dict[str, Any]]:
    answer = client.get(
        f"{API_PREFIX}/content/slots",
        params={"appointment_service": service, "appointment_date": day},
        headers={"Authorization": f"Bearer {token}"},
    )
    if answer.status_code == 404:  # a county offering no such service lists none
        return []
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _hold(client: TestClient, token: str, source: str, item: str, n: int) -> Any:
    return post_json(
        client, "/bookings/hold", {"key": f"{n:032x}", "source": source, "item_id": item}, token
    )


def _series_form(client: TestClient, **fields: str) -> Any:
    form = {k: v for k, v in series_cells(**fields).items() if k != "weekdays"}
    for day in series_cells(**fields)["weekdays"].split(","):
        if day:
            form[f"weekday_{day}"] = "1"
    return client.post(
        "/content/slots/series", data={"csrf_token": csrf_token(client, "/content"), **form}
    )


def test_slots_made_in_a_series_reach_the_countys_kiosks_and_no_other(
    client: TestClient, counties: dict[str, str]
) -> None:
    sign_in_staff(client, "jinyun", "331122")
    dry = _series_form(client, every="30", dry_run="1")
    assert dry.status_code == 200, dry.text
    assert rows(client.app.state.runtime.settings, "SELECT code FROM appointment_slots") == []  # type: ignore[attr-defined]
    answer = _series_form(client, every="30")
    assert answer.status_code == 200, answer.text
    assert '<span class="created">115</span>' in answer.text  # 23 weekdays x 5 half hours
    slots = _slots_of(client, counties["331122"], "2026-12-01")
    assert [s["title"] for s in slots] == [
        "09:00-09:30",
        "09:30-10:00",
        "10:00-10:30",
        "10:30-11:00",
        "11:00-11:30",
    ]
    assert slots[0]["id"] == "331122-unemployment_benefit-20261201-0900"
    assert slots[0]["available"] is True
    assert [{"zh-CN": "地点", "en": "Where"}, "县人社服务大厅3号窗口"] in slots[0]["rows"]
    assert parse_items(slots)[0].id == slots[0]["id"]  # and the kiosk's flows keep them
    assert _slots_of(client, counties["331122"], "2026-12-05") == []  # a Saturday
    assert _slots_of(client, counties["330106"], "2026-12-01") == []
    audit = rows(client.app.state.runtime.settings, "SELECT action, target FROM audit_log")  # type: ignore[attr-defined]
    assert ("content.imported", "slots") in audit


def test_a_hold_on_another_countys_item_is_the_404_of_an_unknown_one(
    client: TestClient, counties: dict[str, str]
) -> None:
    sign_in_staff(client, "jinyun", "331122")
    assert save_item(client, "slots", **slot_cells()).status_code == 200
    training = dict(KINDS_ROWS[2][1])
    assert save_item(client, "trainings", **training).status_code == 200
    slot = "331122-unemployment_benefit-20261201-0900"
    unknown = _hold(client, counties["330106"], "slots", "331122-other-20261201-0900", 1)
    assert unknown.status_code == 404
    for n, (source, item) in enumerate([("slots", slot), ("trainings", "T1")], start=2):
        refused = _hold(client, counties["330106"], source, item, n)
        assert refused.status_code == 404
        assert refused.json()["user_message"] == unknown.json()["user_message"]
        assert _hold(client, counties["331122"], source, item, n + 10).status_code == 201
    booked = rows(client.app.state.runtime.settings, "SELECT taken FROM appointment_slots")  # type: ignore[attr-defined]
    assert booked == [(1,)]


def test_a_capacity_below_the_places_booked_is_a_row_error(
    client: TestClient, counties: dict[str, str]
) -> None:
    sign_in_staff(client, "jinyun", "331122")
    token = counties["331122"]
    settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
    assert import_csv(client, "slots", SLOT_CSV.encode()).status_code == 200
    assert save_item(client, "trainings", **KINDS_ROWS[2][1]).status_code == 200
    slot = "331122-unemployment_benefit-20261201-0900"
    for n in (1, 2):
        assert _hold(client, token, "slots", slot, n).status_code == 201
        assert _hold(client, token, "trainings", "T1", n + 10).status_code == 201
    answer = import_csv(client, "slots", SLOT_CSV.replace(",2,", ",1,").encode())
    assert answer.status_code == 400
    assert '<td class="mono">2</td><td class="mono">capacity</td>' in answer.text
    assert "below the 2 places already booked" in answer.text
    # trainings (and fairs) too: refused with the row, no longer silently raised
    lowered = save_item(client, "trainings", **{**KINDS_ROWS[2][1], "capacity": "1"})
    assert lowered.status_code == 400
    assert '<td class="mono">1</td><td class="mono">capacity</td>' in lowered.text
    assert rows(settings, "SELECT capacity, taken FROM appointment_slots") == [(2, 2)]
    assert rows(settings, "SELECT capacity, taken FROM trainings WHERE code = 'T1'") == [(30, 2)]
    exact = save_item(client, "trainings", **{**KINDS_ROWS[2][1], "capacity": "2"})
    assert exact.status_code == 200  # down to the places booked is allowed: then it is full
    assert _hold(client, token, "trainings", "T1", 20).status_code == 409
    csrf = csrf_token(client, "/content")
    removed = client.post(f"/content/slots/{slot}/expire", data={"csrf_token": csrf})
    assert removed.status_code == 409  # booked places keep their slot
    assert rows(settings, "SELECT count(*) FROM appointment_slots") == [(1,)]


@pytest.mark.parametrize(
    "encoded",
    [SLOT_CSV.encode("gbk"), b"\xef\xbb\xbf" + SLOT_CSV.encode("utf-8")],
    ids=["gbk", "utf-8-bom"],
)
def test_slots_import_from_gbk_and_utf8_with_bom(
    client: TestClient, counties: dict[str, str], encoded: bytes
) -> None:
    sign_in_staff(client, "jinyun", "331122")
    assert import_csv(client, "slots", encoded).status_code == 200
    slots = _slots_of(client, counties["331122"], "2026-12-01")
    assert [(s["title"], s["rows"][3][1]) for s in slots] == [
        ("09:00-09:30", {"zh-CN": "县人社服务大厅3号窗口", "en": "Window 3"})
    ]


@pytest.mark.parametrize(
    ("csv_text", "row", "column"),
    [
        ("service,date,starts,capacity,where_zh\n", 1, "ends"),
        (SLOT_CSV + SLOT_CSV.splitlines()[1].replace("09:30", "10:00") + "\n", 3, "starts"),
        (SLOT_CSV.replace("2026-12-01", "2026-11-20"), 2, "date"),
        (SLOT_CSV.replace("unemployment_benefit", "haircut"), 2, "service"),
    ],
    ids=["missing-column", "same-time-twice", "past-date", "unknown-service"],
)
def test_a_faulty_slots_csv_stores_nothing_and_reports_where(
    client: TestClient, counties: dict[str, str], csv_text: str, row: int, column: str
) -> None:
    sign_in_staff(client, "jinyun", "331122")
    answer = import_csv(client, "slots", csv_text.encode())
    assert answer.status_code == 400
    assert f'<td class="mono">{row}</td><td class="mono">{column}</td>' in answer.text
    assert rows(client.app.state.runtime.settings, "SELECT code FROM appointment_slots") == []  # type: ignore[attr-defined]


def test_the_documented_sample_of_slots_reads_without_a_problem() -> None:
    sample = Path(__file__).resolve().parents[2] / "docs" / "samples" / "slots.csv"
    found, problems = read_rows(Kind.SLOTS, decode(sample.read_bytes()))
    assert problems == []
    assert len(found) == 3
    for number, values in enumerate(found, start=2):
        assert parse_row(Kind.SLOTS, number, values, NOW, region="331122")[1] == []
