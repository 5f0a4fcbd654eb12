"""The one dependency that enforces the route table, and the CSRF check of every form.

`authorize` runs before every route of the app (create_app passes it as an app-wide
dependency). It looks the matched route up in `access.ROUTES`:

- OUTSIDE (kiosk API, receipt page, static): returns at once; no session is read.
- ANONYMOUS (the login page) and role sets: the session cookie is looked up; a role set
  needs a signed-in user with one of those roles (a page asked for without one redirects to
  /login, anything else gets 403); a route missing from the table gets 403 (fail closed).
- A user whose password an admin reset may open only the password page and log out until
  they choose a new one; any other page redirects there.
- Every POST (any method but GET/HEAD/OPTIONS) must carry the session's CSRF token in the
  form field `csrf_token`: the synchronizer token of the session, or of the pre-session for
  the login form. Without it, or with another: 403.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Annotated
from urllib.parse import parse_qsl, quote

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from controller.auth.access import Open, access_for
from controller.auth.sessions import SignedIn, Visit
from controller.deps import Runtime
from controller.services.audit import Actor

COOKIE = "estation_session"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Our forms hold a few short fields; anything bigger is not one of them.
MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 64  # the inbox's bulk form: 50 picks and the action
# A form with a file (the content pages' CSV import): the file, at most this size, is kept
# as bytes in `request.state.upload` for the route; its text fields are the form.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024 + 64 * 1024


class LoginRequired(Exception):
    """Nobody is signed in; a page request is sent to /login and back to `next_path`."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in first")
        self.next_path = next_path


class PasswordChangeRequired(Exception):
    """An admin reset this user's password: they choose their own before anything else."""


# What a user with a reset password may still do.
_WHILE_PASSWORD_RESET = frozenset(
    {("GET", "/password"), ("POST", "/password"), ("POST", "/logout")}
)


class AccessDenied(Exception):
    """The request may not go on: wrong role, a route not in the table, a bad CSRF token."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FormRefused(Exception):
    """The body is not a form of ours (wrong type, too large)."""


def runtime_of(request: Request) -> Runtime:
    """The runtime of the app serving `request`."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def client_address(request: Request) -> str:
    """The peer's address as the server saw it (a proxy's, behind one)."""
    return request.client.host if request.client else ""


async def read_form(request: Request) -> Mapping[str, str]:
    """The url-encoded form of a POST (first value of each field), read once per request."""
    cached: Mapping[str, str] | None = getattr(request.state, "form", None)
    if cached is not None:
        return cached
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    form: dict[str, str] = {}
    if content_type == "application/x-www-form-urlencoded":
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
            raise FormRefused("form too large")
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise FormRefused("form too large")
        try:
            pairs = parse_qsl(
                body.decode("utf-8"),
                keep_blank_values=True,
                max_num_fields=MAX_FORM_FIELDS,
            )
        except (UnicodeDecodeError, ValueError) as err:
            raise FormRefused("not a form") from err
        for key, value in pairs:
            form.setdefault(key, value)
    elif content_type == "multipart/form-data":
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > MAX_UPLOAD_BYTES:
            raise FormRefused("form too large")
        try:
            parts = await request.form(
                max_files=1, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_UPLOAD_BYTES
            )
        except HTTPException as err:
            raise FormRefused("not a form") from err
        request.state.upload = None
        for key, part in parts.multi_items():
            if isinstance(part, str):
                form.setdefault(key, part)
            elif request.state.upload is None:
                request.state.upload = await part.read(MAX_UPLOAD_BYTES + 1)
    request.state.form = form
    return form


def _find_visit(runtime: Runtime, token: str | None) -> Visit | None:
    with runtime.db.session() as session:
        visit = runtime.staff_sessions.find(session, token)
        session.commit()
        return visit


async def authorize(request: Request) -> None:
    """Enforce the route table and CSRF for this request (see the module docstring)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    access = access_for(request.method, path)
    if access is Open.OUTSIDE:
        return
    runtime = runtime_of(request)
    visit = await run_in_threadpool(_find_visit, runtime, request.cookies.get(COOKIE))
    request.state.visit = visit
    if access is Open.DENIED:
        raise AccessDenied("route not in the access table")
    if isinstance(access, frozenset):
        user = visit.user if visit else None
        if user is None:
            if request.method == "GET":
                raise LoginRequired(_here(request))
            raise AccessDenied("not signed in")
        if user.role not in access:
            raise AccessDenied("role not allowed")
        if user.must_change_password and (request.method, path) not in _WHILE_PASSWORD_RESET:
            if request.method == "GET":
                raise PasswordChangeRequired()
            raise AccessDenied("choose a new password first")
    if request.method not in SAFE_METHODS:
        form = await read_form(request)
        sent = form.get(CSRF_FIELD, "")
        if visit is None or not secrets.compare_digest(sent.encode(), visit.csrf.encode()):
            raise AccessDenied("missing or wrong CSRF token")


def _here(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return request.url.path + query


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def login_url(next_path: str) -> str:
    """/login, remembering the page asked for."""
    if next_path in ("", "/"):
        return "/login"
    return f"/login?next={quote(next_path, safe='/')}"


def set_session_cookie(request: Request, response: Response, visit: Visit) -> None:
    """Hand the browser its session id: HttpOnly, SameSite=Strict, Secure over https."""
    config = runtime_of(request).auth
    response.set_cookie(
        COOKIE,
        visit.token,
        httponly=True,
        samesite="strict",
        secure=config.secure_cookies or request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Tell the browser to forget its session id."""
    config = runtime_of(request).auth
    response.delete_cookie(
        COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=config.secure_cookies or request.url.scheme == "https",
    )


def current_visit(request: Request) -> Visit | None:
    """The session `authorize` found for this request, if any."""
    visit: Visit | None = getattr(request.state, "visit", None)
    return visit


def current_user(request: Request) -> SignedIn:
    """The signed-in user; `authorize` has already refused requests without one."""
    visit = current_visit(request)
    if visit is None or visit.user is None:
        raise AccessDenied("not signed in")
    return visit.user


def current_actor(request: Request) -> Actor:
    """Who is acting, for the audit log: the signed-in user, or nobody from this address."""
    visit = current_visit(request)
    client = client_address(request)
    if visit is None or visit.user is None:
        return Actor.anonymous(client)
    return Actor.user(visit.user.username, visit.user.role.value, client)


VisitDep = Annotated[Visit | None, Depends(current_visit)]
UserDep = Annotated[SignedIn, Depends(current_user)]
FormDep = Annotated[Mapping[str, str], Depends(read_form)]
ActorDep = Annotated[Actor, Depends(current_actor)]
