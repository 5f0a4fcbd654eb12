"""The route table, tried for real: every role and nobody, on every route the app has.

The routes come from `app.routes`, so a route added anywhere is tried here, and one missing
from controller/auth/access.py fails `test_every_route_is_in_the_access_table` by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import fastapi.routing
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount

from controller.auth.access import ROUTES, Open, Role, access_for, in_region, may
from tests.controller.controller_testkit import add_regions, csrf_token, make_user, sign_in

ROLES: list[Role | None] = [None, *Role]


def _flat(routes: Sequence[BaseRoute]) -> list[tuple[BaseRoute, str, list[str]]]:
    """(route, full path template, methods) of every route, included routers opened up."""
    # FastAPI >= 0.16x keeps an included router as one entry of app.routes; its
    # iter_route_contexts opens them (older releases copied the routes in).
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    contexts: list[Any] = list(iterate(routes)) if iterate else list(routes)
    flat = []
    for context in contexts:
        route = getattr(context, "original_route", context)
        path = str(getattr(context, "path", "") or "")
        methods = (
            sorted(getattr(context, "methods", None) or [])
            if isinstance(route, APIRoute)
            else ["GET"]
        )
        flat.append((route, path, methods))
    return flat


def endpoints(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route of `app`; a mount counts as GET on its path."""
    return [(method, path) for _, path, methods in _flat(app.routes) for method in methods]


def unlisted(routes: Sequence[BaseRoute], table_paths: set[tuple[str, str]]) -> list[str]:
    """Routes neither in the table nor under a prefix outside sign-in, as 'METHOD path'."""
    missing = []
    for route, path, methods in _flat(routes):
        for method in methods:
            if (method, path) in table_paths:
                continue
            if access_for(method, path) is Open.DENIED:
                missing.append(f"{method} {path}")
            elif not isinstance(route, APIRoute | Mount):
                # Only API routes get the app-wide dependency; any other kind must be public.
                if access_for(method, path) is not Open.OUTSIDE:
                    missing.append(f"{method} {path} (not an APIRoute: the guard never runs)")
    return missing


def test_every_route_is_in_the_access_table(client: TestClient) -> None:
    missing = unlisted(client.app.routes, set(ROUTES))  # type: ignore[attr-defined]
    assert missing == [], f"add these to controller/auth/access.py ROUTES: {missing}"


def test_every_route_in_the_table_exists(client: TestClient) -> None:
    present = set(endpoints(client.app))  # type: ignore[arg-type]
    stale = [f"{m} {p}" for (m, p) in ROUTES if (m, p) not in present]
    assert stale == []


@pytest.fixture
def probes(client: TestClient) -> TestClient:
    """`client`, with one account of every role to sign in as."""
    add_regions(client)
    for each in Role:
        make_user(client, f"{each.value}-probe", each, region_code="330102")
    return client


def test_a_route_missing_from_the_table_is_listed_and_refused_to_everyone(
    probes: TestClient,
) -> None:
    client = probes
    app: FastAPI = client.app  # type: ignore[assignment]

    @app.get("/new-page")
    def new_page() -> dict[str, str]:
        return {"secret": "only-for-the-right-role"}

    assert unlisted(app.routes, set(ROUTES)) == ["GET /new-page"]
    for role in ROLES:
        answer = _try(client, role, "GET", "/new-page")
        assert _denied(answer, "GET"), (role, answer.status_code)
        assert "only-for-the-right-role" not in answer.text


def _concrete(path: str) -> str:
    # Any value will do: allowed means the route body ran (a 404 for "1" is allowed).
    return re.sub(r"\{[^}]+\}", "1", path)


def _try(client: TestClient, role: Role | None, method: str, path: str) -> Any:
    """`method path` with a fresh session of `role` (None: a pre-session, nobody signed in)."""
    client.cookies.clear()
    if role is None:
        token = csrf_token(client, "/login")
    else:
        assert sign_in(client, f"{role.value}-probe").status_code == 303
        token = csrf_token(client, "/password")
    url = _concrete(path)
    if method == "GET":
        return client.get(url, follow_redirects=False)
    # A valid CSRF token: a refusal seen here is the table's, not the CSRF check's.
    return client.request(method, url, data={"csrf_token": token}, follow_redirects=False)


def _denied(answer: Any, method: str) -> bool:
    if answer.status_code == 403 and "无权访问" in answer.text:
        return True
    location = answer.headers.get("location", "")
    return method == "GET" and answer.status_code == 303 and location.startswith("/login")


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "nobody")
def test_each_role_reaches_exactly_what_the_table_allows(
    probes: TestClient, role: Role | None
) -> None:
    client = probes
    wrong = []
    for method, path in endpoints(client.app):  # type: ignore[arg-type]
        if path == "/static":
            continue  # a mount: tried by test_the_stylesheet_needs_no_sign_in
        answer = _try(client, role, method, path)
        expected = may(role, method, path)
        if _denied(answer, method) == expected:
            wrong.append(f"{method} {path}: {answer.status_code}, expected allowed={expected}")
    assert wrong == []


