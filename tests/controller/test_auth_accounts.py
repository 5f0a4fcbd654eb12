"""Accounts: creation and its rules, password change, roles and the accounts page."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.auth.config import AuthSettings
from controller.auth.passwords import Passwords, password_problem
from controller.settings import Settings
from tests.controller.controller_testkit import (
    PASSWORD,
    add_regions,
    csrf_token,
    make_user,
    rows,
    sign_in,
    signed_in_as,
)

NEW_PASSWORD = "a longer passphrase 2026"  # noqa: S105 - a test password


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    return signed_in_as(client, Role.OPS_ADMIN, "root")


def _change(client: TestClient, old: str, new: str, again: str | None = None) -> Any:
    data = {"csrf_token": csrf_token(client, "/password"), "old_password": old,
            "new_password": new, "new_password_again": new if again is None else again}  # fmt: skip
    return client.post("/password", data=data)


def _create(admin: TestClient, **fields: str) -> Any:
    data = {"csrf_token": csrf_token(admin, "/accounts"), "role": "ops_viewer", **fields}
    return admin.post("/accounts", data=data)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short", "at least 12"),
        ("aaaaaaaaaaaaaaaa", "too few different"),
        ("password1234", "too common"),
        ("123456789012345", "too common"),
        ("abcdefghijklmn", "too common"),
        ("dana-the-admin-2026", "user name"),
        ("x" * 300, "at most 256"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, why: str) -> None:
    problem = password_problem(password, "Dana")
    assert problem is not None
    assert why in problem[1]
    assert problem[0]  # and in Chinese


def test_a_good_passphrase_passes() -> None:
    assert password_problem(NEW_PASSWORD, "dana") is None


def test_passwords_are_stored_as_argon2id_at_the_rfc_9106_cost() -> None:
    stored = Passwords(AuthSettings()).hash(NEW_PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PasswordHasher().verify(stored, NEW_PASSWORD)


def test_an_admin_creates_an_account_that_can_sign_in(
    admin: TestClient, client: TestClient, settings: Settings
) -> None:
    answer = _create(admin, username="Erin", password=PASSWORD, role="technician")
    assert "已创建账户 erin" in answer.text
    stored = rows(settings, "SELECT username, role, active, password_hash FROM users "
                            "WHERE username = 'erin'")  # fmt: skip
    assert stored[0][:3] == ("erin", "technician", 1)
    assert PASSWORD not in stored[0][3]
    other = TestClient(client.app)
    assert sign_in(other, "erin").status_code == 303


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"username": "root", "password": PASSWORD}, "That user name is taken"),
        ({"username": "ROOT", "password": PASSWORD}, "That user name is taken"),
        ({"username": "erin", "password": "short"}, "at least 12"),
        ({"username": "two words", "password": PASSWORD}, "no spaces"),
        ({"username": "erin", "password": PASSWORD, "role": "root"}, "No such role"),
        ({"username": "erin", "password": PASSWORD, "role": "county_staff"}, "need a region"),
        ({"username": "erin", "password": PASSWORD, "region_code": "33AB"}, "6, 9 or 12"),
    ],
)
def test_an_account_that_cannot_be_is_refused_with_the_reason(
    admin: TestClient, settings: Settings, fields: dict[str, str], says: str
) -> None:
    answer = _create(admin, **fields)
    assert answer.status_code == 400
    assert says in answer.text
    assert rows(settings, "SELECT COUNT(*) FROM users") == [(1,)]


def test_county_staff_keep_their_region(admin: TestClient, settings: Settings) -> None:
    add_regions(admin)
    _create(admin, username="fay", password=PASSWORD, role="county_staff", region_code="330102")
    assert rows(settings, "SELECT role, region_code FROM users WHERE username = 'fay'") == [
        ("county_staff", "330102")
    ]


def test_an_admin_changes_a_role_and_it_applies_at_once(
    admin: TestClient, client: TestClient
) -> None:
    erin = make_user(admin, "erin", Role.OPS_VIEWER)
    other = TestClient(client.app)
    sign_in(other, "erin")
    assert other.get("/transactions").status_code == 200
    token = csrf_token(admin, "/accounts")
    admin.post(f"/accounts/{erin}", data={"csrf_token": token, "role": "technician",
                                          "active": "on"})  # fmt: skip
    assert other.get("/transactions").status_code == 403
    assert other.get("/").status_code == 200


def test_an_admin_cannot_demote_or_deactivate_themselves(admin: TestClient) -> None:
    token = csrf_token(admin, "/accounts")
    answer = admin.post("/accounts/1", data={"csrf_token": token, "role": "ops_viewer"})
    assert answer.status_code == 400
    assert admin.get("/accounts").status_code == 200


def test_a_user_name_is_shown_escaped_on_the_accounts_page(admin: TestClient) -> None:
    make_user(admin, "<script>alert(1)</script>")
    make_user(admin, '"><img/src=x/onerror=alert(2)>')
    page = admin.get("/accounts").text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img/src=x" not in page


def test_a_password_change_needs_the_current_password(
    client: TestClient, settings: Settings
) -> None:
    signed_in_as(client, Role.AUDITOR, "gail")
    answer = _change(client, "not it at all", NEW_PASSWORD)
    assert answer.status_code == 400
    assert "The current password is wrong" in answer.text


def test_a_password_change_needs_the_new_one_twice_alike(client: TestClient) -> None:
    signed_in_as(client, Role.AUDITOR, "gail")
    answer = _change(client, PASSWORD, NEW_PASSWORD, "other")
    assert answer.status_code == 400
    assert "differ" in answer.text


def test_a_changed_password_signs_in_and_ends_other_sessions(client: TestClient) -> None:
    signed_in_as(client, Role.AUDITOR, "gail")
    elsewhere = TestClient(client.app)
    sign_in(elsewhere, "gail")
    assert elsewhere.get("/audit").status_code == 200
    answer = _change(client, PASSWORD, NEW_PASSWORD)
    assert answer.status_code == 200
    assert "密码已修改" in answer.text
    assert client.get("/audit").status_code == 200  # this session stays
    assert elsewhere.get("/audit", follow_redirects=False).status_code == 303
    fresh = TestClient(client.app)
    assert sign_in(fresh, "gail", PASSWORD).status_code == 401
    assert sign_in(fresh, "gail", NEW_PASSWORD).status_code == 303


TEMPORARY = "temporary pass 4711"  # noqa: S105 - a test password


def _reset(admin: TestClient, user_id: int, temporary: str = TEMPORARY) -> Any:
    data = {"csrf_token": csrf_token(admin, "/accounts"), "temporary_password": temporary}
    return admin.post(f"/accounts/{user_id}/password", data=data)


def test_an_admin_resets_a_forgotten_password_and_the_person_must_choose_their_own(
    admin: TestClient, settings: Settings
) -> None:
    hana = make_user(admin, "hana", Role.OPS_VIEWER)
    hers = TestClient(admin.app)
    assert sign_in(hers, "hana").status_code == 303
    for _ in range(5):
        sign_in(TestClient(admin.app), "hana", "not her password at all")
    answer = _reset(admin, hana)
    assert answer.status_code == 200
    assert "已为 hana 设置临时密码" in answer.text
    # Her sessions ended and the lockout is lifted; the old password no longer works.
    assert hers.get("/", follow_redirects=False).headers["location"] == "/login"
    fresh = TestClient(admin.app)
    assert sign_in(fresh, "hana", PASSWORD).status_code == 401
    assert sign_in(fresh, "hana", TEMPORARY).status_code == 303
    # Until she chooses her own, every page sends her to the password form.
    to = fresh.get("/", follow_redirects=False)
    assert (to.status_code, to.headers["location"]) == (303, "/password")
    assert "管理员已重置您的密码" in fresh.get("/password").text
    token = csrf_token(fresh, "/password")
    refused = fresh.post("/alerts/1/acknowledge", data={"csrf_token": token})
    assert refused.status_code == 403
    data = {"csrf_token": token, "old_password": TEMPORARY,
            "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}  # fmt: skip
    done = fresh.post("/password", data=data, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/")
    assert fresh.get("/").status_code == 200
    actions = [
        a
        for (a,) in rows(settings, "SELECT action FROM audit_log WHERE target = 'hana' ORDER BY id")
    ]
    assert "password.reset" in actions
    assert actions[-1] == "password.changed"


def test_a_reset_password_must_be_as_strong_as_any_and_not_ones_own(
    admin: TestClient, settings: Settings
) -> None:
    hana = make_user(admin, "hana", Role.OPS_VIEWER)
    weak = _reset(admin, hana, "password1234")
    assert weak.status_code == 400
    assert "too common" in weak.text
    ((root,),) = rows(settings, "SELECT id FROM users WHERE username = 'root'")
    own = _reset(admin, root)
    assert own.status_code == 400
    assert "修改密码" in own.text
    assert _reset(admin, 999_999).status_code == 404
