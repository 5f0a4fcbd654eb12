"""The kiosk-facing HTTP API of wire v1. Routes only translate; services decide."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from controller.deps import (
    BearerDep,
    BookingsDep,
    CommandsDep,
    ContentDep,
    EnrolledKioskDep,
    EnrollmentDep,
    IntakeDep,
    KioskDep,
    KnownKioskDep,
    MaintenanceEventsDep,
    RatingsDep,
    RuntimeDep,
    SessionDep,
    StaffCallsDep,
    TargetsDep,
    TitlesDep,
    UpdatesDep,
    get_runtime,
    wire_body,
    wire_data,
)
from controller.services import (
    BadMessage,
    Conflict,
    ControllerError,
    EnrollmentRefused,
    NotAuthenticated,
    NotFound,
    Refused,
    TooLarge,
)
from controller.services.commands import NUDGE_SECONDS, Commands
from controller.services.errors import PendingApproval
from controller.services.kiosktime import TooEarly
from controller.services.ratelimit import RateLimited
from controller.services.selftests import record_selftest
from wire import (
    API_PREFIX,
    CAPABILITY_COMMANDS,
    CAPABILITY_TARGET,
    CAPABILITY_UPDATES,
    PROTOCOL_VERSION,
    CatalogAck,
    CatalogIn,
    CommandResult,
    CommandResultAck,
    ContentPage,
    ContentQuery,
    EnrollmentStatus,
    Heartbeat,
    HeartbeatAck,
    HoldRequest,
    HoldResponse,
    MaintenanceEventAck,
    MaintenanceEventIn,
    Message,
    MyApplicationsRequest,
    MyApplicationsResponse,
    RatingAck,
    RatingIn,
    RegisterRequest,
    RegisterResponse,
    RotateResponse,
    SelfTestAck,
    SelfTestReport,
    StaffCallAck,
    StaffCallIn,
    TargetReport,
    TargetReportAck,
    TargetState,
    TransactionAck,
    TransactionIn,
    UpdateReport,
    UpdateReportAck,
)

router = APIRouter()

RegisterBody = Annotated[RegisterRequest, Depends(wire_body(RegisterRequest))]
HeartbeatBody = Annotated[Heartbeat, Depends(wire_body(Heartbeat))]
TransactionBody = Annotated[TransactionIn, Depends(wire_body(TransactionIn))]
ContentBody = Annotated[ContentQuery, Depends(wire_body(ContentQuery))]
HoldBody = Annotated[HoldRequest, Depends(wire_body(HoldRequest))]
RatingBody = Annotated[RatingIn, Depends(wire_body(RatingIn))]
MyApplicationsBody = Annotated[MyApplicationsRequest, Depends(wire_body(MyApplicationsRequest))]
CatalogBody = Annotated[CatalogIn, Depends(wire_body(CatalogIn))]
StaffCallBody = Annotated[StaffCallIn, Depends(wire_body(StaffCallIn))]
MaintenanceEventBody = Annotated[MaintenanceEventIn, Depends(wire_body(MaintenanceEventIn))]
SelfTestBody = Annotated[SelfTestReport, Depends(wire_body(SelfTestReport))]
CommandResultBody = Annotated[CommandResult, Depends(wire_body(CommandResult))]
UpdateReportBody = Annotated[UpdateReport, Depends(wire_body(UpdateReport))]
TargetReportBody = Annotated[TargetReport, Depends(wire_body(TargetReport))]

_STATUS: dict[type[ControllerError], int] = {
    BadMessage: 422,
    TooLarge: 413,
    NotAuthenticated: 401,
    EnrollmentRefused: 403,
    PendingApproval: 403,
    Refused: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    TooEarly: 425,
}


def _wire(model: Message, status_code: int = 200) -> Response:
    # The wire models serialise themselves; FastAPI's response_model would validate twice.
    return Response(model.model_dump_json(), status_code, media_type="application/json")


@router.post(f"{API_PREFIX}/kiosks/register", response_model=RegisterResponse)
def register(
    request: Request,
    body: RegisterBody,
    proof: BearerDep,
    session: SessionDep,
    enrollment: EnrollmentDep,
) -> Response:
    """Enroll a kiosk (201), or enroll known hardware again (200); see wire/v1.py."""
    client = request.client.host if request.client else ""
    response, created = enrollment.register(session, body, proof, client)
    return _wire(response, 201 if created else 200)


@router.get(f"{API_PREFIX}/kiosks/me", response_model=EnrollmentStatus)
def kiosk_state(kiosk: EnrolledKioskDep, enrollment: EnrollmentDep) -> Response:
    """The kiosk's id and state: what a pending kiosk asks until it is approved."""
    return _wire(enrollment.status(kiosk))


@router.post(f"{API_PREFIX}/kiosks/rotate", response_model=RotateResponse)
def rotate(kiosk: KioskDep, session: SessionDep, enrollment: EnrollmentDep) -> Response:
    """A new device token; the current one works until the new one is first used."""
    return _wire(enrollment.rotate(session, kiosk))


