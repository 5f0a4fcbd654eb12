"""The audit log: the events issue 9 lists are recorded, the page pages, nothing personal."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.services.audit import PER_PAGE, Actor, AuditAction, AuditLog
from controller.settings import Settings
from tests.controller.controller_testkit import (
    ID_NUMBER,
    NAME,
    PASSWORD,
    csrf_token,
    heartbeat,
    make_user,
    post_json,
    register,
    rows,
    sign_in,
    signed_in_as,
    teach_catalog,
    transaction,
)
from tests.support.clock import FakeClock

NEW_PASSWORD = "a longer passphrase 2026"  # noqa: S105 - a test password


def _log(settings: Settings) -> list[tuple[str, str, str, str, str]]:
    return rows(settings, "SELECT actor, role, action, target, client FROM audit_log ORDER BY id")


def _actions(settings: Settings) -> list[str]:
    return [r[2] for r in _log(settings)]


def test_sign_ins_failures_lockout_and_logout_are_recorded(
    client: TestClient, settings: Settings
) -> None:
    alice = make_user(client, "alice")
    sign_in(client, "ghost", PASSWORD)
    for _ in range(5):
        sign_in(client, "alice", "wrong password here")
    sign_in(client, "alice")  # locked: refused, and recorded as such
    log = _log(settings)
    assert log[0][2] == "account.created"
    assert log[1] == ("-", "anonymous", "login.failed", "", "127.0.0.1")
    assert [r[2] for r in log[2:]] == ["login.failed"] * 4 + ["login.locked", "login.failed"]
    assert log[-2][:2] == ("alice", "ops_viewer")
    admin = TestClient(client.app)
    signed_in_as(admin, Role.OPS_ADMIN, "root")
    admin.post(f"/accounts/{alice}/unlock", data={"csrf_token": csrf_token(admin, "/accounts")})
    admin.post("/logout", data={"csrf_token": csrf_token(admin, "/password")})
    assert _actions(settings)[-4:] == [
        "account.created",
        "login.succeeded",
        "account.unlocked",
        "logout",
    ]
    assert _log(settings)[-1][:4] == ("root", "ops_admin", "logout", "root")


def test_a_failed_sign_in_never_records_what_was_typed_as_a_name(
    client: TestClient, settings: Settings
) -> None:
    sign_in(client, PASSWORD, "anything at all")  # a password typed into the name field
    assert PASSWORD not in str(rows(settings, "SELECT * FROM audit_log"))


def test_account_creation_change_and_password_change_are_recorded(
    client: TestClient, settings: Settings
) -> None:
    signed_in_as(client, Role.OPS_ADMIN, "root")
    token = csrf_token(client, "/accounts")
    client.post("/accounts", data={"csrf_token": token, "username": "erin",
                                   "password": PASSWORD, "role": "ops_viewer"})  # fmt: skip
    client.post("/accounts/2", data={"csrf_token": token, "role": "auditor", "active": "on"})
    client.post("/password", data={"csrf_token": token, "old_password": PASSWORD,
                "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})  # fmt: skip
    entries = rows(settings, "SELECT actor, action, target, detail FROM audit_log "
                             "WHERE actor = 'root' ORDER BY id")  # fmt: skip
    assert entries[1:] == [
        ("root", "account.created", "erin", "role=ops_viewer"),
        ("root", "account.changed", "erin", "role=ops_viewer->auditor"),
        ("root", "password.changed", "root", ""),
    ]
    assert PASSWORD not in str(rows(settings, "SELECT * FROM audit_log"))


def test_pages_with_personal_data_record_who_looked(
    client: TestClient, ops: TestClient, settings: Settings
) -> None:
    kiosk_id, token = register(client)
    teach_catalog(client, token)
    post_json(client, "/heartbeat", heartbeat(), token)
    post_json(client, "/transactions", transaction(), token)
    ops.get(f"/kiosks/{kiosk_id}")
    ops.get("/transactions")
    ops.get("/")  # the fleet page shows no personal data: not recorded
    looked = rows(settings, "SELECT actor, role, action, target, detail FROM audit_log "
                            "WHERE action LIKE 'viewed.%' ORDER BY id")  # fmt: skip
    assert looked == [
        ("ops_viewer-tester", "ops_viewer", "viewed.kiosk", kiosk_id, "transactions=1"),
        ("ops_viewer-tester", "ops_viewer", "viewed.transactions", "", "transactions=1"),
    ]
    everything = str(rows(settings, "SELECT * FROM audit_log"))
    assert ID_NUMBER not in everything
    assert NAME not in everything


def test_the_service_redacts_an_id_number_passed_by_mistake(
    client: TestClient, settings: Settings
) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        runtime.audit.record(
            session, Actor.kiosk("KA01", "10.0.0.9"), AuditAction.VIEWED_TRANSACTIONS,
            target=ID_NUMBER, detail=f"looked up {ID_NUMBER}",
        )  # fmt: skip
        session.commit()
    stored = rows(settings, "SELECT actor, role, target, detail, client FROM audit_log")
    assert stored[0][:2] == ("KA01", "kiosk")
    assert ID_NUMBER not in str(stored)
    assert stored[0][4] == "10.0.0.9"


def test_the_audit_page_is_newest_first_and_paginated(
    client: TestClient, settings: Settings, clock: FakeClock
) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    log = AuditLog(clock.wall)
    with runtime.db.session() as session:
        for n in range(PER_PAGE + 5):
            clock.advance(1)
            log.record(session, Actor.kiosk(f"K{n:03d}"), AuditAction.VIEWED_KIOSK)
        session.commit()
    signed_in_as(client, Role.AUDITOR, "gail")
    first = client.get("/audit").text
    assert "K054" in first
    assert "K000" not in first
    assert first.index("login.succeeded") < first.index("K054")
    second = client.get("/audit?page=2").text
    assert "K000" in second
    assert "K054" not in second
    assert "第 2 / 2 页" in second
    assert client.get("/audit?page=99").status_code == 200  # the last page
    assert client.get("/audit?page=0").status_code == 422


def test_reading_the_audit_log_is_itself_recorded(client: TestClient, settings: Settings) -> None:
    signed_in_as(client, Role.AUDITOR, "gail")
    client.get("/audit")
    client.get("/audit?page=2")
    read = rows(settings, "SELECT actor, role, action, detail, client FROM audit_log "
                          "WHERE action = 'viewed.audit_log' ORDER BY id")  # fmt: skip
    assert read == [
        ("gail", "auditor", "viewed.audit_log", "page=1", "127.0.0.1"),
        ("gail", "auditor", "viewed.audit_log", "page=2", "127.0.0.1"),
    ]
    # The view a page shows was taken before its own visit was recorded.
    assert "viewed.audit_log" in client.get("/audit").text


def test_the_audit_page_is_for_auditors_and_admins_only(client: TestClient) -> None:
    signed_in_as(client, Role.OPS_VIEWER)
    assert client.get("/audit").status_code == 403


def test_audit_entries_are_in_utc(client: TestClient, clock: FakeClock) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        runtime.audit.record(session, Actor.anonymous(), AuditAction.LOGOUT)
        session.commit()
        page = runtime.audit.page(session)
    assert page.total == 1
    assert page.entries[0].at == clock.wall()
    assert page.entries[0].at.tzinfo == dt.UTC


def test_a_kiosk_looking_up_a_citizens_applications_is_audited_without_the_number(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    """我的办件 from a kiosk: who asked about whom (by keyed hash), and what came of it."""
    _, token = device
    body = {"document": "resident", "id_number": ID_NUMBER, "identity_method": "id_card"}
    assert post_json(client, "/my-applications", body, token).status_code == 200
    typed = dict(body, identity_method="typed")
    assert post_json(client, "/my-applications", typed, token).status_code == 403
    entries = rows(
        settings,
        "SELECT actor, role, action, target, detail FROM audit_log"
        " WHERE action = 'kiosk.applications_lookup' ORDER BY id",
    )
    assert [e[:3] for e in entries] == [("KA01", "kiosk", "kiosk.applications_lookup")] * 2
    assert entries[0][3] == entries[1][3]  # the same person, found by one hash
    assert entries[0][4].startswith("answered: 0 application(s) of ")
    assert entries[1][4].startswith("refused: ")
    assert all(ID_NUMBER not in "".join(entry) for entry in entries)
