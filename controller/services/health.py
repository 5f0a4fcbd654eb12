"""Kiosk health (green / yellow / red / grey) from what the controller knows, and its history.

The rules, worst first; every rule that holds gives a reason (codes in brackets), and the
worst reason decides the colour:

- grey: never sent a heartbeat [never_seen]; offline, no heartbeat for 3 intervals as
  fleet.py counts them [offline];
- red: the kiosk reports out_of_service [out_of_service]; a device faulted
  [device_faulted] or expected and absent [device_absent]; the printer out of paper
  [paper_out];
- yellow: maintenance [maintenance]; a device degraded [device_degraded]; printer paper
  near end [paper_near_end]; more than `outbox_backlog` transactions waiting in the
  kiosk's outbox [outbox_backlog]; the kiosk clock off by more than `clock_skew_seconds`
  [clock_skew];
- green: none of the above.

A grey kiosk's devices are not judged: what it said last may no longer be true. Paper is
read from the printer's reason as kiosk/health.py words it ("paper out", "paper near end");
the heartbeat carries no device codes yet.

`assess(facts, thresholds)` is the pure rule. `HealthBook` stores every change (a change of
colour or of reasons) in `kiosk_health_changes` and keeps the current one in `kiosk_health`;
the alert service calls it on each heartbeat and in the sweep.

For pages:
- `HealthBook.timeline(session, kiosk, start, end)`: the periods of each health in a window;
- `HealthBook.availability(session, kiosk, start, end)`: percent of the window not grey;
- `HealthBook.device_states(session, kiosk, start, end)`: each device's state over time;
- `Reason.text` / `describe(reasons)`: what a reason says, as (zh-CN, en).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from controller.models import STATUS_NEVER_SEEN, Kiosk, KioskHealthChange, KioskHealthNow
from controller.services.once import insert_once
from wire import DeviceKind, DeviceState, KioskStatus

Label = tuple[str, str]  # (zh-CN, en)

# A device's state while its kiosk is grey: nobody knows.
UNKNOWN_STATE = "unknown"


class Health(enum.StrEnum):
    """A kiosk's health at a glance."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    GREY = "grey"


HEALTH_LABELS: dict[Health, Label] = {
    Health.GREEN: ("正常", "Healthy"),
    Health.YELLOW: ("需关注", "Needs attention"),
    Health.RED: ("故障", "Not working"),
    Health.GREY: ("离线", "Offline"),
}


class ReasonCode(enum.StrEnum):
    """Why a kiosk has the health it has."""

    NEVER_SEEN = "never_seen"
    OFFLINE = "offline"
    OUT_OF_SERVICE = "out_of_service"
    DEVICE_FAULTED = "device_faulted"
    DEVICE_ABSENT = "device_absent"
    PAPER_OUT = "paper_out"
    MAINTENANCE = "maintenance"
    DEVICE_DEGRADED = "device_degraded"
    PAPER_NEAR_END = "paper_near_end"
    OUTBOX_BACKLOG = "outbox_backlog"
    CLOCK_SKEW = "clock_skew"
    CRASH_LOOP = "crash_loop"


# Each code's colour and words; "{device}" is the device's name in that language.
_REASONS: dict[ReasonCode, tuple[Health, Label]] = {
    ReasonCode.NEVER_SEEN: (Health.GREY, ("从未上线", "Never seen")),
    ReasonCode.OFFLINE: (Health.GREY, ("离线：连续三次未收到心跳", "Offline: 3 heartbeats missed")),
    ReasonCode.OUT_OF_SERVICE: (Health.RED, ("暂停服务", "Out of service")),
    ReasonCode.DEVICE_FAULTED: (Health.RED, ("{device}故障", "{device} faulted")),
    ReasonCode.DEVICE_ABSENT: (Health.RED, ("{device}未连接", "{device} not connected")),
    ReasonCode.PAPER_OUT: (Health.RED, ("打印机缺纸", "Printer out of paper")),
    ReasonCode.MAINTENANCE: (Health.YELLOW, ("维护中", "In maintenance")),
    ReasonCode.DEVICE_DEGRADED: (Health.YELLOW, ("{device}性能下降", "{device} degraded")),
    ReasonCode.PAPER_NEAR_END: (Health.YELLOW, ("打印纸将尽", "Printer paper near end")),
    ReasonCode.OUTBOX_BACKLOG: (
        Health.YELLOW,
        ("待上传办件积压", "Transactions waiting to upload"),
    ),
    ReasonCode.CLOCK_SKEW: (Health.YELLOW, ("终端时钟偏差过大", "Kiosk clock is off")),
    ReasonCode.CRASH_LOOP: (
        Health.YELLOW,
        ("终端程序一小时内反复重启", "Kiosk program restarted repeatedly within an hour"),
    ),
}

