"""A kiosk's health over time: each change stored once, and what pages ask of the history.

`HealthBook.record` stores every change (a change of colour, of reasons or of alert
conditions) in `kiosk_health_changes` and keeps the current one in `kiosk_health`; the alert
service calls it on each heartbeat and in the sweep. For pages:

- `HealthBook.timeline(session, kiosk, start, end)`: the periods of each health in a window;
- `HealthBook.availability(session, kiosk, start, end)`: percent of the window not grey;
- `HealthBook.device_states(session, kiosk, start, end)`: each device's state over time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from controller.models import STATUS_NEVER_SEEN, Kiosk, KioskHealthChange, KioskHealthNow
from controller.services.health import Assessment, KioskFacts
from controller.services.health_reasons import Health, Label, Reason, ReasonCode, describe
from controller.services.once import insert_once

# A device's state while its kiosk is grey: nobody knows.
UNKNOWN_STATE = "unknown"


def _status_of(facts: KioskFacts) -> str:
    if not facts.seen:
        return STATUS_NEVER_SEEN
    return facts.status if facts.online else "offline"


@dataclass(frozen=True)
class HealthPeriod:
    """A stretch of time a kiosk spent in one health, clipped to the window asked for."""

    start: dt.datetime
    end: dt.datetime
    health: Health
    status: str
    reasons: tuple[Reason, ...]
    devices: Mapping[str, str]

    @property
    def text(self) -> Label:
        """Why, in zh-CN and en."""
        return describe(self.reasons)


@dataclass(frozen=True)
class DeviceSpan:
    """A stretch of time one device spent in one state ("unknown" while its kiosk was grey)."""

    start: dt.datetime
    end: dt.datetime
    state: str


@dataclass(frozen=True)
class Transition:
    """A change of health this call recorded (None from `HealthBook.record` when there was none)."""

    kiosk: Kiosk
    before: Health | None
    after: Assessment
    at: dt.datetime
    # Alert conditions in force before and after (controller/services/alert_conditions.py).
    conditions_before: frozenset[str]
    conditions_after: frozenset[str]


class HealthBook:
    """Records each change of a kiosk's health and answers questions about its history."""

    def current(self, session: Session, kiosk: Kiosk) -> KioskHealthNow | None:
        """The kiosk's health as last recorded, if it ever was (read from the database)."""
        return session.get(KioskHealthNow, kiosk.id, populate_existing=True)

    def record(
        self,
        session: Session,
        kiosk: Kiosk,
        facts: KioskFacts,
        assessment: Assessment,
        conditions: frozenset[str],
        at: dt.datetime,
        current: KioskHealthNow | None = None,
    ) -> Transition | None:
        """Store the assessment if it differs from the last one; None if unchanged or lost.

        `current` is the kiosk's health row as the caller read it (read here if not given).
        Uses `kiosk_health.version` so that of two writers seeing the same change only one
        records it (the other gets None and leaves the alerts to the winner). Does not commit.
        """
        now_row = current or session.get(KioskHealthNow, kiosk.id, populate_existing=True)
        if now_row is None:
            # First assessment ever; another writer may be inserting it at the same moment.
            inserted = insert_once(
                session,
                KioskHealthNow,
                {
                    "kiosk_pk": kiosk.id,
                    "health": assessment.health.value,
                    "reasons": assessment.keys,
                    "conditions": sorted(conditions),
                    "since": at,
                    "version": 1,
                },
            )
            if not inserted:
                return None
            before_health: Health | None = None
            before_conditions: frozenset[str] = frozenset()
        else:
            before_conditions = frozenset(now_row.conditions or [])
            if (
                now_row.health == assessment.health
                and list(now_row.reasons or []) == assessment.keys
                and before_conditions == conditions
            ):
                return None
            before_health = Health(now_row.health)
            at = max(at, now_row.since)
            changed = session.execute(
                update(KioskHealthNow)
                .where(
                    KioskHealthNow.kiosk_pk == kiosk.id,
                    KioskHealthNow.version == now_row.version,
                )
                .values(
                    health=assessment.health.value,
                    reasons=assessment.keys,
                    conditions=sorted(conditions),
                    since=at,
                    version=now_row.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            if before_health is assessment.health and list(now_row.reasons or []) == (
                assessment.keys
            ):
                # Only alert conditions moved (a kiosk already grey): no new health to store.
                return Transition(
                    kiosk, before_health, assessment, at, before_conditions, conditions
                )
        session.add(
            KioskHealthChange(
                kiosk_pk=kiosk.id,
                at=at,
                health=assessment.health.value,
                status=_status_of(facts),
                reasons=assessment.keys,
                devices={kind: fact.state.value for kind, fact in sorted(facts.devices.items())},
            )
        )
        return Transition(kiosk, before_health, assessment, at, before_conditions, conditions)

    def changes(
        self, session: Session, kiosk: Kiosk, start: dt.datetime, end: dt.datetime
    ) -> list[KioskHealthChange]:
        """The changes recorded in [start, end), oldest first."""
        query = (
            select(KioskHealthChange)
            .where(
                KioskHealthChange.kiosk_pk == kiosk.id,
                KioskHealthChange.at >= start,
                KioskHealthChange.at < end,
            )
            .order_by(KioskHealthChange.at, KioskHealthChange.id)
        )
        return list(session.scalars(query))

    def timeline(
        self, session: Session, kiosk: Kiosk, start: dt.datetime, end: dt.datetime
    ) -> list[HealthPeriod]:
        """The kiosk's health over [start, end) as back-to-back periods covering the window.

        Before its first recorded change a kiosk counts as grey, never seen.
        """
        if end <= start:
            raise ValueError("the window must end after it starts")
        before = session.scalar(
            select(KioskHealthChange)
            .where(KioskHealthChange.kiosk_pk == kiosk.id, KioskHealthChange.at < start)
            .order_by(KioskHealthChange.at.desc(), KioskHealthChange.id.desc())
            .limit(1)
        )
        periods: list[HealthPeriod] = []
        cursor = start
        current = (
            _period_facts(before)
            if before is not None
            else (Health.GREY, STATUS_NEVER_SEEN, (Reason(ReasonCode.NEVER_SEEN),), {})
        )
        for change in self.changes(session, kiosk, start, end):
            if change.at > cursor:
                periods.append(HealthPeriod(cursor, change.at, *current))
            cursor = max(cursor, change.at)
            current = _period_facts(change)
        periods.append(HealthPeriod(cursor, end, *current))
        return periods

    def availability(
        self, session: Session, kiosk: Kiosk, start: dt.datetime, end: dt.datetime
    ) -> float:
        """Percent of [start, end) the kiosk was not grey (0.0 to 100.0)."""
        periods = self.timeline(session, kiosk, start, end)
        up = sum(
            ((p.end - p.start) for p in periods if p.health is not Health.GREY),
            dt.timedelta(),
        )
        return 100.0 * (up / (end - start))

    def device_states(
        self, session: Session, kiosk: Kiosk, start: dt.datetime, end: dt.datetime
    ) -> dict[str, list[DeviceSpan]]:
        """Each device's state over [start, end), by device kind, neighbours merged."""
        spans: dict[str, list[DeviceSpan]] = {}
        periods = self.timeline(session, kiosk, start, end)
        kinds = sorted({kind for p in periods for kind in p.devices})
        for kind in kinds:
            merged: list[DeviceSpan] = []
            for p in periods:
                state = UNKNOWN_STATE if p.health is Health.GREY else p.devices.get(kind)
                state = state or UNKNOWN_STATE
                if merged and merged[-1].state == state:
                    merged[-1] = DeviceSpan(merged[-1].start, p.end, state)
                else:
                    merged.append(DeviceSpan(p.start, p.end, state))
            spans[kind] = merged
        return spans


def _period_facts(
    change: KioskHealthChange,
) -> tuple[Health, str, tuple[Reason, ...], Mapping[str, str]]:
    return (
        Health(change.health),
        change.status,
        tuple(Reason.from_key(k) for k in change.reasons or []),
        dict(change.devices or {}),
    )
