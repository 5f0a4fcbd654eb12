"""Security headers on every page, and no inline script or style the CSP would have to allow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import ROUTES, Role
from controller.auth.headers import CONTENT_SECURITY_POLICY
from tests.controller.controller_testkit import ON_SQLITE_ONLY, register, signed_in_as

TEMPLATES = Path(__file__).resolve().parents[2] / "controller" / "templates"
PAGES = sorted(re.sub(r"\{[^}]+\}", "1", p) for (m, p) in ROUTES if m == "GET")


@ON_SQLITE_ONLY
@pytest.mark.parametrize("path", [*PAGES, "/static/controller.css", "/nowhere"])
@pytest.mark.parametrize("signed_in", [False, True], ids=["nobody", "ops_admin"])
def test_every_response_carries_the_security_headers(
    client: TestClient, path: str, signed_in: bool
) -> None:
    register(client)
    if signed_in:
        signed_in_as(client, Role.OPS_ADMIN)
    answer = client.get(path, follow_redirects=False)
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"
    if answer.headers.get("content-type", "").startswith("text/html"):
        assert answer.headers["cache-control"] == "no-store"


def test_the_policy_allows_no_inline_script_and_no_framing() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_templates_hold_no_inline_script_style_or_handler(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert "<script" not in text
    assert "<style" not in text
    assert not re.search(r"\sstyle=", text)
    assert not re.search(r"\son[a-z]+=", text)


def test_the_api_answers_carry_the_headers_too(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in answer.headers  # JSON is not a page
