"""County content management: forms, CSV imports, scope, audit, and what kiosks then get."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.services import employers
from controller.services.content_csv import decode, read_rows
from controller.services.content_kinds import CsvRefused, Kind
from controller.services.content_rows import parse_row
from controller.services.content_series import expand_series
from flows.content import parse_items
from flows.manifest import load_builtin_catalog
from tests.controller.controller_testkit import (
    add_regions,
    csrf_token,
    make_user,
    post_json,
    register,
    rows,
    sign_in,
)
from tests.support.clock import FakeClock
from wire import API_PREFIX, ContentItem
from wire.vocabulary import AppointmentKind

# Valid unified social credit codes (GB 32100 check character right), and one with it wrong.
USCC = "91330102MA2B3C4D5A"
USCC_2 = "91330106MA27Y8RX9K"
JOB_HEADER = (
    "id,title_zh,title_en,area,industry,work_type,salary_min,salary_max,publish_on,until,employer"
)
DAY = 24 * 3600.0
NOW = dt.datetime(2026, 11, 26, 2, 0, 30, tzinfo=dt.UTC)  # the conftest clock: 26 Nov in China


def _valid(code17: str) -> str:
    return code17 + employers.uscc.calc_check_digit(code17)


def test_credit_codes_are_checked_by_their_check_character() -> None:
    good = _valid("91330102MA2B3C4D5")
    assert employers.check_credit_code(good.lower()) == good
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(employers.CreditCodeRefused, match="the check character is"):
        employers.check_credit_code(wrong)
    with pytest.raises(employers.CreditCodeRefused, match="18 characters"):
        employers.check_credit_code("91330102MA2B3C4")


def test_initials_are_the_lower_case_pinyin_first_letters() -> None:
    assert employers.initials("深圳就业") == "szjy"
    assert employers.initials("缙云ABC机械厂") == "jyabcjxc"


# -- the file: encodings, header, rows ---------------------------------------------------

_EMPLOYER_CSV = f"id,name,credit_code\nE1,缙云示例机械有限公司,{_valid('91331122MA2B3C4D5')}\n"


@pytest.mark.parametrize(
    "encoded",
    [_EMPLOYER_CSV.encode("gbk"), b"\xef\xbb\xbf" + _EMPLOYER_CSV.encode("utf-8")],
    ids=["gbk", "utf-8-bom"],
)
def test_gbk_and_utf8_with_bom_read_the_same(encoded: bytes) -> None:
    assert decode(encoded) == _EMPLOYER_CSV


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (_EMPLOYER_CSV.encode("utf-16"), "UTF-16"),
        (b"id,name\n\x81\x20\xff\xfe", "neither UTF-8 nor GBK"),
        (b"id\x00,name", "NUL"),
    ],
    ids=["utf-16", "other-bytes", "binary"],
)
def test_other_encodings_are_a_clear_error(data: bytes, words: str) -> None:
    with pytest.raises(CsvRefused, match=words):
        decode(data)


def test_a_missing_column_is_named_with_what_it_holds() -> None:
    found, problems = read_rows(Kind.EMPLOYERS, "id,name\nE1,某公司\n")
    assert found == []
    assert [(p.row, p.column) for p in problems] == [(1, "credit_code")]
    assert "18-character" in problems[0].message


def test_an_unknown_column_is_named() -> None:
    _rows, problems = read_rows(Kind.EMPLOYERS, "id,name,credit_code,colour\n")
    assert [(p.row, p.column) for p in problems] == [(1, "colour")]


def _job(**cells: str) -> dict[str, str]:
    base = {
        "id": "J1",
        "title_zh": "数控车床操作工",
        "area": "huzhen",
        "industry": "manufacturing",
        "work_type": "full_time",
    }
    return {**base, **cells}


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"until": "2026-11-25"}, "until", "in the past"),
        ({"publish_on": "2026-01-01"}, "publish_on", "in the past"),
        ({"until": "26/11/2026"}, "until", "not a date YYYY-MM-DD"),
        ({"work_type": "sometimes"}, "work_type", "full_time or part_time"),
        ({"salary_min": "8000", "salary_max": "5000"}, "salary_max", "below salary_min"),
        ({"title_zh": "车工\u200b"}, "title_zh", "hidden character"),
        ({"summary_zh": "联系 11010519491231002X"}, "summary_zh", "ID number"),
        ({"id": "J 1"}, "id", "String should match"),
        ({"employer": USCC}, "employer", "not an employer of this county"),
    ],
    ids=[
        "until-past",
        "publish-past",
        "bad-date",
        "work-type",
        "salary",
        "hidden",
        "id-number",
        "id",
        "employer",
    ],
)
def test_a_bad_cell_names_its_row_column_and_what_is_allowed(
    cells: dict[str, str], column: str, words: str
) -> None:
    parsed, problems = parse_row(Kind.JOBS, 7, _job(**cells), NOW, region="331122")
    assert parsed is None
    assert [(p.row, p.column) for p in problems] == [(7, column)]
    assert words in problems[0].message


def test_an_item_stays_published_on_its_day_when_edited_later() -> None:
    day = dt.date(2026, 11, 1)
    parsed, problems = parse_row(Kind.JOBS, 2, _job(publish_on="2026-11-01"), NOW, day)
    assert problems == []
    assert parsed is not None
    assert parsed.columns["published_on"] == day


def test_an_invalid_credit_code_is_a_row_error() -> None:
    bad = USCC[:17] + ("0" if USCC[17] != "0" else "1")
    values = {"id": "E1", "name": "某公司", "credit_code": bad}
    parsed, problems = parse_row(Kind.EMPLOYERS, 3, values, NOW, region="331122")
    assert parsed is None
    assert [(p.row, p.column) for p in problems] == [(3, "credit_code")]


# -- one validator: what the controller stores, a kiosk keeps -------------------------------

_KINDS_ROWS: list[tuple[Kind, dict[str, str]]] = [
    (Kind.JOBS, _job(title_en="CNC lathe operator", salary_min="5000", duties_zh="看图加工")),
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


@pytest.mark.parametrize(("kind", "values"), _KINDS_ROWS, ids=[k.value for k, _ in _KINDS_ROWS])
def test_every_item_staff_can_save_is_one_a_kiosk_keeps(kind: Kind, values: dict[str, str]) -> None:
    parsed, problems = parse_row(kind, 2, values, NOW, region="331122")
    assert problems == []
    assert parsed is not None
    item = ContentItem.model_validate({"id": parsed.code, **parsed.display}).as_mapping()
    kept = parse_items([item])
    assert [i.id for i in kept] == [parsed.code]


@pytest.mark.parametrize("text", ["车工\u200b", "车工\x07", "车工\ue000"])
def test_what_a_kiosk_would_drop_is_refused_before_it_is_stored(text: str) -> None:
    assert parse_items([{"id": "J1", "title": text}]) == ()  # the kiosk drops it ...
    parsed, problems = parse_row(Kind.JOBS, 2, _job(title_zh=text), NOW, region="331122")
    assert parsed is None  # ... so the controller never stores it
    assert problems[0].column == "title_zh"


# -- through the app, on SQLite and PostgreSQL -----------------------------------------------


def _staff(
    client: TestClient, name: str, region: str | None, role: Role = Role.COUNTY_STAFF
) -> None:
    make_user(client, name, role, region_code=region)
    assert sign_in(client, name).status_code == 303


def _kiosk_in(client: TestClient, county: str, hardware: str) -> str:
    kiosk_id, token = register(client, hardware_id=hardware, name=f"{county}机")
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        runtime.fleet.find(session, kiosk_id).region_code = county
        session.commit()
    return token


def _fetch(client: TestClient, token: str, source: str) -> list[dict[str, Any]]:
    answer = client.get(
        f"{API_PREFIX}/content/{source}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _save(client: TestClient, kind: str, **cells: str) -> Any:
    return client.post(
        f"/content/{kind}", data={"csrf_token": csrf_token(client, "/content"), **cells}
    )


def _import(client: TestClient, kind: str, data: bytes, dry_run: bool = False, **extra: str) -> Any:
    form = {"csrf_token": csrf_token(client, "/content"), **extra}
    if dry_run:
        form["dry_run"] = "1"
    return client.post(
        f"/content/{kind}/import", data=form, files={"file": (f"{kind}.csv", data, "text/csv")}
    )


@pytest.fixture
def counties(client: TestClient) -> dict[str, str]:
    """Kiosk tokens of a kiosk in 缙云县 and one in 西湖区; the region tree loaded."""
    add_regions(client)
    return {
        "331122": _kiosk_in(client, "331122", "hw-j"),
        "330106": _kiosk_in(client, "330106", "hw-x"),
    }


def test_a_job_created_on_the_page_reaches_the_countys_kiosks_only(
    client: TestClient, counties: dict[str, str]
) -> None:
    _staff(client, "jinyun", "331122")
    answer = _save(client, "jobs", **_job(id="J-JY-1", title_en="CNC lathe operator"))
    assert answer.status_code == 200, answer.text
    assert "J-JY-1" in answer.text
    jobs = _fetch(client, counties["331122"], "jobs")
    assert [j["id"] for j in jobs if j["id"] == "J-JY-1"] == ["J-JY-1"]
    assert jobs[0]["title"] == {"zh-CN": "数控车床操作工", "en": "CNC lathe operator"}
    assert "J-JY-1" not in [j["id"] for j in _fetch(client, counties["330106"], "jobs")]
    assert parse_items(jobs)[0].id == "J-JY-1"  # and the kiosk's flows keep it
    audit = rows(client.app.state.runtime.settings, "SELECT action, target FROM audit_log")  # type: ignore[attr-defined]
    assert ("content.saved", "jobs:J-JY-1") in audit
    version = rows(
        client.app.state.runtime.settings, "SELECT region_code, version FROM content_versions"
    )  # type: ignore[attr-defined]
    assert version == [("331122", 1)]


def test_another_countys_staff_are_refused_and_audited(
    client: TestClient, counties: dict[str, str]
) -> None:
    _staff(client, "jinyun", "331122")
    assert _save(client, "jobs", **_job(id="J-JY-1")).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/content")})
    _staff(client, "xihu", "330106")
    # an edit of the other county's item, through the form and through an import
    answer = _save(client, "jobs", **_job(id="J-JY-1", title_zh="改掉的标题"))
    assert answer.status_code == 400
    assert "another county" in answer.text
    assert client.get("/content/jobs/J-JY-1").status_code == 404
    csrf = csrf_token(client, "/content")
    assert client.post("/content/jobs/J-JY-1/expire", data={"csrf_token": csrf}).status_code == 404
    # asking to act for the other county is refused too
    assert _save(client, "jobs", region="331122", **_job(id="J-XH-1")).status_code == 403
    jobs = _fetch(client, counties["331122"], "jobs")
    assert [j["title"] for j in jobs if j["id"] == "J-JY-1"] == ["数控车床操作工"]
    audit = rows(
        client.app.state.runtime.settings,
        "SELECT action, actor FROM audit_log WHERE action = 'content.refused'",
    )  # type: ignore[attr-defined]
    assert len(audit) == 4
    assert {actor for _action, actor in audit} == {"xihu"}


def test_employers_and_jobs_import_from_csv_and_kiosks_get_no_contacts(
    client: TestClient, counties: dict[str, str]
) -> None:
    _staff(client, "jinyun", "331122")
    employers_csv = (
        "id,name,credit_code,township,contact_person,contact_phone\n"
        f"E1,缙云示例机械有限公司,{_valid('91331122MA2B3C4D5')},,王经理,0578-1234567\n"
        f"E2,壶镇示例锯业厂,{_valid('91331122MA2B3C4D6')},,,\n"
    )
    dry = _import(client, "employers", employers_csv.encode("gbk"), dry_run=True)
    assert dry.status_code == 200, dry.text
    assert rows(client.app.state.runtime.settings, "SELECT code FROM employers") == []  # type: ignore[attr-defined]
    assert _import(client, "employers", b"\xef\xbb\xbf" + employers_csv.encode()).status_code == 200
    items = _fetch(client, counties["331122"], "employers")
    assert {tuple(sorted(i)) for i in items} == {
        ("credit_code", "id", "initials", "name", "region_code")
    }
    assert {i["initials"] for i in items} == {"jysljxyxgs", "hzsljyc"}
    assert _fetch(client, counties["330106"], "employers") == []
    code = _valid("91331122MA2B3C4D5")
    jobs_csv = f"{JOB_HEADER}\nJ1,车工,Turner,huzhen,manufacturing,full_time,5000,7000,,,{code}\n"
    assert _import(client, "jobs", jobs_csv.encode()).status_code == 200
    job = next(j for j in _fetch(client, counties["331122"], "jobs") if j["id"] == "J1")
    assert job["rows"][0] == [{"zh-CN": "招聘单位", "en": "Employer"}, "缙云示例机械有限公司"]


@pytest.mark.parametrize(
    ("csv_text", "row", "column"),
    [
        ("id,title_zh,area,industry\nJ1,车工,huzhen,manufacturing\n", 1, "work_type"),
        (
            f"{JOB_HEADER}\nJ1,车工,,huzhen,x,full_time,,,,,\nJ1,钳工,,huzhen,x,full_time,,,,,\n",
            3,
            "id",
        ),
        (f"{JOB_HEADER}\nJ1,车工,,huzhen,x,full_time,,,,2026-11-20,\n", 2, "until"),
    ],
    ids=["missing-column", "duplicate-row", "past-date"],
)
def test_a_faulty_csv_stores_nothing_and_reports_where(
    client: TestClient, counties: dict[str, str], csv_text: str, row: int, column: str
) -> None:
    _staff(client, "jinyun", "331122")
    answer = _import(client, "jobs", csv_text.encode())
    assert answer.status_code == 400
    assert f'<td class="mono">{row}</td><td class="mono">{column}</td>' in answer.text
    assert (
        rows(
            client.app.state.runtime.settings, "SELECT code FROM jobs WHERE region_code IS NOT NULL"
        )
        == []
    )  # type: ignore[attr-defined]


def test_a_duplicate_credit_code_is_a_row_error(
    client: TestClient, counties: dict[str, str]
) -> None:
    _staff(client, "jinyun", "331122")
    code = _valid("91331122MA2B3C4D5")
    text = f"id,name,credit_code\nE1,甲公司,{code}\nE2,乙公司,{code}\n"
    answer = _import(client, "employers", text.encode())
    assert answer.status_code == 400
    assert '<td class="mono">3</td><td class="mono">credit_code</td>' in answer.text


def test_scheduling_and_expiry_follow_the_controllers_clock(
    client: TestClient, counties: dict[str, str], clock: FakeClock
) -> None:
    _staff(client, "jinyun", "331122")
    token = counties["331122"]
    # expiring takes an item off at once
    assert _save(client, "jobs", **_job(id="J2")).status_code == 200
    assert "J2" in [j["id"] for j in _fetch(client, token, "jobs")]
    csrf = csrf_token(client, "/content")
    assert client.post("/content/jobs/J2/expire", data={"csrf_token": csrf}).status_code == 200
    assert "J2" not in [j["id"] for j in _fetch(client, token, "jobs")]
    # a scheduled item shows from its first day to its last, by the controller's clock
    saved = _save(
        client,
        "announcements",
        id="A1",
        title_zh="元旦正常服务",
        publish_on="2026-11-27",
        until="2026-11-28",
    )
    assert saved.status_code == 200, saved.text
    assert _fetch(client, token, "announcements") == []  # 26 Nov: not yet
    clock.advance(DAY)
    assert [a["id"] for a in _fetch(client, token, "announcements")] == ["A1"]
    clock.advance(DAY)
    assert [a["id"] for a in _fetch(client, token, "announcements")] == ["A1"]
    clock.advance(DAY)
    assert _fetch(client, token, "announcements") == []  # 29 Nov: past its last day


# -- appointment slots -------------------------------------------------------------------

SLOT_HEADER = "service,date,starts,ends,capacity,where_zh,where_en"
_SLOT_CSV = (
    f"{SLOT_HEADER}\nunemployment_benefit,2026-12-01,09:00,09:30,2,县人社服务大厅3号窗口,Window 3\n"
)


def _slot(**cells: str) -> dict[str, str]:
    base = {
        "service": "unemployment_benefit",
        "date": "2026-12-01",
        "starts": "09:00",
        "ends": "11:30",
        "capacity": "4",
        "where_zh": "县人社服务大厅3号窗口",
    }
    return {**base, **cells}


def _series(**fields: str) -> dict[str, str]:
    base = {
        **_slot(),
        "first_day": "2026-12-01",
        "last_day": "2026-12-31",
        "weekdays": "1,2,3,4,5",
    }
    return {**base, **fields}


def test_a_series_is_every_chosen_weekday_of_its_span() -> None:
    found, problems = expand_series(_series(), NOW.date())
    assert problems == []
    assert len(found) == 23  # the weekdays of December 2026
    assert {(r["starts"], r["ends"], r["capacity"]) for r in found} == {("09:00", "11:30", "4")}
    assert "2026-12-05" not in {r["date"] for r in found}  # a Saturday
    halves, _ = expand_series(_series(every="30", weekdays="6"), NOW.date())
    assert [(r["date"], r["starts"], r["ends"]) for r in halves[:6]] == [
        ("2026-12-05", "09:00", "09:30"),
        ("2026-12-05", "09:30", "10:00"),
        ("2026-12-05", "10:00", "10:30"),
        ("2026-12-05", "10:30", "11:00"),
        ("2026-12-05", "11:00", "11:30"),
        ("2026-12-12", "09:00", "09:30"),
    ]


@pytest.mark.parametrize(
    ("fields", "column", "words"),
    [
        ({"last_day": "2026-11-30"}, "last_day", "before first_day"),
        ({"first_day": "2026-11-01"}, "first_day", "in the past"),
        ({"weekdays": ""}, "weekdays", "at least one day"),
        ({"ends": "08:00"}, "ends", "not after starts"),
        ({"every": "200"}, "every", "do not fit"),
        ({"last_day": "2026-12-04", "weekdays": "6,7"}, "weekdays", "no day from"),
    ],
    ids=["backwards", "past", "no-weekday", "ends-first", "too-long", "no-day"],
)
def test_a_faulty_series_names_its_field(fields: dict[str, str], column: str, words: str) -> None:
    found, problems = expand_series(_series(**fields), NOW.date())
    assert found == []
    assert [(p.row, p.column) for p in problems] == [(0, column)]
    assert words in problems[0].message


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"service": "haircut"}, "service", "not one of unemployment_benefit"),
        ({"starts": "9h"}, "starts", "not HH:MM"),
        ({"ends": "09:00"}, "ends", "not after starts"),
        ({"date": "2026-11-26", "starts": "09:00"}, "starts", "has begun or is past"),
        ({"capacity": "0"}, "capacity", "1-100000"),
        ({"where_zh": ""}, "where_zh", "required"),
        ({"where_zh": "3号窗口\u200b"}, "where_zh", "hidden character"),
        ({"service_zh": "事项\x07"}, "service_zh", "hidden character"),
    ],
    ids=["service", "time", "ends", "begun", "capacity", "where", "hidden", "hidden-title"],
)
def test_a_bad_slot_cell_names_its_row_and_column(
    cells: dict[str, str], column: str, words: str
) -> None:
    parsed, problems = parse_row(Kind.SLOTS, 4, _slot(**cells), NOW, region="331122")
    assert parsed is None
    assert [(p.row, p.column) for p in problems] == [(4, column)]
    assert words in problems[0].message


def test_a_slot_is_named_by_its_county_service_day_and_start() -> None:
    parsed, problems = parse_row(Kind.SLOTS, 2, _slot(starts="9:00"), NOW, region="331122")
    assert problems == []
    assert parsed is not None
    assert parsed.code == "331122-unemployment_benefit-20261201-0900"
    assert parsed.display["service"] == {"zh-CN": "失业保险金申领", "en": "Unemployment benefit"}


def test_the_appointment_flow_offers_exactly_the_services_slots_are_made_for() -> None:
    flow = load_builtin_catalog().flows["appointment_booking"]
    offered = {
        choice.value
        for step in flow.steps.values()
        for spec in step.fields
        if spec.name == "appointment_service"
        for choice in spec.choices
    }
    assert offered == {kind.value for kind in AppointmentKind}


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
    form = {k: v for k, v in _series(**fields).items() if k != "weekdays"}
    for day in _series(**fields)["weekdays"].split(","):
        if day:
            form[f"weekday_{day}"] = "1"
    return client.post(
        "/content/slots/series", data={"csrf_token": csrf_token(client, "/content"), **form}
    )


def test_slots_made_in_a_series_reach_the_countys_kiosks_and_no_other(
    client: TestClient, counties: dict[str, str]
) -> None:
    _staff(client, "jinyun", "331122")
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
    _staff(client, "jinyun", "331122")
    assert _save(client, "slots", **_slot()).status_code == 200
    training = dict(_KINDS_ROWS[2][1])
    assert _save(client, "trainings", **training).status_code == 200
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
    _staff(client, "jinyun", "331122")
    token = counties["331122"]
    settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
    assert _import(client, "slots", _SLOT_CSV.encode()).status_code == 200
    assert _save(client, "trainings", **_KINDS_ROWS[2][1]).status_code == 200
    slot = "331122-unemployment_benefit-20261201-0900"
    for n in (1, 2):
        assert _hold(client, token, "slots", slot, n).status_code == 201
        assert _hold(client, token, "trainings", "T1", n + 10).status_code == 201
    answer = _import(client, "slots", _SLOT_CSV.replace(",2,", ",1,").encode())
    assert answer.status_code == 400
    assert '<td class="mono">2</td><td class="mono">capacity</td>' in answer.text
    assert "below the 2 places already booked" in answer.text
    # trainings (and fairs) too: refused with the row, no longer silently raised
    lowered = _save(client, "trainings", **{**_KINDS_ROWS[2][1], "capacity": "1"})
    assert lowered.status_code == 400
    assert '<td class="mono">1</td><td class="mono">capacity</td>' in lowered.text
    assert rows(settings, "SELECT capacity, taken FROM appointment_slots") == [(2, 2)]
    assert rows(settings, "SELECT capacity, taken FROM trainings WHERE code = 'T1'") == [(30, 2)]
    exact = _save(client, "trainings", **{**_KINDS_ROWS[2][1], "capacity": "2"})
    assert exact.status_code == 200  # down to the places booked is allowed: then it is full
    assert _hold(client, token, "trainings", "T1", 20).status_code == 409
    csrf = csrf_token(client, "/content")
    removed = client.post(f"/content/slots/{slot}/expire", data={"csrf_token": csrf})
    assert removed.status_code == 409  # booked places keep their slot
    assert rows(settings, "SELECT count(*) FROM appointment_slots") == [(1,)]


@pytest.mark.parametrize(
    "encoded",
    [_SLOT_CSV.encode("gbk"), b"\xef\xbb\xbf" + _SLOT_CSV.encode("utf-8")],
    ids=["gbk", "utf-8-bom"],
)
def test_slots_import_from_gbk_and_utf8_with_bom(
    client: TestClient, counties: dict[str, str], encoded: bytes
) -> None:
    _staff(client, "jinyun", "331122")
    assert _import(client, "slots", encoded).status_code == 200
    slots = _slots_of(client, counties["331122"], "2026-12-01")
    assert [(s["title"], s["rows"][3][1]) for s in slots] == [
        ("09:00-09:30", {"zh-CN": "县人社服务大厅3号窗口", "en": "Window 3"})
    ]


@pytest.mark.parametrize(
    ("csv_text", "row", "column"),
    [
        ("service,date,starts,capacity,where_zh\n", 1, "ends"),
        (_SLOT_CSV + _SLOT_CSV.splitlines()[1].replace("09:30", "10:00") + "\n", 3, "starts"),
        (_SLOT_CSV.replace("2026-12-01", "2026-11-20"), 2, "date"),
        (_SLOT_CSV.replace("unemployment_benefit", "haircut"), 2, "service"),
    ],
    ids=["missing-column", "same-time-twice", "past-date", "unknown-service"],
)
def test_a_faulty_slots_csv_stores_nothing_and_reports_where(
    client: TestClient, counties: dict[str, str], csv_text: str, row: int, column: str
) -> None:
    _staff(client, "jinyun", "331122")
    answer = _import(client, "slots", csv_text.encode())
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
