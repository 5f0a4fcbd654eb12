"""FastAPI dependencies and their `Annotated` aliases, so route signatures stay plain."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from controller.auth.accounts import Accounts
from controller.auth.config import AuthSettings
from controller.auth.sessions import StaffSessions
from controller.clock import Clock
from controller.db import Database
from controller.models import Kiosk
from controller.services import (
    Alerts,
    BadMessage,
    Bookings,
    ContentStore,
    Fleet,
    HealthBook,
    Intake,
    Notifier,
    Ratings,
    ServiceTitles,
    Sweeper,
    TooLarge,
)
from controller.services.audit import AuditLog
from controller.services.commands import Commands
from controller.services.enrollment import Enrollment
from controller.services.handoff import Handoff
from controller.services.heartbeats import HeartbeatIngest, KnownKiosk
from controller.services.inbox import Inbox
from controller.services.maintenance_events import MaintenanceEvents
from controller.services.push import Push
from controller.services.staff_calls import StaffCalls
from controller.services.targets import Targets
from controller.services.updates import Updates
from controller.settings import Settings
from pii import redact_id_numbers
from wire import Message, WireError, parse, validate

# Far above the largest valid message (64 fields of 2,000 characters), far below harm.
MAX_BODY_BYTES = 512 * 1024

M = TypeVar("M", bound=Message)


@dataclass(frozen=True)
class Runtime:
    """What one app instance is made of; kept on `app.state.runtime`."""

    settings: Settings
    db: Database
    fleet: Fleet
    intake: Intake
    clock: Clock
    content: ContentStore
    bookings: Bookings
    ratings: Ratings
    titles: ServiceTitles
    auth: AuthSettings
    accounts: Accounts
    staff_sessions: StaffSessions
    audit: AuditLog
    # Kiosk health and alerts (controller/services/health.py, alerts.py), the notification
    # channels and the background sweep that drives them (notify.py, sweeper.py).
    alerts: Alerts
    health: HealthBook
    notifier: Notifier
    sweeper: Sweeper
    # Pairing codes, pending kiosks, device credentials (controller/services/enrollment.py).
    enrollment: Enrollment
    # Cached device-token checks and batched heartbeat writes (services/heartbeats.py).
    heartbeats: HeartbeatIngest
    # A citizen at a kiosk asked for a person (services/staff_calls.py).
    staff_calls: StaffCalls
    # What technicians did at a kiosk's maintenance screen (services/maintenance_events.py).
    maintenance_events: MaintenanceEvents
    # The county inbox and the hand-off of approved applications (services/inbox.py,
    # services/handoff.py).
    inbox: Inbox
    handoff: Handoff
    # Commands for kiosks, sent with heartbeat answers (services/commands.py).
    commands: Commands
    # Signed releases and their rollout (services/updates.py).
    updates: Updates
    # Targeted push: who a job or policy fits, new jobs in 我的办件 (services/push.py).
    push: Push
    # What each county's kiosks, or one kiosk, should run (services/targets.py).
    targets: Targets


def get_runtime(request: Request) -> Runtime:
    """The runtime of the app serving this request."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """One session per request, closed when the response is done."""
    with runtime.db.session() as session:
        yield session


def get_commands(runtime: RuntimeDep) -> Commands:
    """The kiosk commands service."""
    return runtime.commands


def get_fleet(runtime: RuntimeDep) -> Fleet:
    """The fleet service."""
    return runtime.fleet


def get_intake(runtime: RuntimeDep) -> Intake:
    """The transaction intake service."""
    return runtime.intake


def get_content(runtime: RuntimeDep) -> ContentStore:
    """The content store."""
    return runtime.content


def get_bookings(runtime: RuntimeDep) -> Bookings:
    """The booking service."""
    return runtime.bookings


def get_ratings(runtime: RuntimeDep) -> Ratings:
    """The rating service."""
    return runtime.ratings


def get_staff_calls(runtime: RuntimeDep) -> StaffCalls:
    """Citizens' calls for staff."""
    return runtime.staff_calls


def get_maintenance_events(runtime: RuntimeDep) -> MaintenanceEvents:
    """Technicians' maintenance events."""
    return runtime.maintenance_events


def get_titles(runtime: RuntimeDep) -> ServiceTitles:
    """The service titles learned from kiosk catalogs."""
    return runtime.titles


def get_audit(runtime: RuntimeDep) -> AuditLog:
    """The audit log (controller/services/audit.py)."""
    return runtime.audit


def get_accounts(runtime: RuntimeDep) -> Accounts:
    """The staff accounts service."""
    return runtime.accounts


def get_staff_sessions(runtime: RuntimeDep) -> StaffSessions:
    """The dashboard sessions service."""
    return runtime.staff_sessions


def get_alerts(runtime: RuntimeDep) -> Alerts:
    """The alert service (its module also has the page functions: open_alerts, acknowledge)."""
    return runtime.alerts


def get_enrollment(runtime: RuntimeDep) -> Enrollment:
    """Enrollment and device credentials."""
    return runtime.enrollment