# What each device kind is called in each language (the dashboard has the same zh names).
DEVICE_LABELS: dict[DeviceKind, Label] = {
    DeviceKind.ID_CARD_READER: ("身份证读卡器", "ID card reader"),
    DeviceKind.SOCIAL_CARD_READER: ("社保卡读卡器", "Social security card reader"),
    DeviceKind.RECEIPT_PRINTER: ("打印机", "Printer"),
    DeviceKind.CAMERA: ("摄像头", "Camera"),
}

_ORDER = [Health.GREY, Health.RED, Health.YELLOW, Health.GREEN]


def device_label(device: str) -> Label:
    """A device kind's name in both languages; an unknown kind is shown as its key."""
    try:
        return DEVICE_LABELS[DeviceKind(device)]
    except ValueError:
        return (device, device)


@dataclass(frozen=True, order=True)
class Reason:
    """One reason for a kiosk's health, about one device or the kiosk as a whole."""

    code: ReasonCode
    device: str = ""

    @property
    def health(self) -> Health:
        """The colour this reason gives a kiosk."""
        return _REASONS[self.code][0]

    @property
    def key(self) -> str:
        """How the reason is stored: "code" or "code:device"."""
        return f"{self.code.value}:{self.device}" if self.device else self.code.value

    @classmethod
    def from_key(cls, key: str) -> Reason:
        """The reason a stored key names."""
        code, _, device = key.partition(":")
        return cls(ReasonCode(code), device)

    @property
    def text(self) -> Label:
        """What the reason says, in zh-CN and en."""
        zh, en = _REASONS[self.code][1]
        device_zh, device_en = device_label(self.device)
        return zh.format(device=device_zh), en.format(device=device_en)


def describe(reasons: Sequence[Reason]) -> Label:
    """All reasons as one line per language; green when there are none."""
    if not reasons:
        return HEALTH_LABELS[Health.GREEN]
    texts = [r.text for r in reasons]
    return "；".join(t[0] for t in texts), "; ".join(t[1] for t in texts)


@dataclass(frozen=True)
class DeviceFact:
    """One device as its kiosk last reported it."""

    state: DeviceState
    reason: str = ""


@dataclass(frozen=True)
class KioskFacts:
    """What the controller knows of a kiosk at one moment; the input of `assess`."""

    seen: bool
    online: bool
    status: str
    devices: Mapping[str, DeviceFact]
    outbox_pending: int = 0
    # Kiosk clock minus ours, in seconds, when known (from the last heartbeat).
    clock_skew: float | None = None
    # Starts of the kiosk program within the last hour (0: not reported).
    starts_last_hour: int = 0
    # Outbox rows the kiosk can never deliver (failed + quarantined, wire.KioskVitals) and
    # how full its outbox is (percent; None: not reported).
    outbox_undeliverable: int = 0
    outbox_used_percent: float | None = None

    @classmethod
    def of(cls, kiosk: Kiosk, *, online: bool, clock_skew: float | None = None) -> KioskFacts:
        """The facts of a stored kiosk; `online` comes from Fleet.is_online."""
        return cls(
            seen=kiosk.last_seen_at is not None,
            online=online,
            status=kiosk.status,
            devices=_device_facts(kiosk.devices or {}),
            outbox_pending=kiosk.outbox_pending,
            clock_skew=clock_skew,
            starts_last_hour=kiosk.starts_last_hour,
            **_outbox_facts(kiosk.vitals or {}),
        )

    @classmethod
    def reported(
        cls,
        *,
        status: str,
        devices: Mapping[str, Any],
        outbox_pending: int,
        clock_skew: float | None,
        starts_last_hour: int = 0,
        vitals: Mapping[str, Any] | None = None,
    ) -> KioskFacts:
        """The facts of a kiosk online now that reports this (devices as Kiosk.devices holds
        them), before anything is stored (controller/services/heartbeats.py)."""
        return cls(
            seen=True,
            online=True,
            status=status,
            devices=_device_facts(devices),
            outbox_pending=outbox_pending,
            clock_skew=clock_skew,
            starts_last_hour=starts_last_hour,
            **_outbox_facts(vitals or {}),
        )


