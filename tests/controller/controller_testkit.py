"""Test data and helpers for the controller tests: valid bodies, HTTP helpers, seeded content."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.types.string import TextLoader
from sqlalchemy import make_url, text

from controller.auth.access import Role
from controller.auth.config import AuthSettings
from controller.seed import SeedFile, load_content
from controller.services import regions
from controller.services.audit import Actor
from controller.settings import Settings
from wire import API_PREFIX

# Valid GB 11643 numbers (checksums right) that belong to nobody in particular.
ID_NUMBER = "11010519491231002X"
OTHER_ID_NUMBER = "44030419900307123X"
NAME = "测试甲"
PHONE = "13812345678"
# The receipt key the test transactions carry (wire.ReceiptKey: 10 base32 characters).
RECEIPT_KEY = "ABCDEFGHJK"


# Sign-in policy of the test apps: argon2id at a cost that keeps the suite fast (the default
# cost is asserted in test_auth_accounts.py).
# The login-form limit is raised because one test client opens the login page from a single
# address far more often than a person would (its default is asserted in test_auth_login.py).
FAST_AUTH = AuthSettings(
    hash_memory_kib=1024, hash_time_cost=1, hash_parallelism=1, login_forms_per_minute=100_000
)
# For sweeps over every route of the access table whose answer comes from middleware that
# never touches the database (security headers, CSRF refusals): SQLite alone, not both.
ON_SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PASSWORD = "correct horse battery"  # noqa: S105 - a test account's password
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(
    client: TestClient,
    username: str,
    role: Role = Role.OPS_VIEWER,
    password: str = PASSWORD,
    region_code: str | None = None,
) -> int:
    """Create an account through the app's own service (as create-admin does); its id."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        user = runtime.accounts.create(
            session, Actor.command_line(), username, password, role, region_code
        )
        session.commit()
        return int(user.id)


# A small region tree for the tests (codes as GB/T 2260 has them; the townships and
# villages are the tests' own): two counties of one city, and a county of another city.
TEST_REGIONS = """code,name
330000,浙江省
330100,杭州市
330102,上城区
330106,西湖区
330102001,湖滨街道
330102001001,东坡路社区
330106001,北山街道
331100,丽水市
331122,缙云县
"""


def add_regions(client: TestClient, text: str = TEST_REGIONS) -> None:
    """Import `text` (code,name CSV) into the app's region tree, as `regions import` does."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        regions.import_regions(session, regions.read_region_file(text.splitlines()))
        session.commit()


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token in the form of the page at `path` (for /login, of a new pre-session)."""
    page = client.get(path)
    found = _CSRF.search(page.text)
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    """Open the login page and post its form, as a browser does; the POST's response."""
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def signed_in_as(client: TestClient, role: Role, username: str | None = None) -> TestClient:
    """`client`, signed in to a new account of `role`."""
    name = username or f"{role.value}-tester"
    make_user(client, name, role)
    answer = sign_in(client, name)
    assert answer.status_code == 303, answer.text
    return client


def transaction(key: str = "0" * 32, **overrides: Any) -> dict[str, Any]:
    """A valid TransactionIn body; keyword arguments replace top-level fields."""
    body: dict[str, Any] = {
        "key": key,
        "number": "KA01-2611260001",
        "service": "employment_registration",
        "created_at": "2026-11-26T10:00:00+08:00",
        "identity_method": "id_card",
        "citizen": {"id_number": ID_NUMBER, "name": NAME},
        "fields": {"phone": PHONE},
        "receipt_key": RECEIPT_KEY,
    }
    body.update(overrides)
    return body


def receipt(number: str, key: str = RECEIPT_KEY) -> str:
    """The public status page of a transaction, as its receipt QR links to it."""
    return f"/r/{number}?k={key}"


def heartbeat(**overrides: Any) -> dict[str, Any]:
    """A valid Heartbeat body."""
    body: dict[str, Any] = {
        "sent_at": "2026-11-26T10:00:00+08:00",
        "status": "idle",
        "software_version": "0.1.0",
        "devices": {
            "id_card_reader": {"state": "ok"},
            "receipt_printer": {"state": "degraded", "reason": "paper low"},
        },
        "outbox_pending": 0,
    }
    body.update(overrides)
    return body


