"""The kiosk page's command form and the results it links to (controller/services/commands.py).

Sending is for ops admins (controller/auth/access.py), CSRF-checked like every form by the
guard, and audited; the answer is a redirect back to the kiosk page, where the command's
state shows.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse, Response

from controller.auth.guard import ActorDep, FormDep
from controller.deps import AuditDep, CommandsDep, FleetDep, SessionDep
from controller.services.audit import AuditAction
from controller.services.commands import DEFAULT_TTL
from controller.services.errors import BadMessage, NotFound
from wire import CommandKind

router = APIRouter()


@router.post("/kiosks/{kiosk_id}/commands")
def send_command(
    kiosk_id: str,
    form: FormDep,
    session: SessionDep,
    fleet: FleetDep,
    commands: CommandsDep,
    audit: AuditDep,
    actor: ActorDep,
) -> Response:
    """Queue a command for the kiosk (audited) and go back to its page."""
    kiosk = fleet.find(session, kiosk_id)
    if kiosk is None:
        raise NotFound(f"no kiosk {kiosk_id}")
    try:
        kind = CommandKind(form.get("kind", ""))
        minutes = int(form.get("ttl_minutes", "") or DEFAULT_TTL.total_seconds() // 60)
    except ValueError as err:
        raise BadMessage("choose a command and a lifetime in minutes") from err
    argument = form.get("argument", "").strip() if kind is CommandKind.OUT_OF_SERVICE_ON else ""
    command = commands.issue(
        session,
        kiosk,
        kind,
        actor.name,
        ttl=dt.timedelta(minutes=minutes),
        argument=argument,
    )
    audit.record(
        session,
        actor,
        AuditAction.COMMAND_SENT,
        target=kiosk.kiosk_id,
        detail=f"{kind.value} id={command.command_id} ttl_minutes={minutes}",
    )
    session.commit()
    return RedirectResponse(f"/kiosks/{kiosk.kiosk_id}#commands", status_code=303)


@router.get("/kiosks/{kiosk_id}/commands/{command_id}/attachment")
def command_attachment(
    kiosk_id: str,
    command_id: str,
    session: SessionDep,
    fleet: FleetDep,
    commands: CommandsDep,
) -> Response:
    """The screenshot or the redacted log lines a command's result carried."""
    kiosk = fleet.find(session, kiosk_id)
    if kiosk is None:
        raise NotFound(f"no kiosk {kiosk_id}")
    media_type, data = commands.attachment(session, kiosk, command_id)
    if media_type == "text/plain":
        media_type = "text/plain; charset=utf-8"
    # Shown, never run: the browser must not sniff a log file into HTML.
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    return Response(data, media_type=media_type, headers=headers)


def install(app: FastAPI) -> None:
    """Add the command form and the result attachments to `app`."""
    app.include_router(router)
