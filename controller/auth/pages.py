"""Sign-in pages: login, logout, password change, accounts (ops admin) and the audit log.

Routes translate forms into calls on `Accounts` and `StaffSessions` and render the answer;
every one of them is listed in access.ROUTES, which `guard.authorize` enforces (including
the CSRF token of every form) before a route body runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from controller.auth.access import ROLE_LABELS, Role
from controller.auth.accounts import AccountRefused, Accounts, SignIn
from controller.auth.guard import (
    AccessDenied,
    ActorDep,
    FormDep,
    FormRefused,
    LoginRequired,
    PasswordChangeRequired,
    UserDep,
    VisitDep,
    clear_session_cookie,
    client_address,
    login_url,
    safe_next,
    set_session_cookie,
)
from controller.deps import AccountsDep, AuditDep, SessionDep, StaffSessionsDep
from controller.models import User
from controller.rendering import render
from controller.services.audit import AuditAction
from controller.services.ratelimit import RateLimited

router = APIRouter(default_response_class=HTMLResponse)

# One message for every refused sign-in: it never tells whether the account exists, is
# inactive or is locked.
SIGN_IN_REFUSED = (
    "登录失败：用户名或密码不正确。连续多次失败后账户将被暂时锁定。",
    "Sign-in failed: wrong user name or password. Repeated failures lock the account for a while.",
)


TOO_MANY_FORMS = (
    "打开登录页过于频繁，请稍后再试。",
    "The sign-in page was opened too often from this address; try again shortly.",
)


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/login")
def login_page(
    request: Request,
    session: SessionDep,
    sessions: StaffSessionsDep,
    visit: VisitDep,
    next_path: Annotated[str, Query(alias="next")] = "/",
) -> Response:
    """The login form, with a pre-session whose CSRF token it carries."""
    if visit is not None and visit.user is not None:
        return _see_other(safe_next(next_path))
    fresh = visit is None
    if visit is None:
        try:
            visit = sessions.open_anonymous(session, client_address(request))
        except RateLimited as err:
            context = {"page": "login", "retry_after": err.retry_after, "error": TOO_MANY_FORMS}
            response = render(request, "login.html", context, 429)
            response.headers["Retry-After"] = str(err.retry_after)
            return response
        session.commit()
        request.state.visit = visit
    response = render(request, "login.html", {"page": "login", "next": safe_next(next_path)})
    if fresh:
        set_session_cookie(request, response, visit)
    return response


@router.post("/login")
def login(
    request: Request,
    form: FormDep,
    session: SessionDep,
    accounts: AccountsDep,
    sessions: StaffSessionsDep,
    visit: VisitDep,
) -> Response:
    """Check the password; on success a new session replaces the pre-session."""
    result = accounts.sign_in(
        session, form.get("username", ""), form.get("password", ""), client_address(request)
    )
    if result.outcome is not SignIn.OK or result.user is None:
        session.commit()  # the failure count and its audit entry stay
        context = {"page": "login", "next": safe_next(form.get("next")), "error": SIGN_IN_REFUSED}
        return render(request, "login.html", context, 401)
    fresh = sessions.open_for(session, result.user, replacing=visit.token if visit else None)
    session.commit()
    response = _see_other(safe_next(form.get("next")))
    set_session_cookie(request, response, fresh)
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    sessions: StaffSessionsDep,
    audit: AuditDep,
    actor: ActorDep,
    visit: VisitDep,
) -> Response:
    """End the session and forget the cookie."""
    if visit is not None:
        sessions.close(session, visit.token)
    audit.record(session, actor, AuditAction.LOGOUT, target=actor.name)
    session.commit()
    response = _see_other("/login")
    clear_session_cookie(request, response)
    return response


MUST_CHANGE = (
    "管理员已重置您的密码：请先设置自己的新密码。",
    "An administrator reset your password: choose your own before going on.",
)


@router.get("/password")
def password_page(request: Request, user: UserDep) -> HTMLResponse:
    """The form to change one's own password."""
    notice = MUST_CHANGE if user.must_change_password else None
    return render(request, "password.html", {"page": "password", "error": notice})


@router.post("/password")
def change_password(
    request: Request,
    form: FormDep,
    user: UserDep,
    session: SessionDep,
    accounts: AccountsDep,
    sessions: StaffSessionsDep,
    actor: ActorDep,
    visit: VisitDep,
) -> Response:
    """Change one's password (the current one is required); other sessions end."""
    account = accounts.get(session, user.user_id)
    if account is None or visit is None:
        raise AccessDenied("not signed in")
    new = form.get("new_password", "")
    if new != form.get("new_password_again", ""):
        error = ("两次输入的新密码不一致", "The two new passwords differ")
        return render(request, "password.html", {"page": "password", "error": error}, 400)
    try:
        accounts.change_password(session, actor, account, form.get("old_password", ""), new)
    except AccountRefused as err:
        session.rollback()
        context = {"page": "password", "error": (err.zh, err.en)}
        return render(request, "password.html", context, 400)
    sessions.close_others(session, account.id, keep=visit.token)
    session.commit()
    if user.must_change_password:
        return _see_other("/")
    done = ("密码已修改，其他设备上的登录已退出", "Password changed; other sessions signed out")
    return render(request, "password.html", {"page": "password", "done": done})