@router.post(f"{API_PREFIX}/heartbeat", response_model=HeartbeatAck)
async def heartbeat(kiosk: KnownKioskDep, body: HeartbeatBody, request: Request) -> Response:
    """Record a heartbeat; answer with the server's time (and ask for a rotation when due).

    One that changes nothing is answered from memory and written with the next batch; any
    other is written before the answer (controller/services/heartbeats.py).
    """
    ingest = get_runtime(request).heartbeats
    ack = ingest.accept(kiosk, body)
    if ack is None:
        ack = await run_in_threadpool(ingest.record, kiosk, body)
    if ack.server_time >= kiosk.rotate_due_at:
        ack = ack.model_copy(update={"rotate_credential": True})
    if CAPABILITY_UPDATES in body.capabilities:  # older kiosks refuse the field
        updates = get_runtime(request).updates
        if updates.stale():
            await run_in_threadpool(updates.refresh, get_runtime(request).db.session)
        ack = ack.model_copy(update={"release": updates.offer(kiosk.pk)})
    if CAPABILITY_TARGET in body.capabilities:  # older kiosks refuse the field
        targets = get_runtime(request).targets
        if targets.stale():
            await run_in_threadpool(targets.refresh, get_runtime(request).db.session)
        ack = ack.model_copy(update={"target_version": targets.wanted(kiosk.pk)})
    if CAPABILITY_COMMANDS in body.capabilities:
        ack = await _with_commands(ack, kiosk.pk, get_runtime(request).commands)
    return _wire(ack)


async def _with_commands(ack: HeartbeatAck, kiosk_pk: int, commands: Commands) -> HeartbeatAck:
    """Add the kiosk's waiting commands and the nudge to a heartbeat answer.

    Only a kiosk that said it takes commands gets them: an older kiosk refuses an answer
    with fields it does not know. The database is read only when commands wait.
    """
    due = commands.due(kiosk_pk)
    if due is None:
        await run_in_threadpool(commands.refresh)
        due = commands.due(kiosk_pk)
    waiting = await run_in_threadpool(commands.deliver, kiosk_pk) if due else []
    nudge = NUDGE_SECONDS if waiting else commands.nudge(kiosk_pk)
    if not waiting and nudge is None:
        return ack
    return ack.model_copy(update={"commands": waiting, "next_heartbeat_seconds": nudge})


@router.post(f"{API_PREFIX}/commands/{{command_id}}/result", response_model=CommandResultAck)
def command_result(
    command_id: str,
    kiosk: KioskDep,
    body: CommandResultBody,
    session: SessionDep,
    commands: CommandsDep,
) -> Response:
    """What came of a command; the same result again is answered the same (idempotent)."""
    return _wire(commands.record_result(session, kiosk, command_id, body))


@router.get(f"{API_PREFIX}/releases/{{version}}/bundle")
def release_bundle(
    version: str, kiosk: KioskDep, session: SessionDep, updates: UpdatesDep
) -> Response:
    """The bytes of a release's bundle; the kiosk checks its signature before anything else."""
    return Response(updates.bundle(session, version), media_type="application/octet-stream")


@router.post(f"{API_PREFIX}/updates/report", response_model=UpdateReportAck)
def update_report(
    kiosk: KioskDep, body: UpdateReportBody, session: SessionDep, updates: UpdatesDep
) -> Response:
    """What became of a release on the kiosk; may halt or advance the rollout."""
    return _wire(updates.report(session, kiosk, body))


@router.get(f"{API_PREFIX}/target", response_model=TargetState)
def target(kiosk: KioskDep, session: SessionDep, targets: TargetsDep) -> Response:
    """The catalog settings this kiosk should run (its own, else its county's); 404: none."""
    state = targets.for_kiosk(session, kiosk)
    if state is None:
        raise NotFound("no target is set for this kiosk")
    return _wire(state)


@router.post(f"{API_PREFIX}/target/report", response_model=TargetReportAck)
def target_report(
    kiosk: KioskDep, body: TargetReportBody, session: SessionDep, targets: TargetsDep
) -> Response:
    """A target applied, or rejected by the kiosk's catalog validator with the reason."""
    return _wire(targets.report(session, kiosk, body))


@router.post(f"{API_PREFIX}/transactions", response_model=TransactionAck)
def transactions(
    kiosk: KioskDep, body: TransactionBody, session: SessionDep, intake: IntakeDep
) -> Response:
    """Store a transaction (201), or acknowledge a retry of a stored one (200, duplicate)."""
    ack = intake.ingest(session, kiosk, body)
    return _wire(ack, 200 if ack.duplicate else 201)


