"""The enrollment page: who may open it, codes shown once, approve and reject with CSRF."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.settings import Settings
from tests.controller.controller_testkit import (
    csrf_token,
    enroll_body,
    heartbeat,
    post_json,
    register,
    rows,
    signed_in_as,
)

_CODE = re.compile(r'class="pairing-code[^"]*">([0-9A-Z]{4}-[0-9A-Z]{4})<')


def test_a_technician_issues_a_code_on_the_page_and_a_kiosk_enrolls_with_it(
    client: TestClient, settings: Settings
) -> None:
    tech = signed_in_as(client, Role.TECHNICIAN)
    page = tech.post(
        "/enrollment/codes",
        data={"note": "东区大厅", "csrf_token": csrf_token(tech, "/enrollment")},
    )
    assert page.status_code == 200
    found = _CODE.search(page.text)
    assert found, page.text
    assert "东区大厅" in page.text
    answer = post_json(tech, "/kiosks/register", enroll_body(pairing_code=found.group(1)))
    assert answer.json()["state"] == "active"
    # Shown once: the page lists the code by number, never the code again.
    assert found.group(1) not in tech.get("/enrollment").text
    assert rows(settings, "SELECT issued_by FROM pairing_codes") == [("technician-tester",)]


def test_a_pending_kiosk_is_approved_on_the_page_with_the_sessions_token(
    client: TestClient,
) -> None:
    pending = post_json(client, "/kiosks/register", enroll_body(hardware_id="hw-new"))
    kiosk_id, token = pending.json()["kiosk_id"], pending.json()["device_token"]
    admin = signed_in_as(client, Role.OPS_ADMIN)
    page = admin.get("/enrollment")
    assert "hw-new" in page.text
    without = admin.post(f"/enrollment/kiosks/{kiosk_id}/approve")
    assert without.status_code == 403
    assert post_json(admin, "/heartbeat", heartbeat(), token).status_code == 403
    approved = admin.post(
        f"/enrollment/kiosks/{kiosk_id}/approve",
        data={"csrf_token": csrf_token(admin, "/enrollment")},
    )
    assert approved.status_code == 200
    assert f"{kiosk_id} 已批准" in approved.text
    assert post_json(admin, "/heartbeat", heartbeat(), token).status_code == 200
    again = admin.post(
        f"/enrollment/kiosks/{kiosk_id}/reject",
        data={"csrf_token": csrf_token(admin, "/enrollment")},
    )
    assert again.status_code == 409  # decided already


def test_a_pending_kiosk_is_rejected_on_the_page(client: TestClient, settings: Settings) -> None:
    kiosk_id = post_json(client, "/kiosks/register", enroll_body()).json()["kiosk_id"]
    tech = signed_in_as(client, Role.TECHNICIAN)
    token = csrf_token(tech, "/enrollment")
    assert tech.post(f"/enrollment/kiosks/{kiosk_id}/reject").status_code == 403
    assert (
        tech.post(f"/enrollment/kiosks/{kiosk_id}/reject", data={"csrf_token": token}).status_code
        == 200
    )
    assert rows(settings, "SELECT state FROM kiosks") == [("decommissioned",)]


def test_serials_revoke_and_decommission_from_the_page(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    kiosk_id, _ = device
    admin = signed_in_as(client, Role.OPS_ADMIN)
    token = csrf_token(admin, "/enrollment")
    added = admin.post("/enrollment/serials", data={"hardware_id": "SN-77", "csrf_token": token})
    assert "SN-77" in added.text
    bad = admin.post("/enrollment/serials", data={"hardware_id": "<b>", "csrf_token": token})
    assert bad.status_code == 400
    assert "<b>" not in bad.text
    revoked = admin.post(
        "/enrollment/revoke", data={"kiosk_id": kiosk_id.lower(), "csrf_token": token}
    )
    assert revoked.status_code == 200
    gone = admin.post("/enrollment/decommission", data={"kiosk_id": kiosk_id, "csrf_token": token})
    assert gone.status_code == 200
    assert (
        admin.post("/enrollment/revoke", data={"kiosk_id": "KZ99", "csrf_token": token}).status_code
        == 404
    )
    assert rows(settings, "SELECT state FROM kiosks") == [("decommissioned",)]
    assert kiosk_id not in admin.get("/").text  # off the fleet page


def test_viewers_and_county_staff_cannot_open_enrollment(client: TestClient) -> None:
    viewer = signed_in_as(client, Role.OPS_VIEWER)
    assert viewer.get("/enrollment").status_code == 403


def test_a_kiosks_page_shows_its_credential_and_lets_a_technician_revoke_it(
    client: TestClient, settings: Settings
) -> None:
    kiosk_id, token = register(client)
    viewer = signed_in_as(TestClient(client.app, client=("127.0.0.1", 50000)), Role.OPS_VIEWER)
    seen = viewer.get(f"/kiosks/{kiosk_id}").text
    assert "已启用" in seen
    assert "/enrollment/revoke" not in seen  # viewers only look
    tech = signed_in_as(client, Role.TECHNICIAN)
    page = tech.get(f"/kiosks/{kiosk_id}").text
    assert 'action="/enrollment/revoke"' in page
    assert 'action="/enrollment/decommission"' in page
    token_on_page = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token_on_page
    done = tech.post(
        "/enrollment/revoke", data={"kiosk_id": kiosk_id, "csrf_token": token_on_page[1]}
    )
    assert done.status_code == 200
    assert rows(settings, "SELECT state FROM kiosks WHERE kiosk_id = ?", kiosk_id) == [("revoked",)]
    refused = post_json(client, "/heartbeat", heartbeat(), token)
    assert (refused.status_code, refused.json()["code"]) == (401, "credential_revoked")
    after = tech.get(f"/kiosks/{kiosk_id}").text
    assert "凭证已吊销" in after
    assert 'action="/enrollment/revoke"' not in after
    assert 'action="/enrollment/decommission"' in after


def test_what_a_pending_kiosk_and_a_note_say_is_shown_as_text(client: TestClient) -> None:
    # Anyone can ask to enroll: a pending kiosk's name and site are a stranger's words.
    hostile = '<script>alert("x")</script>'
    body = enroll_body(hardware_id="hw-hostile", name=hostile, site="<img src=x onerror=1>")
    assert post_json(client, "/kiosks/register", body).json()["state"] == "pending"
    admin = signed_in_as(client, Role.OPS_ADMIN)
    note = "'; DROP TABLE kiosks; -- <b>"
    admin.post(
        "/enrollment/codes", data={"note": note, "csrf_token": csrf_token(admin, "/enrollment")}
    )
    page = admin.get("/enrollment").text
    assert hostile not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "&#39;; DROP TABLE kiosks; -- &lt;b&gt;" in page
    assert "hw-hostile" in page  # and the tables are all still there
