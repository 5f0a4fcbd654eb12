"""County content management's test helpers: valid codes, form rows, staff, kiosks per county."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.services import employers
from controller.services.content_kinds import Kind
from tests.controller.controller_testkit import (
    add_regions,
    csrf_token,
    make_user,
    register,
    sign_in,
)
from wire import API_PREFIX

# Valid unified social credit codes (GB 32100 check character right), and one with it wrong.
USCC = "91330102MA2B3C4D5A"
USCC_2 = "91330106MA27Y8RX9K"
JOB_HEADER = (
    "id,title_zh,title_en,area,industry,work_type,salary_min,salary_max,publish_on,until,employer"
)
DAY = 24 * 3600.0
NOW = dt.datetime(2026, 11, 26, 2, 0, 30, tzinfo=dt.UTC)  # the conftest clock: 26 Nov in China


def valid_code(code17: str) -> str:
    """A credit code made valid: `code17` and its GB 32100 check character."""
    return code17 + employers.uscc.calc_check_digit(code17)


def job_cells(**cells: str) -> dict[str, str]:
    """A valid job row's cells, with `cells` changed."""
    base = {
        "id": "J1",
        "title_zh": "数控车床操作工",
        "area": "huzhen",
        "industry": "manufacturing",
        "work_type": "full_time",
    }
    return {**base, **cells}


# one item of every kind staff can save, each valid
KINDS_ROWS: list[tuple[Kind, dict[str, str]]] = [
    (Kind.JOBS, job_cells(title_en="CNC lathe operator", salary_min="5000", duties_zh="看图加工")),
    (Kind.POLICIES, {"id": "P1", "title_zh": "创业担保贷款", "age_min": "18", "age_max": "60"}),
    (
        Kind.TRAININGS,
        {
            "id": "T1",
            "title_zh": "电工培训",
            "category": "electrical",
            "starts_on": "2026-12-10",
            "enrol_until": "2026-12-01",
            "capacity": "30",
        },
    ),
    (
        Kind.JOB_FAIRS,
        {
            "id": "F1",
            "title_zh": "春风行动招聘会",
            "held_on": "2026-12-20",
            "signup_closes": "2026-12-18 17:00",
            "capacity": "500",
        },
    ),
    (Kind.ANNOUNCEMENTS, {"id": "A1", "title_zh": "元旦期间正常服务", "qr": "https://x.example/a"}),
]


def slot_cells(**cells: str) -> dict[str, str]:
    """A valid appointment slot row's cells, with `cells` changed."""
    base = {
        "service": "unemployment_benefit",
        "date": "2026-12-01",
        "starts": "09:00",
        "ends": "11:30",
        "capacity": "4",
        "where_zh": "县人社服务大厅3号窗口",
    }
    return {**base, **cells}


def series_cells(**fields: str) -> dict[str, str]:
    """A valid series of slots (every weekday of December 2026), with `fields` changed."""
    base = {
        **slot_cells(),
        "first_day": "2026-12-01",
        "last_day": "2026-12-31",
        "weekdays": "1,2,3,4,5",
    }
    return {**base, **fields}


def sign_in_staff(
    client: TestClient, name: str, region: str | None, role: Role = Role.COUNTY_STAFF
) -> None:
    """Make a staff member of `region` with `role` and sign them in."""
    make_user(client, name, role, region_code=region)
    assert sign_in(client, name).status_code == 303


def kiosk_in(client: TestClient, county: str, hardware: str) -> str:
    """Register a kiosk, place it in `county` and return its token."""
    kiosk_id, token = register(client, hardware_id=hardware, name=f"{county}机")
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        runtime.fleet.find(session, kiosk_id).region_code = county
        session.commit()
    return token


def fetch_items(client: TestClient, token: str, source: str) -> list[dict[str, Any]]:
    """The content items of `source` a kiosk with `token` gets."""
    answer = client.get(
        f"{API_PREFIX}/content/{source}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def save_item(client: TestClient, kind: str, **cells: str) -> Any:
    """Save one item of `kind` through the content page's form."""
    return client.post(
        f"/content/{kind}", data={"csrf_token": csrf_token(client, "/content"), **cells}
    )


def import_csv(
    client: TestClient, kind: str, data: bytes, dry_run: bool = False, **extra: str
) -> Any:
    """Import a CSV file of `kind` through the content page (or try it, `dry_run`)."""
    form = {"csrf_token": csrf_token(client, "/content"), **extra}
    if dry_run:
        form["dry_run"] = "1"
    return client.post(
        f"/content/{kind}/import", data=form, files={"file": (f"{kind}.csv", data, "text/csv")}
    )


def kiosks_in_two_counties(client: TestClient) -> dict[str, str]:
    """Kiosk tokens of a kiosk in 缙云县 and one in 西湖区; the region tree loaded."""
    add_regions(client)
    return {
        "331122": kiosk_in(client, "331122", "hw-j"),
        "330106": kiosk_in(client, "330106", "hw-x"),
    }