@router.get(f"{API_PREFIX}/content/{{source}}", response_model=ContentPage)
def content_by_query_string(
    source: str, request: Request, kiosk: KioskDep, session: SessionDep, content: ContentDep
) -> Response:
    """The items of a source; the filters come as query parameters (?area=huzhen&...)."""
    params = request.query_params
    if len(params.multi_items()) != len(params) or "source" in params:
        raise BadMessage("ContentQuery: each filter once; the source is given by the path")
    query = wire_data(ContentQuery, {**params, "source": source})
    return _wire(content.page(session, query, kiosk.region_code))


@router.post(f"{API_PREFIX}/content/{{source}}", response_model=ContentPage)
def content_by_body(
    source: str, kiosk: KioskDep, body: ContentBody, session: SessionDep, content: ContentDep
) -> Response:
    """The items of a source; the filters come as a ContentQuery body."""
    if body.source.value != source:
        raise BadMessage(f"ContentQuery: source: the path says {source!r}, the body {body.source}")
    return _wire(content.page(session, body, kiosk.region_code))


@router.post(f"{API_PREFIX}/bookings/hold", response_model=HoldResponse)
def hold_booking(
    kiosk: KioskDep, body: HoldBody, session: SessionDep, bookings: BookingsDep
) -> Response:
    """Hold a place (201), or answer a retry with the same hold (200); 409 when full."""
    response, created = bookings.hold(session, kiosk, body)
    return _wire(response, 201 if created else 200)


@router.post(f"{API_PREFIX}/ratings", response_model=RatingAck)
def ratings(kiosk: KioskDep, body: RatingBody, session: SessionDep, rater: RatingsDep) -> Response:
    """Store a rating (201), or acknowledge a retry (200, duplicate)."""
    ack, created = rater.record(session, kiosk, body)
    return _wire(ack, 201 if created else 200)


@router.post(f"{API_PREFIX}/staff-calls", response_model=StaffCallAck)
def staff_calls(
    kiosk: KioskDep, body: StaffCallBody, session: SessionDep, calls: StaffCallsDep
) -> Response:
    """A citizen asked for staff (201, and an alert if they may still be waiting), or a
    retry of a call already recorded (200, duplicate)."""
    ack, created = calls.record(session, kiosk, body)
    return _wire(ack, 201 if created else 200)


@router.post(f"{API_PREFIX}/maintenance-events", response_model=MaintenanceEventAck)
def maintenance_events(
    kiosk: KioskDep,
    body: MaintenanceEventBody,
    session: SessionDep,
    events: MaintenanceEventsDep,
) -> Response:
    """What happened at the kiosk's maintenance screen (201; a lockout raises an alert), or
    a retry of an event already recorded (200, duplicate)."""
    ack, created = events.record(session, kiosk, body)
    return _wire(ack, 201 if created else 200)


@router.post(f"{API_PREFIX}/my-applications", response_model=MyApplicationsResponse)
def my_applications(
    kiosk: KioskDep, body: MyApplicationsBody, session: SessionDep, intake: IntakeDep
) -> Response:
    """The identified citizen's own transactions, newest first."""
    return _wire(intake.my_applications(session, kiosk, body))


@router.post(f"{API_PREFIX}/catalog", response_model=CatalogAck)
def catalog(kiosk: KioskDep, body: CatalogBody, session: SessionDep, titles: TitlesDep) -> Response:
    """Learn what the kiosk's catalog calls its services."""
    return _wire(titles.learn(session, kiosk, body))


@router.post(f"{API_PREFIX}/kiosks/selftest", response_model=SelfTestAck)
def selftest(kiosk: KioskDep, body: SelfTestBody, session: SessionDep) -> Response:
    """Keep a technician's self-test report for the kiosk page (the latest one wins)."""
    return _wire(record_selftest(session, kiosk, body))


@router.api_route("/api/{version}/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def unknown_api_path(version: str, path: str) -> Response:
    """Any other API path: 404 naming the protocol version this controller speaks."""
    # A kiosk of another protocol version, or a typo, is told so rather than given a bare 404.
    if version != f"v{PROTOCOL_VERSION}":
        raise NotFound(
            f"this controller speaks protocol version {PROTOCOL_VERSION} under {API_PREFIX};"
            f" {version!r} is not one of its versions"
        )
    raise NotFound(f"{API_PREFIX}/{path} is not an endpoint of protocol {PROTOCOL_VERSION}")


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
    """Turn a ControllerError into `{"error": "..."}` with the status that names the culprit.

    `user_message` (zh-CN, for the citizen) is added when the error has one.
    """
    if not isinstance(exc, ControllerError):
        raise exc
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, RateLimited | TooEarly):
        headers = {"Retry-After": str(exc.retry_after)}
    body = {"error": str(exc)}
    if exc.code is not None:
        body["code"] = exc.code.value
    if exc.user_message:
        body["user_message"] = exc.user_message
    return JSONResponse(body, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Add the API routes and the error mapping to `app`."""
    app.include_router(router)
    app.add_exception_handler(ControllerError, error_response)