def get_health(runtime: RuntimeDep) -> HealthBook:
    """Kiosk health history: timelines, availability, device states."""
    return runtime.health


def get_inbox(runtime: RuntimeDep) -> Inbox:
    """The county inbox."""
    return runtime.inbox


def get_handoff(runtime: RuntimeDep) -> Handoff:
    """The hand-off of approved applications to the province system."""
    return runtime.handoff


SessionDep = Annotated[Session, Depends(get_session)]


def get_push(runtime: RuntimeDep) -> Push:
    """The targeted push."""
    return runtime.push


InboxDep = Annotated[Inbox, Depends(get_inbox)]
PushDep = Annotated[Push, Depends(get_push)]
HandoffDep = Annotated[Handoff, Depends(get_handoff)]
FleetDep = Annotated[Fleet, Depends(get_fleet)]
IntakeDep = Annotated[Intake, Depends(get_intake)]
ContentDep = Annotated[ContentStore, Depends(get_content)]
BookingsDep = Annotated[Bookings, Depends(get_bookings)]
RatingsDep = Annotated[Ratings, Depends(get_ratings)]
StaffCallsDep = Annotated[StaffCalls, Depends(get_staff_calls)]
MaintenanceEventsDep = Annotated[MaintenanceEvents, Depends(get_maintenance_events)]
TitlesDep = Annotated[ServiceTitles, Depends(get_titles)]
CommandsDep = Annotated[Commands, Depends(get_commands)]
AuditDep = Annotated[AuditLog, Depends(get_audit)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
StaffSessionsDep = Annotated[StaffSessions, Depends(get_staff_sessions)]
AlertsDep = Annotated[Alerts, Depends(get_alerts)]
HealthDep = Annotated[HealthBook, Depends(get_health)]
EnrollmentDep = Annotated[Enrollment, Depends(get_enrollment)]


def get_updates(runtime: RuntimeDep) -> Updates:
    """The releases and rollouts."""
    return runtime.updates


UpdatesDep = Annotated[Updates, Depends(get_updates)]


def get_targets(runtime: RuntimeDep) -> Targets:
    """The target states."""
    return runtime.targets


TargetsDep = Annotated[Targets, Depends(get_targets)]


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def get_kiosk(
    session: SessionDep,
    enrollment: EnrollmentDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Kiosk:
    """The active kiosk named by the request's device token; 401/403 saying why not."""
    return enrollment.credentials.authenticate(session, _bearer(authorization))


def get_enrolled_kiosk(
    session: SessionDep,
    enrollment: EnrollmentDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Kiosk:
    """Like get_kiosk, but a kiosk still pending approval is let through too."""
    return enrollment.credentials.authenticate(session, _bearer(authorization), allow_pending=True)


def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str | None:
    """The bearer token of the request, if any (proof of a kiosk enrolling again)."""
    return _bearer(authorization)


KioskDep = Annotated[Kiosk, Depends(get_kiosk)]
EnrolledKioskDep = Annotated[Kiosk, Depends(get_enrolled_kiosk)]
BearerDep = Annotated[str | None, Depends(bearer_token)]


# -- the heartbeat's device-token check (controller/services/heartbeats.py) -----------------
# Async and cached: a heartbeat whose token was checked in the last few seconds reaches the
# route without a thread hop or a query. Other routes keep get_kiosk.


async def get_known_kiosk(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> KnownKiosk:
    """The kiosk named by the request's device token, from the cache or the database; 401."""
    runtime: Runtime = request.app.state.runtime
    token = _bearer(authorization)
    known = runtime.heartbeats.cached(token)
    if known is None:
        known = await run_in_threadpool(runtime.heartbeats.load, token)
    return known


KnownKioskDep = Annotated[KnownKiosk, Depends(get_known_kiosk)]
# -- end of the heartbeat's device-token check -----------------------------------------------


# The attribute naming the model a wire_body dependency parses (controller/openapi.py).
WIRE_MODEL = "wire_model"


def wire_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency that parses the raw request body into `model` with wire.parse."""

    async def parse_body(request: Request) -> M:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise TooLarge(f"a message is at most {MAX_BODY_BYTES} bytes")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise TooLarge(f"a message is at most {MAX_BODY_BYTES} bytes")
        try:
            return parse(model, body)
        except WireError as err:
            raise bad_message(err) from err

    setattr(parse_body, WIRE_MODEL, model)
    return parse_body


def wire_data(model: type[M], data: Mapping[str, object]) -> M:
    """Validate decoded data (query and path parameters) into `model`; 422 if it does not fit."""
    try:
        return validate(model, data)
    except WireError as err:
        raise bad_message(err) from err


def bad_message(err: WireError) -> BadMessage:
    """A wire error as the 422 the kiosk gets."""
    # wire's messages name fields, not values; the redaction guards against a field *name*
    # that is itself an ID number (dict keys end up in the path).
    return BadMessage(redact_id_numbers(str(err)))
