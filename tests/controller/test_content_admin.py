"""County content management through the app (SQLite and PostgreSQL): forms, CSV imports,
scope, audit, schedule, and what kiosks then get.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from flows.content import parse_items
from tests.controller.content_admin_testkit import (
    DAY,
    JOB_HEADER,
    fetch_items,
    import_csv,
    job_cells,
    kiosks_in_two_counties,
    save_item,
    sign_in_staff,
    valid_code,
)
from tests.controller.controller_testkit import (
    csrf_token,
    rows,
)
from tests.support.clock import FakeClock

# -- through the app, on SQLite and PostgreSQL -----------------------------------------------


@pytest.fixture
def counties(client: TestClient) -> dict[str, str]:
    """Kiosk tokens of a kiosk in 缙云县 and one in 西湖区; the region tree loaded."""
    return kiosks_in_two_counties(client)


def test_a_job_created_on_the_page_reaches_the_countys_kiosks_only(
    client: TestClient, counties: dict[str, str]
) -> None:
    sign_in_staff(client, "jinyun", "331122")
    answer = save_item(client, "jobs", **job_cells(id="J-JY-1", title_en="CNC lathe operator"))
    assert answer.status_code == 200, answer.text
    assert "J-JY-1" in answer.text
    jobs = fetch_items(client, counties["331122"], "jobs")
    assert [j["id"] for j in jobs if j["id"] == "J-JY-1"] == ["J-JY-1"]
    assert jobs[0]["title"] == {"zh-CN": "数控车床操作工", "en": "CNC lathe operator"}
    assert "J-JY-1" not in [j["id"] for j in fetch_items(client, counties["330106"], "jobs")]
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
    sign_in_staff(client, "jinyun", "331122")
    assert save_item(client, "jobs", **job_cells(id="J-JY-1")).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/content")})
    sign_in_staff(client, "xihu", "330106")
    # an edit of the other county's item, through the form and through an import
    answer = save_item(client, "jobs", **job_cells(id="J-JY-1", title_zh="改掉的标题"))
    assert answer.status_code == 400
    assert "another county" in answer.text
    assert client.get("/content/jobs/J-JY-1").status_code == 404
    csrf = csrf_token(client, "/content")
    assert client.post("/content/jobs/J-JY-1/expire", data={"csrf_token": csrf}).status_code == 404
    # asking to act for the other county is refused too
    assert save_item(client, "jobs", region="331122", **job_cells(id="J-XH-1")).status_code == 403
    jobs = fetch_items(client, counties["331122"], "jobs")
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
    sign_in_staff(client, "jinyun", "331122")
    employers_csv = (
        "id,name,credit_code,township,contact_person,contact_phone\n"
        f"E1,缙云示例机械有限公司,{valid_code('91331122MA2B3C4D5')},,王经理,0578-1234567\n"
        f"E2,壶镇示例锯业厂,{valid_code('91331122MA2B3C4D6')},,,\n"
    )
    dry = import_csv(client, "employers", employers_csv.encode("gbk"), dry_run=True)
    assert dry.status_code == 200, dry.text
    assert rows(client.app.state.runtime.settings, "SELECT code FROM employers") == []  # type: ignore[attr-defined]
    assert (
        import_csv(client, "employers", b"\xef\xbb\xbf" + employers_csv.encode()).status_code == 200
    )
    items = fetch_items(client, counties["331122"], "employers")
    assert {tuple(sorted(i)) for i in items} == {
        ("credit_code", "id", "initials", "name", "region_code")
    }
    assert {i["initials"] for i in items} == {"jysljxyxgs", "hzsljyc"}
    assert fetch_items(client, counties["330106"], "employers") == []
    code = valid_code("91331122MA2B3C4D5")
    jobs_csv = f"{JOB_HEADER}\nJ1,车工,Turner,huzhen,manufacturing,full_time,5000,7000,,,{code}\n"
    assert import_csv(client, "jobs", jobs_csv.encode()).status_code == 200
    job = next(j for j in fetch_items(client, counties["331122"], "jobs") if j["id"] == "J1")
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
    sign_in_staff(client, "jinyun", "331122")
    answer = import_csv(client, "jobs", csv_text.encode())
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
    sign_in_staff(client, "jinyun", "331122")
    code = valid_code("91331122MA2B3C4D5")
    text = f"id,name,credit_code\nE1,甲公司,{code}\nE2,乙公司,{code}\n"
    answer = import_csv(client, "employers", text.encode())
    assert answer.status_code == 400
    assert '<td class="mono">3</td><td class="mono">credit_code</td>' in answer.text


def test_scheduling_and_expiry_follow_the_controllers_clock(
    client: TestClient, counties: dict[str, str], clock: FakeClock
) -> None:
    sign_in_staff(client, "jinyun", "331122")
    token = counties["331122"]
    # expiring takes an item off at once
    assert save_item(client, "jobs", **job_cells(id="J2")).status_code == 200
    assert "J2" in [j["id"] for j in fetch_items(client, token, "jobs")]
    csrf = csrf_token(client, "/content")
    assert client.post("/content/jobs/J2/expire", data={"csrf_token": csrf}).status_code == 200
    assert "J2" not in [j["id"] for j in fetch_items(client, token, "jobs")]
    # a scheduled item shows from its first day to its last, by the controller's clock
    saved = save_item(
        client,
        "announcements",
        id="A1",
        title_zh="元旦正常服务",
        publish_on="2026-11-27",
        until="2026-11-28",
    )
    assert saved.status_code == 200, saved.text
    assert fetch_items(client, token, "announcements") == []  # 26 Nov: not yet
    clock.advance(DAY)
    assert [a["id"] for a in fetch_items(client, token, "announcements")] == ["A1"]
    clock.advance(DAY)
    assert [a["id"] for a in fetch_items(client, token, "announcements")] == ["A1"]
    clock.advance(DAY)
    assert fetch_items(client, token, "announcements") == []  # 29 Nov: past its last day
