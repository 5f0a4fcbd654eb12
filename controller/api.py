"""The kiosk-facing HTTP API of wire v1. Routes only translate; services decide."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from controller.deps import FleetDep, IntakeDep, KioskDep, RuntimeDep, SessionDep, wire_body
from controller.services import (
    BadMessage,
    ControllerError,
    EnrollmentRefused,
    KeyConflict,
    NotAuthenticated,
    TooLarge,
)
from wire import (
    API_PREFIX,
    PROTOCOL_VERSION,
    Heartbeat,
    Message,
    RegisterRequest,
    TransactionIn,
)

router = APIRouter()

RegisterBody = Annotated[RegisterRequest, Depends(wire_body(RegisterRequest))]
HeartbeatBody = Annotated[Heartbeat, Depends(wire_body(Heartbeat))]
TransactionBody = Annotated[TransactionIn, Depends(wire_body(TransactionIn))]

_STATUS: dict[type[ControllerError], int] = {
    BadMessage: 422,
    TooLarge: 413,
    NotAuthenticated: 401,
    EnrollmentRefused: 403,
    KeyConflict: 409,
}


def _wire(model: Message, status_code: int = 200) -> Response:
    # The wire models serialise themselves; FastAPI's response_model would validate twice.
    return Response(model.model_dump_json(), status_code, media_type="application/json")


@router.post(f"{API_PREFIX}/kiosks/register")
def register(body: RegisterBody, session: SessionDep, fleet: FleetDep) -> Response:
    """Enroll a kiosk (201), or re-enroll known hardware with a fresh token (200)."""
    response, created = fleet.register(session, body)
    return _wire(response, 201 if created else 200)


@router.post(f"{API_PREFIX}/heartbeat")
def heartbeat(
    kiosk: KioskDep, body: HeartbeatBody, session: SessionDep, fleet: FleetDep
) -> Response:
    """Record a heartbeat; answer with the server's time."""
    return _wire(fleet.heartbeat(session, kiosk, body))


@router.post(f"{API_PREFIX}/transactions")
def transactions(
    kiosk: KioskDep, body: TransactionBody, session: SessionDep, intake: IntakeDep
) -> Response:
    """Store a transaction (201), or acknowledge a retry of a stored one (200, duplicate)."""
    ack = intake.ingest(session, kiosk, body)
    return _wire(ack, 200 if ack.duplicate else 201)


@router.get("/healthz")
def healthz(runtime: RuntimeDep) -> JSONResponse:
    """Liveness and database reachability, for supervisors and start-up scripts."""
    try:
        database_ok = runtime.db.ping()
    except (SQLAlchemyError, OSError):
        # An unreachable database is reported, not raised: supervisors read the body.
        database_ok = False
    body = {
        "status": "ok" if database_ok else "degraded",
        "database": "ok" if database_ok else "unreachable",
        "protocol_version": PROTOCOL_VERSION,
        "server_time": runtime.clock().isoformat(),
    }
    return JSONResponse(body, status_code=200 if database_ok else 503)


def error_response(_request: Request, exc: Exception) -> Response:
    """Turn a ControllerError into `{"error": "..."}` with the status that names the culprit."""
    if not isinstance(exc, ControllerError):
        raise exc
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": str(exc)}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Add the API routes and the error mapping to `app`."""
    app.include_router(router)
    app.add_exception_handler(ControllerError, error_response)