def test_pages_asked_for_without_sign_in_lead_to_the_login_page_and_back(
    client: TestClient,
) -> None:
    answer = client.get("/transactions", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/transactions"


def test_the_stylesheet_and_the_receipt_page_need_no_sign_in(client: TestClient) -> None:
    assert client.get("/static/controller.css").status_code == 200
    assert client.get("/r/KA01-2611260001").status_code == 404  # reached: no such receipt
    assert "estation_session" not in client.cookies


def test_the_kiosk_api_stays_outside_staff_sign_in() -> None:
    for role in ROLES:
        assert may(role, "POST", "/api/v1/heartbeat")
    assert access_for("POST", "/api/v1/heartbeat") is Open.OUTSIDE


def test_an_unknown_method_or_path_is_denied() -> None:
    assert access_for("DELETE", "/") is Open.DENIED
    assert access_for("GET", "/admin") is Open.DENIED
    assert not may(Role.OPS_ADMIN, "GET", "/admin")


@pytest.mark.parametrize(
    ("role", "user_region", "kiosk_region", "expected"),
    [
        (Role.COUNTY_STAFF, "330102", "330102", True),
        (Role.COUNTY_STAFF, "330102", "330102001", True),  # a township in the county
        (Role.COUNTY_STAFF, "330102", "330102001001", True),  # a village
        (Role.COUNTY_STAFF, "330102", "330103", False),  # the next county
        (Role.COUNTY_STAFF, "330102", "330106001", False),
        (Role.COUNTY_STAFF, "330100", "330103", True),  # a city's staff see its counties
        (Role.COUNTY_STAFF, "330102", None, False),  # an unplaced kiosk
        (Role.COUNTY_STAFF, None, "330102", False),  # no region, nothing
        (Role.OPS_VIEWER, None, "440304", True),
        (Role.OPS_ADMIN, "330102", "440304", True),
    ],
)
def test_county_staff_see_only_their_own_region(
    role: Role, user_region: str | None, kiosk_region: str | None, expected: bool
) -> None:
    assert in_region(role, user_region, kiosk_region) is expected


# The content pages (controller/content_pages.py): ops look, county staff and admins change.
CONTENT_PAGES = {
    "/content",
    "/content/{kind}",
    "/content/{kind}/template.csv",
    "/content/{kind}/{code}",
}
# The county inbox's pages (issue 10): masked personal data, so those who read transactions.
INBOX = {"/inbox", "/inbox/export.{fmt}", "/inbox/{number}"}
# What a kiosk command brought back (a menu screenshot, redacted log lines; issue 11): those
# who mend kiosks.
COMMAND_RESULT = "/kiosks/{kiosk_id}/commands/{command_id}/attachment"
# Software updates (issue 11): ops watch a rollout; only admins change it (POST routes).
UPDATES = {"/updates"}
# The county's figures and monthly report (issue 10, figures_pages.py): counts, as /stats.
FIGURES = {"/figures", "/figures/print", "/figures/report.csv"}
# Who a job or policy fits (push_pages.py): masked personal data, as the inbox.
PUSH = {"/push/{kind}/{code}"}
# Catalog settings (issue 11, target_pages.py): a county's own for its staff, any county's
# for ops; one kiosk's override is an ops admin's. Kiosk groups cross counties: ops look,
# ops admins set a group's settings.
TARGETS = {"/targets"}
GROUPS = {"/groups"}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.OPS_VIEWER, {"/", "/kiosks/{kiosk_id}", "/transactions", "/password", "/alerts",
                           "/stats", *FIGURES, *CONTENT_PAGES, *INBOX, *PUSH,
                           COMMAND_RESULT, *UPDATES, *TARGETS, *GROUPS}),
        (Role.OPS_ADMIN, {"/", "/kiosks/{kiosk_id}", "/transactions", "/password", "/audit",
                          "/accounts", "/alerts", "/kiosks/{kiosk_id}/site", "/stats",
                          *FIGURES, "/enrollment", *CONTENT_PAGES, *INBOX, *PUSH, "/handoff",
                          COMMAND_RESULT, *UPDATES, *TARGETS, "/kiosks/{kiosk_id}/target",
                          *GROUPS, "/groups/{group_pk}/target"}),
        # Enrollment and devices only: the fleet's status, a kiosk's health and its alerts
        # (the kiosk page leaves its transactions out for them: test_controller_dashboard.py),
        # and where a kiosk stands, which they set when they install it.
        (Role.TECHNICIAN, {"/", "/kiosks/{kiosk_id}", "/password", "/alerts",
                           "/kiosks/{kiosk_id}/site", "/enrollment", COMMAND_RESULT}),
        # The fleet, kiosk and transaction pages, scoped to their region
        # (rendering.county_scope); the inbox and its dead letters, scoped the same way
        # (issue 10, inbox_pages.py),
        # and their county's content (content_pages.py).
        (Role.COUNTY_STAFF, {"/", "/kiosks/{kiosk_id}", "/transactions", "/password",
                             "/stats", *FIGURES, *CONTENT_PAGES, *INBOX, *PUSH, "/handoff",
                             *TARGETS}),
        (Role.AUDITOR, {"/audit", "/password"}),
    ],
)  # fmt: skip
def test_the_table_says_what_issue_9_asks_of_each_role(role: Role, allowed: set[str]) -> None:
    outside = {"/login", "/r/{number}", "/healthz", "/readyz", "/metrics"}
    pages = {path for (method, path) in ROUTES if method == "GET"} - outside
    assert {p for p in pages if may(role, "GET", p)} == allowed