def _outbox_facts(vitals: Mapping[str, Any]) -> dict[str, Any]:
    """The alerting facts in a kiosk's vitals (as Kiosk.vitals holds them)."""

    def number(key: str) -> float | None:
        value = vitals.get(key)
        # Stored by another release in a shape this one cannot read: not reported.
        return value if isinstance(value, int | float) else None

    undeliverable = (number("outbox_failed") or 0) + (number("outbox_quarantined") or 0)
    return {
        "outbox_undeliverable": int(undeliverable),
        "outbox_used_percent": number("outbox_used_percent"),
    }


def _device_facts(stored: Mapping[str, Any]) -> dict[str, DeviceFact]:
    facts = {}
    for kind, health in stored.items():
        try:
            state = DeviceState(health.get("state"))
        except (ValueError, AttributeError):
            continue  # stored by another release in a shape this one cannot read
        facts[kind] = DeviceFact(state, str(health.get("reason", "")))
    return facts


@dataclass(frozen=True)
class Thresholds:
    """The limits that turn a working kiosk yellow (Settings.alerting)."""

    outbox_backlog: int = 20
    clock_skew_seconds: int = 120
    crash_loop_starts: int = 3
    # The kiosk's outbox this full (percent of its capacity) warns: at 100 % it stops
    # taking applications (kiosk/outbox.py warns at the same 80 %).
    outbox_full_percent: float = 80.0


@dataclass(frozen=True)
class Assessment:
    """A kiosk's health and every reason for it, worst first."""

    health: Health
    reasons: tuple[Reason, ...]

    @property
    def text(self) -> Label:
        """The reasons as a person reads them, (zh-CN, en)."""
        return describe(self.reasons)

    @property
    def keys(self) -> list[str]:
        """The reasons as stored."""
        return [r.key for r in self.reasons]


def is_paper_out(kind: str, fact: DeviceFact) -> bool:
    """True when the printer says it has no paper (kiosk/health.py's wording)."""
    return kind == DeviceKind.RECEIPT_PRINTER and "paper out" in fact.reason.lower()


def is_paper_near_end(kind: str, fact: DeviceFact) -> bool:
    """True when the printer says its paper is nearly used up."""
    return kind == DeviceKind.RECEIPT_PRINTER and "paper near end" in fact.reason.lower()


def device_reason(kind: str, fact: DeviceFact) -> Reason | None:
    """What one device's state says about its kiosk, if anything."""
    if fact.state is DeviceState.FAULTED:
        if is_paper_out(kind, fact):
            return Reason(ReasonCode.PAPER_OUT, kind)
        return Reason(ReasonCode.DEVICE_FAULTED, kind)
    if fact.state is DeviceState.ABSENT:
        return Reason(ReasonCode.DEVICE_ABSENT, kind)
    if fact.state is DeviceState.DEGRADED:
        if is_paper_near_end(kind, fact):
            return Reason(ReasonCode.PAPER_NEAR_END, kind)
        return Reason(ReasonCode.DEVICE_DEGRADED, kind)
    return None


def assess(facts: KioskFacts, thresholds: Thresholds | None = None) -> Assessment:
    """A kiosk's health from its facts (the rules are in the module docstring)."""
    limits = thresholds or Thresholds()
    if not facts.seen:
        return Assessment(Health.GREY, (Reason(ReasonCode.NEVER_SEEN),))
    if not facts.online:
        return Assessment(Health.GREY, (Reason(ReasonCode.OFFLINE),))
    reasons: list[Reason] = []
    if facts.status == KioskStatus.OUT_OF_SERVICE:
        reasons.append(Reason(ReasonCode.OUT_OF_SERVICE))
    elif facts.status == KioskStatus.MAINTENANCE:
        reasons.append(Reason(ReasonCode.MAINTENANCE))
    for kind in sorted(facts.devices):
        reason = device_reason(kind, facts.devices[kind])
        if reason is not None:
            reasons.append(reason)
    if facts.outbox_pending > limits.outbox_backlog:
        reasons.append(Reason(ReasonCode.OUTBOX_BACKLOG))
    if facts.clock_skew is not None and abs(facts.clock_skew) > limits.clock_skew_seconds:
        reasons.append(Reason(ReasonCode.CLOCK_SKEW))
    if facts.starts_last_hour >= limits.crash_loop_starts:
        reasons.append(Reason(ReasonCode.CRASH_LOOP))
    reasons.sort(key=lambda r: (_ORDER.index(r.health), r))
    health = reasons[0].health if reasons else Health.GREEN
    return Assessment(health, tuple(reasons))


def _status_of(facts: KioskFacts) -> str:
    if not facts.seen:
        return STATUS_NEVER_SEEN
    return facts.status if facts.online else "offline"


# -- history ---------------------------------------------------------------------------


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