def post_json(
    client: TestClient, path: str, body: object, token: str | None = None
) -> Any:  # httpx.Response; Any keeps the tests free of casts
    """POST a JSON body to an API path, with a device token when given."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(f"{API_PREFIX}{path}", content=json.dumps(body), headers=headers)


def pairing_code(app: Any, note: str = "", minutes: int | None = None) -> str:
    """A one-time pairing code issued by the app's own service (as the CLI does).

    `app` is a TestClient or a FastAPI app.
    """
    runtime = getattr(app, "app", app).state.runtime
    with runtime.db.session() as session:
        issued = runtime.enrollment.issue_code(session, Actor.command_line(), note, minutes)
        session.commit()
    return str(issued.code)


def preauthorise(app: Any, hardware_id: str) -> None:
    """Put a hardware id on the app's pre-authorised list (as the CLI does)."""
    runtime = getattr(app, "app", app).state.runtime
    with runtime.db.session() as session:
        runtime.enrollment.preauthorise(session, Actor.command_line(), hardware_id)
        session.commit()


def enroll_body(
    hardware_id: str = "hw-0001", name: str = "朝阳区一号机", **overrides: Any
) -> dict[str, Any]:
    """A RegisterRequest body without a pairing code; keyword arguments add or replace fields."""
    body: dict[str, Any] = {
        "hardware_id": hardware_id,
        "name": name,
        "site": "朝阳区人社局大厅",
        "software_version": "0.1.0",
    }
    body.update(overrides)
    return body


def register(
    client: TestClient, hardware_id: str = "hw-0001", name: str = "朝阳区一号机"
) -> tuple[str, str]:
    """Enroll a kiosk with a fresh pairing code; return (kiosk_id, device_token)."""
    body = enroll_body(hardware_id, name, pairing_code=pairing_code(client))
    answer = post_json(client, "/kiosks/register", body)
    assert answer.status_code in (200, 201), answer.text
    assert answer.json()["state"] == "active"
    return answer.json()["kiosk_id"], answer.json()["device_token"]


# A kiosk's catalog report (wire.CatalogIn), titles as in flows/catalog/.
CATALOG: dict[str, Any] = {
    "version": 2,
    "titles": {
        "employment_registration": {"zh-CN": "就业登记", "en": "Employment registration"},
        "unemployment_registration": {"zh-CN": "失业登记", "en": "Unemployment registration"},
        "bundle_flexible_employment": {
            "zh-CN": "灵活就业一件事",
            "en": "Starting flexible work (all in one)",
        },
        "flexible_insurance_enrolment": {
            "zh-CN": "灵活就业人员参保登记",
            "en": "Social insurance for flexible workers",
        },
    },
}


def teach_catalog(client: TestClient, token: str, catalog: dict[str, Any] | None = None) -> None:
    """Report a kiosk's catalog (CATALOG by default), as a kiosk does before transactions."""
    answer = post_json(client, "/catalog", catalog or CATALOG, token)
    assert answer.status_code == 200, answer.text


