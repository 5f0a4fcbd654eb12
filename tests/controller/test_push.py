"""Targeted push (岗位找人, 政策找人): a published job or policy lists the county's registered
citizens it fits with the reasons, masked, unmasked only with a reason, contacts marked
once; other counties' citizens and staff stay out. Every test on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.settings import Settings
from pii.idnumber import check_character
from tests.controller.controller_testkit import (
    ID_NUMBER,
    NAME,
    PHONE,
    csrf_token,
    post_json,
    rows,
)
from tests.controller.inbox_testkit import Counties, staff, submit, two_counties

# A man born 1990 (36 on the test clock's day) and a woman born 1970 (56), both of 上城区.
YOUNG_MAN = "33010219900307101" + check_character("33010219900307101")
WOMAN_56 = "33010219700101202" + check_character("33010219700101202")
OTHER_PHONE = "13900001111"

WISHES = {
    "industry": "manufacturing",
    "area": "huzhen",
    "work_type": "full_time",
    "salary_range": "from_5000",
    "education": "high_school",
}
_FIT = re.compile(r'<tr data-number="([^"]+)"')


@pytest.fixture
def counties(client: TestClient) -> Counties:
    return two_counties(client)


def register_seeker(
    client: TestClient,
    kiosk: tuple[str, str],
    serial: int,
    id_number: str,
    *,
    service: str = "job_seeker_registration",
    name: str = NAME,
    **answers: str,
) -> str:
    """A 求职登记 (or another registration) sent by a kiosk; its number."""
    fields = {"phone": PHONE, **answers}
    citizen = {"id_number": id_number, "name": name}
    return submit(client, kiosk, serial, service=service, citizen=citizen, fields=fields)


def publish(browser: TestClient, kind: str, **cells: str) -> None:
    """Save a job or policy on the content page, as county staff do."""
    token = csrf_token(browser, "/content")
    answer = browser.post(f"/content/{kind}", data={"csrf_token": token, **cells})
    assert answer.status_code == 200, answer.text


def job(browser: TestClient, code: str = "J1", **cells: str) -> None:
    """A full-time manufacturing job in 壶镇镇 paying 5000-7000 a month."""
    values = {
        "id": code,
        "title_zh": "数控车床操作工",
        "area": "huzhen",
        "industry": "manufacturing",
        "work_type": "full_time",
        "salary_min": "5000",
        "salary_max": "7000",
        **cells,
    }
    publish(browser, "jobs", **values)


def fits_on(page: str) -> list[str]:
    return _FIT.findall(page)


def push_form(browser: TestClient, path: str, **data: str) -> Any:
    token = csrf_token(browser, path)
    return browser.post(f"{path}/{data.pop('action')}", data={"csrf_token": token, **data})


def test_a_published_job_lists_the_seekers_it_fits_with_the_reasons_and_no_others(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    fits = register_seeker(client, counties.mine, 1, YOUNG_MAN, **WISHES)
    open_minded = register_seeker(
        client, counties.mine, 2, WOMAN_56, industry="any", area="county", work_type="any"
    )
    other_industry = register_seeker(client, counties.mine, 3, ID_NUMBER, **{**WISHES,
                                     "industry": "retail"})  # fmt: skip
    other_county = register_seeker(client, counties.theirs, 1, YOUNG_MAN, **WISHES)
    not_a_seeker = submit(client, counties.mine, 4, service="employment_registration")
    clerk = staff(client, "clerk")
    job(clerk)
    page = clerk.get("/push/jobs/J1")
    assert page.status_code == 200
    assert sorted(fits_on(page.text)) == sorted([fits, open_minded])
    for absent in (other_industry, other_county, not_a_seeker):
        assert absent not in page.text
    row = page.text.split(f'data-number="{fits}"')[1].split("</tr>")[0]
    for reason in ("符合：意向行业", "符合：工作地点", "符合：用工形式", "符合：期望月薪"):
        assert reason in row
    # "Anywhere in the county" holds every job of it; "any" states no wish, so no reason.
    open_row = page.text.split(f'data-number="{open_minded}"')[1].split("</tr>")[0]
    assert "符合：工作地点" in open_row
    assert "意向行业" not in open_row
    # Masked as in the inbox: neither the name nor the phone in clear.
    assert NAME not in page.text
    assert PHONE not in page.text
    assert "138****5678" in page.text
    assert rows(settings, "SELECT actor, target FROM audit_log WHERE action = 'viewed.push'") == [
        ("clerk", "jobs:J1")
    ]


def test_a_job_criterion_a_seeker_fails_keeps_them_off_the_list(
    client: TestClient, counties: Counties
) -> None:
    young = register_seeker(client, counties.mine, 1, YOUNG_MAN, **WISHES)
    older = register_seeker(client, counties.mine, 2, WOMAN_56, **WISHES)
    clerk = staff(client, "clerk")
    job(clerk, age_min="18", age_max="45")
    page = clerk.get("/push/jobs/J1").text
    assert fits_on(page) == [young]
    assert older not in page
    assert "符合：年龄（18-45岁）" in page


def test_a_policy_finds_the_applicants_its_criteria_fit(
    client: TestClient, counties: Counties
) -> None:
    over_50 = register_seeker(client, counties.mine, 1, WOMAN_56,
                              service="unemployment_registration")  # fmt: skip
    under_50 = register_seeker(client, counties.mine, 2, YOUNG_MAN, **WISHES)
    theirs = register_seeker(client, counties.theirs, 1, WOMAN_56,
                             service="unemployment_registration")  # fmt: skip
    clerk = staff(client, "clerk")
    publish(clerk, "policies", id="P1", title_zh="大龄失业人员就业补贴", age_min="50")
    page = clerk.get("/push/policies/P1").text
    assert fits_on(page) == [over_50]
    assert under_50 not in page
    assert theirs not in page
    assert "符合：年龄（50岁及以上）" in page


def test_a_field_is_shown_in_full_only_with_a_reason_and_audited(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    number = register_seeker(client, counties.mine, 1, YOUNG_MAN, **WISHES)
    clerk = staff(client, "clerk")
    job(clerk)
    path = "/push/jobs/J1"
    refused = push_form(clerk, path, action="reveal", number=number, field="answer:phone",
                        reason="")  # fmt: skip
    assert refused.status_code == 400
    assert PHONE not in refused.text
    shown = push_form(clerk, path, action="reveal", number=number, field="answer:phone",
                      reason="电话通知岗位")  # fmt: skip
    assert shown.status_code == 200
    assert PHONE in shown.text
    assert NAME not in shown.text  # only the field asked for
    assert PHONE not in clerk.get(path).text  # masked again on the next view
    assert rows(
        settings, "SELECT actor, target, detail FROM audit_log WHERE action = ?",
        "application.revealed",
    ) == [("clerk", number, "field=answer:phone reason=电话通知岗位")]  # fmt: skip


def test_a_citizen_is_marked_contacted_once_and_audited(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    number = register_seeker(client, counties.mine, 1, YOUNG_MAN, **WISHES)
    clerk = staff(client, "clerk")
    job(clerk)
    path = "/push/jobs/J1"
    first = push_form(clerk, path, action="contacted", number=number)
    assert first.status_code == 200
    assert "已联系<small>Contacted · clerk" in first.text
    assert re.search(r'id="contacted-count">1<', first.text)
    again = push_form(clerk, path, action="contacted", number=number)
    assert "此前已标记" in again.text
    assert rows(settings, "SELECT kind, item_code, by FROM push_contacts") == [
        ("jobs", "J1", "clerk")
    ]
    assert rows(
        settings, "SELECT target, detail FROM audit_log WHERE action = 'push.contacted'"
    ) == [(number, "jobs:J1")]
    unknown = push_form(clerk, path, action="contacted", number="KZZZ-2611260001")
    assert unknown.status_code == 404


def test_another_countys_staff_are_refused_and_audited(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    number = register_seeker(client, counties.mine, 1, YOUNG_MAN, **WISHES)
    clerk = staff(client, "clerk")
    job(clerk)
    theirs = staff(client, "xihu", region="330106")
    assert theirs.get("/push/jobs/J1").status_code == 404
    token = csrf_token(theirs, "/content")
    posted = theirs.post("/push/jobs/J1/contacted", data={"csrf_token": token, "number": number})
    assert posted.status_code == 404
    assert theirs.get("/push/jobs/NOPE").status_code == 404  # the same answer as unknown
    assert (
        rows(
            settings, "SELECT actor, target, detail FROM audit_log WHERE action = 'content.refused'"
        )
        == [("xihu", "jobs:J1", "push: outside region")] * 2
    )
    assert rows(settings, "SELECT COUNT(*) FROM push_contacts") == [(0,)]


def test_my_applications_lists_the_new_jobs_a_registration_fits_first(
    client: TestClient, counties: Counties
) -> None:
    number = register_seeker(client, counties.mine, 1, YOUNG_MAN, **WISHES)
    clerk = staff(client, "clerk")
    job(clerk, "J1")
    job(clerk, "J2", industry="retail")
    publish(clerk, "jobs", id="J3", title_zh="仓库管理员", area="huzhen", industry="manufacturing",
            work_type="full_time", salary_min="5000")  # fmt: skip
    answer = post_json(
        client,
        "/my-applications",
        {"document": "resident", "id_number": YOUNG_MAN, "identity_method": "id_card"},
        counties.mine[1],
    )
    assert answer.status_code == 200, answer.text
    entries = answer.json()["applications"]
    assert [e["number"] for e in entries] == ["job:J3", "job:J1", number]
    pushed = entries[1]
    assert pushed["status"] == "job_match"
    assert pushed["title"] == "数控车床操作工"
    assert pushed["status_text"]["zh-CN"].startswith("为您推荐的新岗位：符合意向行业")
    # Another citizen, without a 求职登记, gets no jobs pushed.
    other = post_json(
        client,
        "/my-applications",
        {"document": "resident", "id_number": WOMAN_56, "identity_method": "id_card"},
        counties.mine[1],
    )
    assert other.json()["applications"] == []
