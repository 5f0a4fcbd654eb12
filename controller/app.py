"""The composition root: settings in, a ready FastAPI app out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from controller import (
    alert_pages,
    api,
    command_pages,
    content_pages,
    enrollment_pages,
    figures_pages,
    fleet_pages,
    inbox_pages,
    kiosk_pages,
    openapi,
    ops,
    push_pages,
    rendering,
    site_pages,
    stats_pages,
    target_pages,
    transaction_pages,
    update_pages,
)
from controller.auth import pages
from controller.auth.accounts import Accounts
from controller.auth.config import AuthSettings
from controller.auth.guard import authorize
from controller.auth.headers import SecurityHeaders
from controller.auth.sessions import StaffSessions
from controller.clock import Clock, utc_now
from controller.db import Database
from controller.deps import Runtime
from controller.logs import event
from controller.seed import DEMO_CONTENT, seed_if_empty
from controller.services import (
    Alerts,
    Bookings,
    ContentStore,
    Fleet,
    Intake,
    Notifier,
    Ratings,
    ServiceTitles,
    Sweeper,
    channels_from,
    regions,
)
from controller.services.audit import AuditLog
from controller.services.commands import Commands
from controller.services.enrollment import Enrollment
from controller.services.handoff import Handoff
from controller.services.heartbeats import HeartbeatIngest
from controller.services.inbox import Inbox
from controller.services.maintenance_events import MaintenanceEvents
from controller.services.push import Push
from controller.services.staff_calls import StaffCalls
from controller.services.targets import Targets
from controller.services.updates import Updates, load_key
from controller.settings import Settings
from pii import Sealer
from wire import API_PREFIX

log = logging.getLogger(__name__)


def create_app(
    settings: Settings, *, clock: Clock = utc_now, auth: AuthSettings | None = None
) -> FastAPI:
    """Build the controller: open the database, migrate it, wire services and routes.

    With `settings.seed_demo`, an empty content store is filled with the fictitious demo
    content (controller/seed/demo_content.json). `auth`: sign-in policy (defaults if None).
    """
    auth = auth or AuthSettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    db.migrate()
    if settings.seed_demo:
        with db.session() as session:
            seed_if_empty(session, DEMO_CONTENT, clock())
            regions.seed_if_empty(session, regions.DEMO_REGIONS)
    sealer = Sealer.from_key_file(settings.sealing_key_path)
    bookings = Bookings(clock)
    titles = ServiceTitles(clock)
    audit = AuditLog(clock)
    alerts = Alerts(settings.alerting)
    fleet = Fleet(settings.heartbeat_seconds, clock, alerts)
    notifier = Notifier(
        channels_from(settings.notify), settings.alerting.notifications_per_kiosk_hour
    )
    enrollment = Enrollment(sealer, settings.enrollment, settings.heartbeat_seconds, audit, clock)
    heartbeats = HeartbeatIngest(db, fleet, alerts, enrollment.credentials, clock)
    # A decision about a kiosk drops its cached token at once on this replica (others see
    # it at their next revalidation).
    enrollment.changed = heartbeats.forget
    intake = Intake(sealer, clock, bookings, titles, audit=audit.record_lookup)
    handoff = Handoff(db, intake, settings.handoff, clock)
    inbox = Inbox(intake, titles, bookings, audit, clock, on_approved=handoff.enqueue)
    push = Push(intake, inbox, audit, clock)
    intake.pushed = push.new_jobs
    runtime = Runtime(
        settings=settings,
        db=db,
        fleet=fleet,
        intake=intake,
        clock=clock,
        content=ContentStore(bookings, clock),
        bookings=bookings,
        ratings=Ratings(sealer, clock),
        titles=titles,
        auth=auth,
        accounts=Accounts(auth, clock, audit),
        staff_sessions=StaffSessions(auth, clock),
        audit=audit,
        alerts=alerts,
        health=alerts.book,
        notifier=notifier,
        sweeper=Sweeper(
            db, fleet, alerts, notifier, clock, flush=heartbeats.flush, handoff=handoff.notifier()
        ),
        heartbeats=heartbeats,
        enrollment=enrollment,
        staff_calls=StaffCalls(clock),
        maintenance_events=MaintenanceEvents(clock),
        inbox=inbox,
        handoff=handoff,
        commands=Commands(db, clock),
        updates=Updates(audit, clock, load_key(settings.data_dir)),
        push=push,
        targets=Targets(clock),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.heartbeats.start()
        if settings.sweeper_enabled:
            runtime.sweeper.start()
        yield
        runtime.sweeper.stop()
        runtime.heartbeats.stop()  # writes the heartbeats still buffered
        db.dispose()
        event(log, "controller_stopped")

    app = FastAPI(
        title="e-station controller",
        lifespan=lifespan,
        # The kiosk API's contract, from the wire models (controller/openapi.py); no
        # interactive docs: they would load scripts from outside.
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{API_PREFIX}/openapi.json",
        # Every route, whoever adds it, passes the route table (controller/auth/access.py).
        dependencies=[Depends(authorize)],
    )
    app.state.runtime = runtime
    app.add_middleware(SecurityHeaders)
    api.install(app)
    rendering.install(app)
    fleet_pages.install(app)
    kiosk_pages.install(app)
    site_pages.install(app)
    transaction_pages.install(app)
    alert_pages.install(app)
    stats_pages.install(app)
    figures_pages.install(app)
    ops.install(app)
    openapi.install(app)
    pages.install(app)
    enrollment_pages.install(app)
    content_pages.install(app)
    inbox_pages.install(app)
    command_pages.install(app)
    update_pages.install(app)
    push_pages.install(app)
    target_pages.install(app)
    return app
