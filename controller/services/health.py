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

`assess(facts, thresholds)` is the pure rule. The colours, reason codes and their words
(`Reason.text`, `describe`) are in health_reasons.py; `HealthBook` (health_history.py)
stores each change and answers what pages ask of the history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controller.models import Kiosk
from controller.services.health_reasons import Health, Label, Reason, ReasonCode, describe
from wire import DeviceKind, DeviceState, KioskStatus

# Worst first: the first reason in this order gives the kiosk its colour.
_ORDER = [Health.GREY, Health.RED, Health.YELLOW, Health.GREEN]


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