def _accounts_page(
    request: Request,
    session: SessionDep,
    accounts: AccountsDep,
    *,
    error: tuple[str, str] | None = None,
    done: tuple[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    rows = [
        {"user": u, "locked": accounts.is_locked(u), "role_label": ROLE_LABELS[Role(u.role)]}
        for u in accounts.all(session)
    ]
    context = {
        "page": "accounts",
        "rows": rows,
        "roles": [(r.value, ROLE_LABELS[r]) for r in Role],
        "error": error,
        "done": done,
    }
    return render(request, "accounts.html", context, status)


@router.get("/accounts")
def accounts_page(request: Request, session: SessionDep, accounts: AccountsDep) -> HTMLResponse:
    """Every account, a form to create one, and per-account role, region, active, unlock."""
    return _accounts_page(request, session, accounts)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as err:
        raise AccountRefused("没有这个角色", "No such role") from err


@router.post("/accounts")
def create_account(
    request: Request, form: FormDep, session: SessionDep, accounts: AccountsDep, actor: ActorDep
) -> HTMLResponse:
    """Create an account with a first password the person then changes."""
    try:
        user = accounts.create(
            session,
            actor,
            form.get("username", ""),
            form.get("password", ""),
            _role(form.get("role", "")),
            form.get("region_code") or None,
        )
    except AccountRefused as err:
        session.rollback()
        return _accounts_page(request, session, accounts, error=(err.zh, err.en), status=400)
    session.commit()
    done = (f"已创建账户 {user.username}", f"Account {user.username} created")
    return _accounts_page(request, session, accounts, done=done)


_NO_ACCOUNT = ("没有这个账户", "No such account")


def _on_account(
    request: Request,
    session: Session,
    accounts: Accounts,
    user_id: int,
    act: Callable[[User], None],
    done: Callable[[str], tuple[str, str]],
) -> HTMLResponse:
    """Do `act` to one account and show the accounts page with what came of it: 404 for no
    such account, 400 with the reason when it is refused (nothing of it is kept)."""
    user = accounts.get(session, user_id)
    if user is None:
        return _accounts_page(request, session, accounts, error=_NO_ACCOUNT, status=404)
    try:
        act(user)
    except AccountRefused as err:
        session.rollback()
        return _accounts_page(request, session, accounts, error=(err.zh, err.en), status=400)
    session.commit()
    return _accounts_page(request, session, accounts, done=done(user.username))


@router.post("/accounts/{user_id}")
def update_account(
    request: Request,
    user_id: int,
    form: FormDep,
    session: SessionDep,
    accounts: AccountsDep,
    actor: ActorDep,
) -> HTMLResponse:
    """Set an account's role, region and whether it is active."""

    def update(user: User) -> None:
        accounts.update(
            session,
            actor,
            user,
            role=_role(form.get("role", "")),
            region_code=form.get("region_code") or None,
            active=form.get("active") == "on",
        )

    return _on_account(
        request, session, accounts, user_id, update,
        lambda name: (f"已保存账户 {name}", f"Account {name} saved"),
    )  # fmt: skip


@router.post("/accounts/{user_id}/unlock")
def unlock_account(
    request: Request, user_id: int, session: SessionDep, accounts: AccountsDep, actor: ActorDep
) -> HTMLResponse:
    """End an account's lockout."""
    return _on_account(
        request, session, accounts, user_id, lambda user: accounts.unlock(session, actor, user),
        lambda name: (f"已解锁账户 {name}", f"Account {name} unlocked"),
    )  # fmt: skip


@router.post("/accounts/{user_id}/password")
def reset_password(
    request: Request,
    user_id: int,
    form: FormDep,
    session: SessionDep,
    accounts: AccountsDep,
    sessions: StaffSessionsDep,
    actor: ActorDep,
) -> HTMLResponse:
    """Set a temporary password for someone who forgot theirs; their sessions end."""

    def reset(user: User) -> None:
        accounts.reset_password(session, actor, user, form.get("temporary_password", ""))
        sessions.close_all(session, user.id)

    return _on_account(
        request, session, accounts, user_id, reset,
        lambda name: (
            f"已为 {name} 设置临时密码：请当面告知，其下次登录时须修改",
            f"Temporary password set for {name}: tell them in person;"
            " they must change it at their next sign-in",
        ),
    )  # fmt: skip


@router.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    audit: AuditDep,
    actor: ActorDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """The audit log, newest first, a page at a time; the viewing is itself recorded."""
    log = audit.page(session, page)
    audit.record(session, actor, AuditAction.VIEWED_AUDIT_LOG, detail=f"page={page}")
    session.commit()
    context = {"page": "audit", "log": log}
    return render(request, "audit.html", context)


def _login_required(_request: Request, exc: Exception) -> Response:
    next_path = exc.next_path if isinstance(exc, LoginRequired) else "/"
    return _see_other(login_url(next_path))


def _password_change_required(_request: Request, _exc: Exception) -> Response:
    return _see_other("/password")


def _access_denied(request: Request, exc: Exception) -> Response:
    reason = exc.reason if isinstance(exc, AccessDenied) else "refused"
    return render(request, "forbidden.html", {"page": "forbidden", "reason": reason}, 403)


def _form_refused(request: Request, _exc: Exception) -> Response:
    return render(request, "forbidden.html", {"page": "forbidden", "reason": "bad form"}, 400)


def install(app: FastAPI) -> None:
    """Add the sign-in pages and the answers of the guard's refusals to `app`."""
    app.include_router(router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PasswordChangeRequired, _password_change_required)
    app.add_exception_handler(AccessDenied, _access_denied)
    app.add_exception_handler(FormRefused, _form_refused)