def rows(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Read the controller's database directly, as an auditor would (`?` placeholders).

    Values come back as SQLite's driver gives them on either database: JSON as its text,
    times as text in UTC, so one assertion holds on both.
    """
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(str(url.database)) as conn:
            return conn.execute(sql, params).fetchall()
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as pg:
        for type_name in ("json", "jsonb"):
            pg.adapters.register_loader(type_name, TextLoader)
        # psycopg reads "%" as a placeholder: a LIKE pattern's must be doubled.
        query = sql.replace("%", "%%").replace("?", "%s")
        found = pg.execute(query, params).fetchall()  # type: ignore[arg-type]
    return [tuple(_as_sqlite_gives(value) for value in row) for row in found]


def _as_sqlite_gives(value: object) -> object:
    # models.UtcDateTime stores naive UTC in SQLite, which hands it back as this text.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


# -- the content store ---------------------------------------------------------------------
# The FakeClock of conftest starts on Thursday 2026-11-26 at 10:00:30 Beijing time.


def _entry(code: str, title: str, **store: Any) -> dict[str, Any]:
    return {"id": code, "title": {"zh-CN": title, "en": code}, **store}


CONTENT: dict[str, Any] = {
    "format": 1,
    "jobs": [
        _entry(
            "J-1",
            "数控车工",
            area="huzhen",
            industry="manufacturing",
            work_type="full_time",
            salary=[5000, 7000],
            published_days_ago=1,
            criteria={"age": [18, 50], "answers": {"education": ["college"]}},
        ),
        _entry(
            "J-2",
            "分拣员",
            area="wuyun",
            industry="logistics",
            work_type="part_time",
            salary=[3000, 4000],
            published_days_ago=0,
        ),
        _entry(
            "J-3",
            "烧饼师傅",
            area="xiandu",
            industry="hospitality",
            work_type="full_time",
            published_days_ago=2,
        ),
        _entry(
            "J-OLD",
            "过期岗位",
            area="huzhen",
            industry="manufacturing",
            work_type="full_time",
            published_days_ago=70,
            open_days=60,
        ),
    ],
    "policies": [
        _entry("P-1", "灵活就业社保补贴", criteria={"age_by_sex": {"female": [40, None]}}),
        _entry("P-OLD", "已废止政策", in_force_until="2025-12-31"),
        _entry("P-NEXT", "明年政策", in_force_from="2027-01-01"),
    ],
    "trainings": [
        _entry("T-1", "电工", category="electrician", starts_in_days=10, capacity=3),
        _entry("T-FULL", "焊工", category="welder", starts_in_days=10, capacity=2, taken=2),
        _entry(
            "T-CLOSED",
            "叉车",
            category="forklift",
            starts_in_days=1,
            enrol_days_before=2,
            capacity=9,
        ),
    ],
    "job_fairs": [
        _entry("F-1", "制造业专场", held_in_days=3, capacity=100),
        _entry("F-CLOSED", "景区专场", held_in_days=1, signup_closes_days_before=2, capacity=50),
        _entry("F-FULL", "毕业生专场", held_in_days=5, capacity=1, taken=1),
    ],
    "appointment_services": [
        {
            "id": "benefit",
            "title": {"zh-CN": "失业保险金申领", "en": "Unemployment benefit"},
            "location": "3号窗口",
            "windows": 1,
            "per_window": 3,
            "slot_minutes": 30,
            "hours": [["09:00", "10:00"], ["13:30", "14:00"]],
            "weekdays": [1, 2, 3, 4, 5],
            "days_ahead": 14,
        }
    ],
}
# Friday 2026-11-27, 09:00 Beijing time: a slot with 3 places.
SLOT = "benefit-20261127-0900"


def seed(client: TestClient, content: dict[str, Any] | None = None) -> None:
    """Load test content (CONTENT by default) into the app's store, dated from its clock."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        load_content(session, SeedFile.model_validate(content or CONTENT), runtime.clock())


def list_slots(client: TestClient, token: str, day: str = "2026-11-27") -> Any:
    """GET the slots of the test appointment service on `day`."""
    return client.get(
        f"{API_PREFIX}/content/slots",
        params={"appointment_service": "benefit", "appointment_date": day},
        headers={"Authorization": f"Bearer {token}"},
    )


def hold(
    client: TestClient, token: str, item: str = SLOT, key: str = "1" * 32, source: str = "slots"
) -> Any:
    """POST a hold request."""
    return post_json(
        client, "/bookings/hold", {"key": key, "source": source, "item_id": item}, token
    )


def taken(client: TestClient, table: str, code: str) -> int:
    """The `taken` counter of one bookable item, read with the app's own engine."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.engine.connect() as conn:
        value = conn.execute(
            text(f"SELECT taken FROM {table} WHERE code = :code"),  # noqa: S608 - test tables
            {"code": code},
        ).scalar_one()
    return int(value)
