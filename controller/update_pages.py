"""The updates page: signed releases, the rollout with its rings, resume and abort.

Ops viewers watch; ops admins upload a release, start a rollout, resume or abort it and put
kiosks in rings (controller/auth/access.py). Every form carries the session's CSRF token;
the routes translate forms into calls on `Updates` (controller/services/updates.py),
which audits each action; the route commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.auth.guard import ActorDep, FormDep
from controller.deps import SessionDep, UpdatesDep
from controller.labels import Label
from controller.models import Rollout
from controller.rendering import render
from controller.services.audit import Actor
from controller.services.errors import BadMessage, Conflict, ControllerError, NotFound
from controller.services.updates import RING_LABELS, RINGS, Updates

router = APIRouter(default_response_class=HTMLResponse)

_STATUS: dict[type[ControllerError], int] = {BadMessage: 400, NotFound: 404, Conflict: 409}


def _page(
    request: Request,
    session: Session,
    updates: Updates,
    *,
    done: Label | None = None,
    error: Label | None = None,
    status: int = 200,
) -> HTMLResponse:
    active = updates.active(session)
    past = session.scalars(
        select(Rollout)
        .where(Rollout.state.not_in(["running", "halted"]))
        .order_by(Rollout.id.desc())
        .limit(10)
    ).all()
    context: dict[str, Any] = {
        "page": "updates",
        "releases": updates.releases(session),
        "active": updates.view(session, active) if active is not None else None,
        "past": past,
        "members": updates.ring_members(session),
        "rings": RINGS,
        "ring_label": lambda ring: RING_LABELS.get(ring, (ring, ring)),
        "key_pinned": updates.key is not None,
        "done": done,
        "error": error,
    }
    return render(request, "updates.html", context, status)


def _act(
    request: Request,
    session: Session,
    updates: Updates,
    action: Callable[[], object],
    done: Label,
) -> HTMLResponse:
    """Run one action; the page with its outcome, or its refusal and why."""
    try:
        action()
    except (BadMessage, NotFound, Conflict) as err:
        session.rollback()
        status = next(code for cls, code in _STATUS.items() if isinstance(err, cls))
        return _page(request, session, updates, error=("未执行", f"Not done: {err}"), status=status)
    session.commit()
    return _page(request, session, updates, done=done)


@router.get("/updates")
def updates_page(request: Request, session: SessionDep, updates: UpdatesDep) -> HTMLResponse:
    """Releases, the rollout under way with its rings, kiosks outside the `all` ring."""
    return _page(request, session, updates)


@router.post("/updates/releases")
def add_release(
    request: Request, form: FormDep, session: SessionDep, updates: UpdatesDep, actor: ActorDep
) -> HTMLResponse:
    """Store an uploaded bundle with its signature (pasted: the .minisig file's text)."""
    data: bytes = getattr(request.state, "upload", None) or b""

    def add() -> object:
        if not data:
            raise BadMessage("choose the bundle file (estation-<version>.tar.gz)")
        return updates.add_release(session, actor, data, form.get("signature", ""))

    return _act(request, session, updates, add, ("已上传", "Release stored"))


def _percent(form: dict[str, str] | Any, name: str, default: int) -> int:
    text = str(form.get(name, "") or default).strip()
    if not text.isdigit():
        raise BadMessage(f"{name}: a whole percentage")
    return int(text)


@router.post("/updates/rollouts")
def start_rollout(
    request: Request, form: FormDep, session: SessionDep, updates: UpdatesDep, actor: ActorDep
) -> HTMLResponse:
    """Start offering a release, canary ring first."""

    def start() -> object:
        return updates.start(
            session,
            actor,
            form.get("version", ""),
            failure_percent=_percent(form, "failure_percent", 20),
            success_percent=_percent(form, "success_percent", 100),
        )

    return _act(request, session, updates, start, ("已开始发布", "Rollout started"))


def _decide(
    request: Request,
    session: Session,
    updates: Updates,
    decision: Callable[[Session, Actor, int], Rollout],
    actor: Actor,
    rollout_id: int,
    done: Label,
) -> HTMLResponse:
    return _act(request, session, updates, lambda: decision(session, actor, rollout_id), done)


@router.post("/updates/rollouts/{rollout_id}/resume")
def resume_rollout(
    request: Request, rollout_id: int, session: SessionDep, updates: UpdatesDep, actor: ActorDep
) -> HTMLResponse:
    """Resume a halted rollout: the failures so far are accepted."""
    done = ("已继续发布", "Rollout resumed")
    return _decide(request, session, updates, updates.resume, actor, rollout_id, done)


@router.post("/updates/rollouts/{rollout_id}/abort")
def abort_rollout(
    request: Request, rollout_id: int, session: SessionDep, updates: UpdatesDep, actor: ActorDep
) -> HTMLResponse:
    """Abort a rollout: nothing more is offered; installed kiosks keep the release."""
    done = ("已中止发布", "Rollout aborted")
    return _decide(request, session, updates, updates.abort, actor, rollout_id, done)


@router.post("/updates/rings")
def set_ring(
    request: Request, form: FormDep, session: SessionDep, updates: UpdatesDep, actor: ActorDep
) -> HTMLResponse:
    """Put a kiosk in the canary, early or all ring."""
    kiosk_id, ring = form.get("kiosk_id", ""), form.get("ring", "")

    def put() -> object:
        updates.set_ring(session, actor, kiosk_id, ring)
        return None

    return _act(request, session, updates, put, ("已设置", f"{kiosk_id.strip()}: {ring}"))


def install(app: FastAPI) -> None:
    """Add the updates page and its forms to `app`."""
    app.include_router(router)
