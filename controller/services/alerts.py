"""Alerts kept in step with kiosks: assessed on a heartbeat and in the sweep; reminders.

Conditions are evaluated when they change (on a heartbeat and in the sweep, through
`HealthBook.record`), so a user who clears an alert whose condition still holds is not
alerted again until the condition goes away and comes back.

Reminders of alerts still open (not acknowledged) are queued every `reminder_minutes`, at
most `reminder_max` times (info alerts are never repeated).

The rest of alerts lives beside this module: the kinds and their words in
`alert_rules.py`, which conditions hold for a kiosk in `alert_conditions.py`, raising,
acknowledging and clearing one alert in `alert_lifecycle.py`, its notifications in
`alert_notices.py` (delivered by `notify.py`), and what pages read in `alert_views.py`.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from controller.logs import event
from controller.models import Alert, Kiosk
from controller.services.alert_conditions import condition_detail, conditions, split_condition
from controller.services.alert_lifecycle import clear_automatically, raise_alert
from controller.services.alert_notices import queue_notification
from controller.services.alert_rules import RULES, AlertState, Severity
from controller.services.health import Assessment, KioskFacts, Thresholds, assess
from controller.services.health_history import HealthBook, Transition
from controller.settings import AlertSettings

log = logging.getLogger(__name__)


class Alerts:
    """Assesses kiosks, records their health and keeps their alerts in step; reminds."""

    def __init__(self, settings: AlertSettings, book: HealthBook | None = None) -> None:
        self.settings = settings
        self.thresholds = Thresholds(
            settings.outbox_backlog, settings.clock_skew_seconds, settings.crash_loop_starts
        )
        self.book = book or HealthBook()

    def assess(self, facts: KioskFacts) -> Assessment:
        """The kiosk's health under this controller's thresholds."""
        return assess(facts, self.thresholds)

    def observe(
        self,
        session: Session,
        kiosk: Kiosk,
        now: dt.datetime,
        *,
        online: bool,
        clock_skew: float | None = None,
        at: dt.datetime | None = None,
    ) -> Transition | None:
        """Assess the kiosk; on a change, record it and raise or clear alerts. No commit.

        `at` is when the change happened if not now (the moment a kiosk went offline).
        """
        facts = KioskFacts.of(kiosk, online=online, clock_skew=clock_skew)
        assessment = self.assess(facts)
        current = self.book.current(session, kiosk)
        previous = current.conditions if current is not None else []
        now_conditions = conditions(facts, self.thresholds, previous or [])
        transition = self.book.record(
            session, kiosk, facts, assessment, now_conditions, at or now, current
        )
        if transition is None:
            return None
        event(
            log,
            "kiosk_health",
            kiosk_id=kiosk.kiosk_id,
            before=transition.before or "none",
            after=assessment.health.value,
            reasons=",".join(assessment.keys),
        )
        for key in sorted(transition.conditions_after - transition.conditions_before):
            kind, device = split_condition(key)
            raise_alert(session, kiosk, kind, condition_detail(key, facts), now=now, device=device)
        for key in sorted(transition.conditions_before - transition.conditions_after):
            kind, device = split_condition(key)
            if RULES[kind].auto_clear:
                clear_automatically(session, kiosk, kind, device, now)
        return transition

    def remind(self, session: Session, now: dt.datetime) -> int:
        """Queue a reminder of every open alert that is due one; how many. No commit."""
        if self.settings.reminder_max == 0:
            return 0
        due_before = now - dt.timedelta(minutes=self.settings.reminder_minutes)
        candidates = session.scalars(
            select(Alert).where(
                Alert.state == AlertState.OPEN.value,
                Alert.severity != Severity.INFO.value,
                Alert.reminders_sent < self.settings.reminder_max,
                Alert.last_notified_at <= due_before,
            )
        ).all()
        sent = 0
        for alert in candidates:
            # Of two replicas reminding at once, only the one whose UPDATE changes the row
            # queues the reminder.
            result = session.execute(
                update(Alert)
                .where(
                    Alert.id == alert.id,
                    Alert.state == AlertState.OPEN.value,
                    Alert.reminders_sent == alert.reminders_sent,
                )
                .values(reminders_sent=alert.reminders_sent + 1, last_notified_at=now)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) != 1:
                continue
            session.refresh(alert)
            kiosk = session.get(Kiosk, alert.kiosk_pk)
            if kiosk is not None:
                queue_notification(session, kiosk, alert, "reminder", now)
                sent += 1
        return sent
