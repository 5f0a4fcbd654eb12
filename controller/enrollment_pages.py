"""The enrollment page: pairing codes, pre-authorised serials, pending kiosks, withdrawals.

Ops admins and technicians use it (controller/auth/access.py); every form carries the
session's CSRF token (checked by controller/auth/guard.py before a route body runs). The
routes only translate forms into calls on `Enrollment` (controller/services/enrollment.py),
which audits each action; the route commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from controller.auth.guard import ActorDep, FormDep
from controller.deps import EnrollmentDep, SessionDep
from controller.labels import Label
from controller.models import Kiosk
from controller.rendering import render
from controller.services.audit import Actor
from controller.services.enrollment import STATE_LABELS, Enrollment
from controller.services.enrollment_codes import IssuedCode
from controller.services.errors import BadMessage, Conflict, NotFound

router = APIRouter(default_response_class=HTMLResponse)


def _page(
    request: Request,
    session: Session,
    enrollment: Enrollment,
    *,
    issued: IssuedCode | None = None,
    done: Label | None = None,
    error: Label | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "page": "enrollment",
        "board": enrollment.board(session),
        "issued": issued,
        "code_minutes": enrollment.settings.code_minutes,
        "state_label": lambda code: STATE_LABELS.get(code, (code, code)),
        "done": done,
        "error": error,
    }
    return render(request, "enrollment.html", context, status)


@router.get("/enrollment")
def enrollment_page(
    request: Request, session: SessionDep, enrollment: EnrollmentDep
) -> HTMLResponse:
    """Pending kiosks to approve, open codes, the serial list, withdrawn kiosks."""
    return _page(request, session, enrollment)


@router.post("/enrollment/codes")
def issue_code(
    request: Request,
    form: FormDep,
    session: SessionDep,
    enrollment: EnrollmentDep,
    actor: ActorDep,
) -> HTMLResponse:
    """Issue a pairing code; it is shown once, on the page this answers."""
    issued = enrollment.issue_code(session, actor, form.get("note", ""))
    session.commit()
    return _page(request, session, enrollment, issued=issued)


@router.post("/enrollment/serials")
def add_serial(
    request: Request,
    form: FormDep,
    session: SessionDep,
    enrollment: EnrollmentDep,
    actor: ActorDep,
) -> HTMLResponse:
    """Pre-authorise a hardware id: that kiosk is approved the first time it enrolls."""
    hardware_id = form.get("hardware_id", "")
    try:
        enrollment.preauthorise(session, actor, hardware_id, form.get("note", ""))
    except (BadMessage, Conflict) as err:
        session.rollback()
        error = ("无法添加该序列号", f"Not added: {err}")
        return _page(request, session, enrollment, error=error, status=400)
    session.commit()
    done = (f"已预授权 {hardware_id.strip()}", f"{hardware_id.strip()} pre-authorised")
    return _page(request, session, enrollment, done=done)


@router.post("/enrollment/serials/{serial_id}/remove")
def remove_serial(
    request: Request,
    serial_id: int,
    session: SessionDep,
    enrollment: EnrollmentDep,
    actor: ActorDep,
) -> HTMLResponse:
    """Take a hardware id off the list before it was used."""
    try:
        hardware_id = enrollment.remove_serial(session, actor, serial_id)
    except NotFound:
        session.rollback()
        error = ("列表中没有这个序列号", "No such serial on the list")
        return _page(request, session, enrollment, error=error, status=404)
    session.commit()
    return _page(
        request, session, enrollment, done=(f"已移除 {hardware_id}", f"{hardware_id} removed")
    )


Decision = Callable[[Session, Actor, str], Kiosk]


def _decide(
    request: Request,
    session: Session,
    enrollment: Enrollment,
    actor: Actor,
    decision: Decision,
    kiosk_id: str,
    done: Label,
) -> HTMLResponse:
    """Carry out one decision about a kiosk as `actor`; the page with its outcome."""
    try:
        kiosk = decision(session, actor, kiosk_id)
    except NotFound:
        session.rollback()
        error = ("没有这台终端", f"No kiosk {kiosk_id!r}")
        return _page(request, session, enrollment, error=error, status=404)
    except Conflict as err:
        session.rollback()
        return _page(request, session, enrollment, error=("无法执行", str(err)), status=409)
    session.commit()
    label = (f"{kiosk.kiosk_id} {done[0]}", f"{kiosk.kiosk_id} {done[1]}")
    return _page(request, session, enrollment, done=label)


@router.post("/enrollment/kiosks/{kiosk_id}/approve")
def approve(
    request: Request, kiosk_id: str, session: SessionDep, enrollment: EnrollmentDep, actor: ActorDep
) -> HTMLResponse:
    """Approve a pending kiosk: its token now works for everything."""
    return _decide(
        request, session, enrollment, actor, enrollment.approve, kiosk_id, ("已批准", "approved")
    )


@router.post("/enrollment/kiosks/{kiosk_id}/reject")
def reject(
    request: Request, kiosk_id: str, session: SessionDep, enrollment: EnrollmentDep, actor: ActorDep
) -> HTMLResponse:
    """Reject a pending kiosk: decommissioned, its token worth nothing."""
    return _decide(
        request, session, enrollment, actor, enrollment.reject, kiosk_id, ("已拒绝", "rejected")
    )


@router.post("/enrollment/revoke")
def revoke(
    request: Request,
    form: FormDep,
    session: SessionDep,
    enrollment: EnrollmentDep,
    actor: ActorDep,
) -> HTMLResponse:
    """Revoke a kiosk's credential (the kiosk id is typed into the form)."""
    done = ("凭证已吊销", "credential revoked")
    return _decide(
        request, session, enrollment, actor, enrollment.revoke, form.get("kiosk_id", ""), done
    )


@router.post("/enrollment/decommission")
def decommission(
    request: Request,
    form: FormDep,
    session: SessionDep,
    enrollment: EnrollmentDep,
    actor: ActorDep,
) -> HTMLResponse:
    """Decommission a kiosk (the kiosk id is typed into the form)."""
    done = ("已退役", "decommissioned")
    return _decide(
        request, session, enrollment, actor, enrollment.decommission, form.get("kiosk_id", ""), done
    )


def install(app: FastAPI) -> None:
    """Add the enrollment page and its forms to `app`."""
    app.include_router(router)
