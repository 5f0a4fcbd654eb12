"""Signing in and out: the one refusal message, lockout and unlock, session expiry and
rotation, and the cookie's flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.access import Role
from controller.auth.config import AuthSettings, load_auth_settings
from controller.auth.guard import COOKIE
from controller.settings import Settings
from tests.controller.controller_testkit import (
    FAST_AUTH,
    PASSWORD,
    csrf_token,
    make_user,
    rows,
    sign_in,
)
from tests.support.clock import FakeClock

REFUSED = "登录失败：用户名或密码不正确"


@pytest.fixture
def alice(client: TestClient) -> int:
    return make_user(client, "alice", Role.OPS_VIEWER)


def test_a_right_password_signs_in_and_goes_where_the_person_was_going(
    client: TestClient, alice: int
) -> None:
    assert client.get("/transactions", follow_redirects=False).status_code == 303
    token = csrf_token(client, "/login?next=/transactions")
    answer = client.post(
        "/login",
        data={"username": "Alice", "password": PASSWORD, "csrf_token": token,
              "next": "/transactions"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == "/transactions"
    page = client.get("/transactions")
    assert page.status_code == 200
    assert "alice" in page.text
    assert "运维查看" in page.text  # the role, in the header


def test_sign_in_never_sends_anyone_to_another_site(client: TestClient, alice: int) -> None:
    token = csrf_token(client)
    answer = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": token,
              "next": "//evil.example/x"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.headers["location"] == "/"


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong password here"), ("nobody", PASSWORD), ("", "")],
)
def test_a_refused_sign_in_says_the_same_whoever_it_names(
    client: TestClient, alice: int, username: str, password: str
) -> None:
    answer = sign_in(client, username, password)
    assert answer.status_code == 401
    assert REFUSED in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_five_failures_lock_the_account_even_against_the_right_password(
    client: TestClient, alice: int, clock: FakeClock, settings: Settings
) -> None:
    for _ in range(5):
        assert sign_in(client, "alice", "wrong password here").status_code == 401
    locked = sign_in(client, "alice")
    assert locked.status_code == 401
    # The same words as any failure: a stranger cannot tell a locked account from none.
    assert REFUSED in locked.text
    assert sign_in(client, "nobody").text.count(REFUSED) == locked.text.count(REFUSED)
    clock.advance(15 * 60 + 1)
    assert sign_in(client, "alice").status_code == 303
    assert rows(settings, "SELECT failed_attempts, locked_until FROM users") == [(0, None)]


def test_failures_spread_beyond_the_window_do_not_lock(
    client: TestClient, alice: int, clock: FakeClock
) -> None:
    for _ in range(4):
        sign_in(client, "alice", "wrong password here")
    clock.advance(15 * 60 + 1)
    for _ in range(4):
        sign_in(client, "alice", "wrong password here")
    assert sign_in(client, "alice").status_code == 303


def test_an_admin_unlocks_a_locked_account(client: TestClient, alice: int) -> None:
    for _ in range(5):
        sign_in(client, "alice", "wrong password here")
    admin = TestClient(client.app)
    make_user(admin, "root", Role.OPS_ADMIN)
    assert sign_in(admin, "root").status_code == 303
    page = admin.get("/accounts").text
    assert "锁定至" in page
    answer = admin.post(
        f"/accounts/{alice}/unlock", data={"csrf_token": csrf_token(admin, "/accounts")}
    )
    assert answer.status_code == 200
    assert "已解锁账户 alice" in answer.text
    assert sign_in(client, "alice").status_code == 303


def test_a_deactivated_account_cannot_sign_in_and_its_session_ends(
    client: TestClient, alice: int
) -> None:
    assert sign_in(client, "alice").status_code == 303
    admin = TestClient(client.app)
    make_user(admin, "root", Role.OPS_ADMIN)
    sign_in(admin, "root")
    token = csrf_token(admin, "/accounts")
    admin.post(f"/accounts/{alice}", data={"csrf_token": token, "role": "ops_viewer"})
    assert client.get("/", follow_redirects=False).status_code == 303
    assert REFUSED in sign_in(client, "alice").text


def test_a_session_ends_after_30_idle_minutes(
    client: TestClient, alice: int, clock: FakeClock
) -> None:
    sign_in(client, "alice")
    clock.advance(29 * 60)
    assert client.get("/").status_code == 200  # and this request counts as activity
    clock.advance(29 * 60)
    assert client.get("/").status_code == 200
    clock.advance(30 * 60 + 1)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_session_ends_12_hours_after_sign_in_however_busy(
    client: TestClient, alice: int, clock: FakeClock
) -> None:
    sign_in(client, "alice")
    for _ in range(12 * 4 - 1):
        clock.advance(15 * 60)
        assert client.get("/").status_code == 200
    clock.advance(15 * 60)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logout_deletes_the_session_so_the_old_cookie_opens_nothing(
    client: TestClient, alice: int, settings: Settings
) -> None:
    sign_in(client, "alice")
    old = client.cookies[COOKIE]
    answer = client.post(
        "/logout", data={"csrf_token": csrf_token(client, "/password")}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert rows(settings, "SELECT COUNT(*) FROM staff_sessions WHERE user_id IS NOT NULL") == [(0,)]
    replay = TestClient(client.app, cookies={COOKIE: old})
    assert replay.get("/", follow_redirects=False).status_code == 303


def test_signing_in_gives_a_new_session_id(client: TestClient, alice: int) -> None:
    csrf_token(client)
    before = client.cookies[COOKIE]
    sign_in(client, "alice")
    assert client.cookies[COOKIE] != before
    # The pre-session id a third party might have planted opens nothing now.
    planted = TestClient(client.app, cookies={COOKIE: before})
    assert planted.get("/", follow_redirects=False).status_code == 303


def test_the_session_table_holds_no_usable_id(
    client: TestClient, alice: int, settings: Settings
) -> None:
    sign_in(client, "alice")
    stored = [r[0] for r in rows(settings, "SELECT id_hash FROM staff_sessions")]
    assert client.cookies[COOKIE] not in stored
    assert all(len(h) == 64 for h in stored)


def test_the_cookie_is_httponly_and_samesite_strict_and_not_secure_over_http(
    client: TestClient, alice: int
) -> None:
    answer = sign_in(client, "alice")
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie.replace("samesite", "")


def test_the_cookie_is_secure_over_https(client: TestClient, alice: int) -> None:
    https = TestClient(client.app, base_url="https://testserver")
    assert "; secure" in https.get("/login").headers["set-cookie"].lower()


def test_the_cookie_is_secure_when_configured_behind_a_tls_proxy(
    settings: Settings, clock: FakeClock
) -> None:
    auth = AuthSettings(**{**FAST_AUTH.__dict__, "secure_cookies": True})
    with TestClient(create_app(settings, clock=clock.wall, auth=auth)) as proxied:
        assert "; secure" in proxied.get("/login").headers["set-cookie"].lower()


def test_secure_cookies_come_from_the_flag_or_the_environment() -> None:
    assert load_auth_settings(environ={}).secure_cookies is False
    assert load_auth_settings(environ={"ESTATION_SECURE_COOKIES": "1"}).secure_cookies is True
    assert load_auth_settings(secure_cookies=False, environ={"ESTATION_SECURE_COOKIES": "1"}) == (
        AuthSettings(secure_cookies=False)
    )


def test_sessions_survive_a_restart_of_the_controller(
    tmp_path: Path, clock: FakeClock, alice: int, client: TestClient
) -> None:
    sign_in(client, "alice")
    settings = Settings(data_dir=tmp_path / "data")
    with TestClient(create_app(settings, clock=clock.wall, auth=FAST_AUTH)) as again:
        again.cookies.update({COOKIE: client.cookies[COOKIE]})
        assert again.get("/").status_code == 200


def test_cookieless_login_forms_are_limited_per_address_and_say_when_to_return(
    settings: Settings, clock: FakeClock
) -> None:
    assert AuthSettings().login_forms_per_minute == 20
    auth = AuthSettings(**{**FAST_AUTH.__dict__, "login_forms_per_minute": 3})
    with TestClient(create_app(settings, clock=clock.wall, auth=auth)) as app:
        runtime = app.app.state.runtime  # type: ignore[attr-defined]
        for _ in range(3):
            app.cookies.clear()
            assert app.get("/login").status_code == 200
        held = dict(app.cookies)
        app.cookies.clear()
        refused = app.get("/login")
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert "打开登录页过于频繁" in refused.text
        assert 'name="password"' not in refused.text
        assert "set-cookie" not in refused.headers
        with runtime.db.session() as session:
            assert runtime.staff_sessions.count(session) == 3
        # A browser that already holds its form is not limited: it stores nothing new.
        app.cookies.update(held)
        assert app.get("/login").status_code == 200
        # A minute later the address may open forms again.
        clock.advance(60)
        app.cookies.clear()
        assert app.get("/login").status_code == 200
