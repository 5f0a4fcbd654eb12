"""CSRF: every form that changes something carries the session's token, or gets 403."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import ROUTES, Role
from tests.controller.controller_testkit import (
    ON_SQLITE_ONLY,
    PASSWORD,
    csrf_token,
    make_user,
    signed_in_as,
)

# Every POST route of the table, generated from it: a new form is covered on arrival.
POSTS = sorted(path for (method, path) in ROUTES if method == "POST")


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    return signed_in_as(client, Role.OPS_ADMIN, "root")


@ON_SQLITE_ONLY
@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("sent", [None, "", "wrong-token"], ids=["missing", "empty", "wrong"])
def test_a_post_without_the_session_token_is_403(
    admin: TestClient, path: str, sent: str | None
) -> None:
    data = {"username": "root", "password": PASSWORD, "old_password": PASSWORD,
            "role": "ops_admin"}  # fmt: skip
    if sent is not None:
        data["csrf_token"] = sent
    answer = admin.post(_url(path), data=data, follow_redirects=False)
    assert answer.status_code == 403
    assert "无权访问" in answer.text


def test_a_token_of_another_session_is_refused(client: TestClient, admin: TestClient) -> None:
    other = TestClient(client.app)
    make_user(other, "bob", Role.OPS_ADMIN)
    signed_in_as(other, Role.OPS_VIEWER, "carol")
    stolen = csrf_token(other, "/password")
    answer = admin.post("/accounts/1/unlock", data={"csrf_token": stolen})
    assert answer.status_code == 403


def test_a_token_sent_as_json_or_in_the_query_is_not_a_form(admin: TestClient) -> None:
    token = csrf_token(admin, "/password")
    assert admin.post("/logout", json={"csrf_token": token}).status_code == 403
    assert admin.post(f"/logout?csrf_token={token}").status_code == 403


def test_the_login_form_needs_its_pre_session_token(client: TestClient) -> None:
    make_user(client, "alice")
    without = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert without.status_code == 403
    csrf_token(client)  # a pre-session, but its token not sent
    wrong = client.post(
        "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "x" * 43}
    )
    assert wrong.status_code == 403


def test_a_form_with_the_right_token_goes_through(admin: TestClient) -> None:
    answer = admin.post(
        "/logout", data={"csrf_token": csrf_token(admin, "/password")}, follow_redirects=False
    )
    assert answer.status_code == 303


def test_an_oversized_form_is_refused_before_it_is_read(admin: TestClient) -> None:
    answer = admin.post("/password", data={"csrf_token": "x", "old_password": "y" * 20_000})
    assert answer.status_code == 400
