"""The background job: every heartbeat interval, notice offline kiosks, remind, deliver.

A kiosk that stops beating sends nothing, so only a periodic pass can see it go offline.
`Sweeper.run_once(now)` is one pass:

0. this replica's buffered heartbeats are written (`flush`, controller/services/heartbeats.py);
1. in one transaction: every kiosk never assessed, or not yet grey whose last heartbeat is
   older than 3 intervals, is assessed again (`Alerts.observe`: it turns grey, its offline
   alert is raised), then due reminders are queued; commit;
2. due notifications are delivered (`Notifier.deliver_due`), each claimed and committed
   before it is sent (network calls never hold the transaction of step 1).

Safe with several controller replicas running it at once: a health change is written with
`WHERE version = <read>` (only one writer records it and raises its alerts), an alert is
opened through a unique key, a reminder is counted with `WHERE reminders_sent = <read>`,
and a notification is sent only by the replica whose `UPDATE ... WHERE state='pending'`
claimed it. Step 1 also runs under `Database.run_exclusive` (a PostgreSQL advisory lock),
which only saves work; nothing relies on it.

`start()` runs passes in a daemon thread until `stop()`; an exception in a pass is logged
and the next pass runs as usual.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.db import Database
from controller.logs import event
from controller.models import Kiosk, KioskHealthNow
from controller.services.alerts import Alerts
from controller.services.fleet import OFFLINE_AFTER_MISSED_HEARTBEATS, Fleet
from controller.services.health_reasons import Health
from controller.services.notify import DeliveryReport, Notifier

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one pass did."""

    changed: list[str] = field(default_factory=list)  # kiosk ids whose health changed
    reminders: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    # Approved applications sent to the province system (services/handoff.py).
    handoff: DeliveryReport = field(default_factory=DeliveryReport)


class Sweeper:
    """Runs the periodic pass, in a thread or one pass at a time."""

    def __init__(
        self,
        db: Database,
        fleet: Fleet,
        alerts: Alerts,
        notifier: Notifier,
        clock: Clock = utc_now,
        interval_seconds: float | None = None,
        flush: Callable[[], object] | None = None,
        handoff: Notifier | None = None,
    ) -> None:
        self._db = db
        self._fleet = fleet
        self._alerts = alerts
        self._notifier = notifier
        self._handoff = handoff
        self._clock = clock
        self.interval_seconds = float(interval_seconds or fleet.heartbeat_seconds)
        # Writes this replica's buffered heartbeats (services/heartbeats.py) before a pass,
        # so a kiosk whose last heartbeat is still in memory is not taken for offline.
        self._flush = flush
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def offline_after(self) -> dt.timedelta:
        """How long after its last heartbeat a kiosk counts as offline."""
        return dt.timedelta(seconds=self._fleet.heartbeat_seconds * OFFLINE_AFTER_MISSED_HEARTBEATS)

    def run_once(self, now: dt.datetime | None = None) -> SweepReport:
        """One pass (see the module docstring); safe to run on several replicas at once."""
        if self._flush is not None:
            self._flush()
        now = now or self._clock()
        report = SweepReport()
        moment = now

        def sweep(session: Session) -> tuple[list[str], int]:
            return self._sweep(session, moment), self._alerts.remind(session, moment)

        # On PostgreSQL one replica sweeps at a time (an advisory lock); the others skip
        # step 1 and go on to deliver. Nothing relies on the lock (see above): it saves work.
        swept = self._db.run_exclusive("sweep", sweep)
        if swept is not None:
            report.changed, report.reminders = swept
        with self._db.session() as session:
            report.delivery = self._notifier.deliver_due(session, now)
            if self._handoff is not None:
                report.handoff = self._handoff.deliver_due(session, now)
        return report

    def _sweep(self, session: Session, now: dt.datetime) -> list[str]:
        cutoff = now - self.offline_after
        stale = (
            select(Kiosk)
            .outerjoin(KioskHealthNow, KioskHealthNow.kiosk_pk == Kiosk.id)
            .where(
                # Pending kiosks have not joined and decommissioned ones have left the fleet:
                # no health, no offline alerts (controller/services/enrollment.py).
                Kiosk.state.not_in(("pending", "decommissioned")),
                or_(
                    KioskHealthNow.kiosk_pk.is_(None),
                    (KioskHealthNow.health != Health.GREY.value)
                    & or_(Kiosk.last_seen_at.is_(None), Kiosk.last_seen_at < cutoff),
                ),
            )
            .order_by(Kiosk.id)
            # A kiosk whose row a heartbeat is writing now is left to the next pass, and one
            # a heartbeat wrote since this pass's snapshot is read as it is now (PostgreSQL
            # locks the newest version): judged on the snapshot alone, a kiosk whose first
            # heartbeat came in between was turned grey as never seen, after its heartbeat
            # had made it green, and being grey was never looked at again (no offline alert).
            .with_for_update(of=Kiosk, skip_locked=True)
        )
        changed = []
        for kiosk in session.scalars(stale).all():
            online = self._fleet.is_online(kiosk, now)
            if online or kiosk.last_seen_at is None:
                at = now if online else kiosk.registered_at
            else:
                # It went offline when its third heartbeat failed to come, not when we looked.
                at = min(now, kiosk.last_seen_at + self.offline_after)
            if self._alerts.observe(session, kiosk, now, online=online, at=at) is not None:
                changed.append(kiosk.kiosk_id)
        return changed

    # -- the thread ----------------------------------------------------------------------

    def start(self) -> None:
        """Run a pass every interval in a daemon thread, the first one interval from now."""
        if self._thread is not None:
            raise RuntimeError("the sweeper is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="sweeper", daemon=True)
        self._thread.start()
        event(log, "sweeper_started", interval_seconds=self.interval_seconds)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for the pass under way to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
            event(log, "sweeper_stopped")

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            try:
                report = self.run_once()
            except Exception as err:  # noqa: BLE001 - the top of a worker thread: log, go on
                event(log, "sweep_failed", logging.ERROR, error=type(err).__name__)
                continue
            if report.changed or report.reminders or report.delivery.sent:
                event(
                    log,
                    "sweep",
                    changed=len(report.changed),
                    reminders=report.reminders,
                    sent=len(report.delivery.sent),
                    retrying=len(report.delivery.retrying),
                )
