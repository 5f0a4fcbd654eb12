"""Catalog settings (target state, issue 11 item 3) at the controller: set by county staff
for their county and by ops admins for one kiosk, audited; named in the heartbeat answer
only to kiosks that say they understand it; what kiosks report shown on the kiosk page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.models import Kiosk
from controller.settings import Settings
from tests.controller.controller_testkit import (
    add_regions,
    csrf_token,
    heartbeat,
    make_user,
    post_json,
    register,
    rows,
    sign_in,
    signed_in_as,
    teach_catalog,
)
from wire import API_PREFIX


def place(client: TestClient, kiosk_id: str, region_code: str) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        session.query(Kiosk).filter_by(kiosk_id=kiosk_id).one().region_code = region_code
        session.commit()


def county_staff(client: TestClient, name: str, region_code: str) -> TestClient:
    add_regions(client)
    make_user(client, name, Role.COUNTY_STAFF, region_code=region_code)
    assert sign_in(client, name).status_code == 303
    return client


def settings_form(region: str, token: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "region": region,
        "offer_employment_registration": "on",
        "hours_employment_registration": "mon-fri 08:30-12:00 14:00-17:30; sat 09:00-12:00",
        "offer_unemployment_registration": "on",
        "help_phone": "0578-3123456",
        **extra,
    }


def beat(client: TestClient, token: str, *capabilities: str) -> dict[str, Any]:
    answer = post_json(client, "/heartbeat", heartbeat(capabilities=list(capabilities)), token)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_county_staff_set_their_countys_services_and_a_kiosk_that_asks_is_told_the_version(
    client: TestClient, settings: Settings
) -> None:
    kiosk_id, token = register(client)
    teach_catalog(client, token)
    place(client, kiosk_id, "331122")
    assert beat(client, token, "target")["target_version"] == ""  # nothing set yet

    staff = county_staff(client, "jinyun", "331122")
    page = staff.get("/targets")
    assert page.status_code == 200
    assert "失业登记" in page.text  # the services kiosks reported, to choose from
    saved = staff.post("/targets", data=settings_form("331122", csrf_token(staff, "/targets")))
    assert saved.status_code == 200, saved.text
    assert "已保存" in saved.text

    version = beat(client, token, "target", "commands")["target_version"]
    assert len(version) == 16
    target = client.get(f"{API_PREFIX}/target", headers={"Authorization": f"Bearer {token}"})
    assert target.status_code == 200
    assert target.json() == {
        "version": version,
        "services": [
            {
                "flow": "employment_registration",
                "hours": {"mon-fri": ["08:30-12:00", "14:00-17:30"], "sat": ["09:00-12:00"]},
            },
            {"flow": "unemployment_registration", "hours": None},
        ],
        "help_phone": "0578-3123456",
    }
    # A kiosk of an older release does not say "target": its answer has nothing new.
    assert "target_version" not in beat(client, token)
    assert "target_version" not in beat(client, token, "commands")
    assert rows(settings, "SELECT actor, target FROM audit_log WHERE action = 'target.set'") == [
        ("jinyun", "331122")
    ]


def test_another_countys_staff_are_refused_and_audited(
    client: TestClient, settings: Settings
) -> None:
    kiosk_id, token = register(client)
    teach_catalog(client, token)
    place(client, kiosk_id, "331122")
    staff = county_staff(client, "xihu", "330106")
    answer = staff.post("/targets", data=settings_form("331122", csrf_token(staff, "/targets")))
    assert answer.status_code == 403
    assert beat(client, token, "target")["target_version"] == ""
    assert rows(
        settings, "SELECT actor, target FROM audit_log WHERE action = 'target.refused'"
    ) == [("xihu", "331122")]
    # Their own page is their own county, whatever the address asks for.
    assert 'name="region" value="330106"' in staff.get("/targets?region=331122").text


def test_a_form_without_its_csrf_token_changes_nothing(client: TestClient) -> None:
    kiosk_id, token = register(client)
    place(client, kiosk_id, "331122")
    staff = county_staff(client, "jinyun", "331122")
    form = settings_form("331122", "")
    del form["csrf_token"]
    assert staff.post("/targets", data=form).status_code == 403
    assert beat(client, token, "target")["target_version"] == ""


def test_a_kiosks_own_settings_win_over_its_countys_until_cleared(client: TestClient) -> None:
    kiosk_id, token = register(client)
    teach_catalog(client, token)
    place(client, kiosk_id, "331122")
    admin = signed_in_as(client, Role.OPS_ADMIN)
    admin.post(
        "/targets", data=settings_form("331122", csrf_token(admin, "/targets?region=331122"))
    )
    county = beat(client, token, "target")["target_version"]
    own = admin.post(
        f"/kiosks/{kiosk_id}/target",
        data={"csrf_token": csrf_token(admin, f"/kiosks/{kiosk_id}/target"),
              "offer_unemployment_registration": "on", "hours_unemployment_registration": "always"},
        follow_redirects=False,
    )  # fmt: skip
    assert own.status_code == 303
    mine = beat(client, token, "target")["target_version"]
    assert mine not in ("", county)
    page = admin.get(f"/kiosks/{kiosk_id}")
    assert mine in page.text
    assert "本终端 this kiosk" in page.text
    admin.post(
        f"/kiosks/{kiosk_id}/target",
        data={"csrf_token": csrf_token(admin, f"/kiosks/{kiosk_id}/target"), "clear": "1"},
    )
    assert beat(client, token, "target")["target_version"] == county


def test_hours_the_form_cannot_read_are_refused_with_the_reason(client: TestClient) -> None:
    kiosk_id, token = register(client)
    teach_catalog(client, token)
    staff = county_staff(client, "jinyun", "331122")
    form = settings_form("331122", csrf_token(staff, "/targets"))
    form["hours_employment_registration"] = "mornings"
    answer = staff.post("/targets", data=form)
    assert answer.status_code == 422
    assert "mon-fri 08:30-12:00" in answer.text


def test_the_kiosk_page_shows_wanted_applied_and_a_rejection_with_its_reason(
    client: TestClient,
) -> None:
    kiosk_id, token = register(client)
    teach_catalog(client, token)
    place(client, kiosk_id, "331122")
    admin = signed_in_as(client, Role.OPS_ADMIN)
    admin.post(
        "/targets", data=settings_form("331122", csrf_token(admin, "/targets?region=331122"))
    )
    version = beat(client, token, "target")["target_version"]
    reason = "manifest.yaml: services[0].hours: opening times of mon overlap"
    report = {"version": version, "outcome": "rejected", "reason": reason,
              "at": "2026-11-26T10:00:00+08:00"}  # fmt: skip
    assert post_json(client, "/target/report", report, token).status_code == 200
    page = admin.get(f"/kiosks/{kiosk_id}").text
    assert reason in page
    assert "被拒绝" in page
    applied = {**report, "outcome": "applied", "reason": ""}
    assert post_json(client, "/target/report", applied, token).status_code == 200
    page = admin.get(f"/kiosks/{kiosk_id}").text
    assert reason not in page
    assert "✓" in page


def wanted(client: TestClient, token: str) -> tuple[str, list[str]]:
    """What the heartbeat names and what GET target answers: version and services."""
    version = beat(client, token, "target")["target_version"]
    got = client.get(f"{API_PREFIX}/target", headers={"Authorization": f"Bearer {token}"})
    if got.status_code == 404:
        return version, []
    assert got.json()["version"] == version  # the heartbeat and the fetch agree
    return version, [s["flow"] for s in got.json()["services"]]


def test_a_groups_settings_win_over_the_county_and_a_kiosks_own_win_over_the_group(
    client: TestClient, settings: Settings
) -> None:
    pilot_id, pilot = register(client, "hw-pilot")
    other_id, other = register(client, "hw-other")
    teach_catalog(client, pilot)
    for kiosk_id in (pilot_id, other_id):
        place(client, kiosk_id, "331122")
    admin = signed_in_as(client, Role.OPS_ADMIN)
    token = csrf_token(admin, "/groups")
    admin.post("/targets", data=settings_form("331122", token))
    both = ["employment_registration", "unemployment_registration"]
    county = wanted(client, pilot)
    assert county[1] == both

    made = admin.post("/groups", data={"csrf_token": token, "name": "试点 pilot"})
    assert made.status_code == 200
    taken = admin.post("/groups", data={"csrf_token": token, "name": " 试点  pilot "})
    assert taken.status_code == 409
    member = {"csrf_token": token, "kiosk_id": pilot_id, "group": "试点 pilot"}
    assert admin.post("/groups/members", data=member).status_code == 200
    assert wanted(client, pilot) == county  # a group that sets nothing changes nothing

    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        group_pk = runtime.targets.groups(session)[0].id
    only = {"csrf_token": token, "offer_unemployment_registration": "on", "help_phone": "12333"}
    saved = admin.post(f"/groups/{group_pk}/target", data=only)
    assert (saved.status_code, saved.url.path) == (200, "/groups")  # redirected back
    group = wanted(client, pilot)
    assert group[1] == ["unemployment_registration"]  # group > county
    assert wanted(client, other) == county  # not in the group: its county's
    page = admin.get(f"/kiosks/{pilot_id}").text
    assert "分组 group 试点 pilot" in page

    own = {"csrf_token": token, "offer_employment_registration": "on"}
    admin.post(f"/kiosks/{pilot_id}/target", data=own)
    assert wanted(client, pilot)[1] == ["employment_registration"]  # kiosk > group
    admin.post(f"/kiosks/{pilot_id}/target", data={"csrf_token": token, "clear": "1"})
    assert wanted(client, pilot) == group  # its own dropped: the group's again
    admin.post("/groups/members", data={**member, "group": ""})
    assert wanted(client, pilot) == county  # out of the group: the county's again
    admin.post("/groups/members", data=member)
    admin.post(f"/groups/{group_pk}/target", data={"csrf_token": token, "clear": "1"})
    assert wanted(client, pilot) == county  # the group sets nothing any more

    groups_page = admin.get("/groups").text
    assert pilot_id in groups_page
    assert other_id not in groups_page
    audit = rows(
        settings,
        "SELECT action, target, detail FROM audit_log WHERE action IN "
        "('group.added', 'kiosk.group_set') OR target LIKE 'group:%' ORDER BY id",
    )
    assert [(a, t) for a, t, _ in audit] == [
        ("group.added", "试点 pilot"),
        ("kiosk.group_set", pilot_id),
        ("target.set", "group:试点 pilot"),
        ("kiosk.group_set", pilot_id),
        ("kiosk.group_set", pilot_id),
        ("target.set", "group:试点 pilot"),
    ]


def test_ops_viewers_see_the_groups_and_change_nothing(client: TestClient) -> None:
    viewer = signed_in_as(client, Role.OPS_VIEWER)
    assert viewer.get("/groups").status_code == 200
    answer = viewer.post("/groups", data={"csrf_token": csrf_token(viewer, "/groups"), "name": "x"})
    assert answer.status_code == 403
    assert "还没有分组" in viewer.get("/groups").text
