"""Which alert conditions hold for a kiosk, from the facts of its heartbeats.

A condition is stored as a key ("kind" or "kind:device", `condition_key`) with the kiosk's
health (services/health.py), so that alerts.py raises and clears alerts only when the set
of conditions changes. While a kiosk is offline its device conditions are left as they
were: nothing it said before going quiet is cleared or raised.
"""

from __future__ import annotations

from collections.abc import Iterable

from controller.services.alert_rules import AlertKind
from controller.services.health import KioskFacts, Thresholds, is_paper_near_end, is_paper_out
from wire import DeviceState


def condition_key(kind: AlertKind, device: str = "") -> str:
    """How a condition is stored: "kind" or "kind:device"."""
    return f"{kind.value}:{device}" if device else kind.value


def split_condition(key: str) -> tuple[AlertKind, str]:
    """The kind and device of a stored condition key."""
    kind, _, device = key.partition(":")
    return AlertKind(kind), device


def conditions(
    facts: KioskFacts, thresholds: Thresholds, previous: Iterable[str] = ()
) -> frozenset[str]:
    """The alert conditions that hold for a kiosk (keys as `condition_key` makes them).

    Offline keeps the previous non-offline conditions: an offline kiosk's devices are unknown.
    """
    if not facts.seen:
        return frozenset()
    if not facts.online:
        kept = {k for k in previous if split_condition(k)[0] is not AlertKind.OFFLINE}
        return frozenset({condition_key(AlertKind.OFFLINE), *kept})
    found: set[str] = set()
    for kind, fact in facts.devices.items():
        if is_paper_out(kind, fact) and fact.state is DeviceState.FAULTED:
            found.add(condition_key(AlertKind.PAPER_OUT))
        elif fact.state in (DeviceState.FAULTED, DeviceState.ABSENT):
            found.add(condition_key(AlertKind.DEVICE_FAULTED, kind))
        elif is_paper_near_end(kind, fact) and fact.state is DeviceState.DEGRADED:
            found.add(condition_key(AlertKind.PAPER_NEAR_END))
    if facts.outbox_pending > thresholds.outbox_backlog:
        found.add(condition_key(AlertKind.OUTBOX_FILLING))
    if facts.outbox_undeliverable > 0:
        found.add(condition_key(AlertKind.OUTBOX_UNDELIVERABLE))
    used = facts.outbox_used_percent
    if used is not None and used >= thresholds.outbox_full_percent:
        found.add(condition_key(AlertKind.OUTBOX_NEARLY_FULL))
    if facts.clock_skew is not None and abs(facts.clock_skew) > thresholds.clock_skew_seconds:
        found.add(condition_key(AlertKind.CLOCK_SKEW))
    if facts.starts_last_hour >= thresholds.crash_loop_starts:
        found.add(condition_key(AlertKind.CRASH_LOOP))
    return frozenset(found)


def condition_detail(key: str, facts: KioskFacts) -> str:
    """The facts behind a condition, for its alert's detail (never personal data)."""
    kind, device = split_condition(key)
    if kind is AlertKind.OUTBOX_FILLING:
        return f"outbox_pending={facts.outbox_pending}"
    if kind is AlertKind.OUTBOX_UNDELIVERABLE:
        return f"failed_or_quarantined={facts.outbox_undeliverable}"
    if kind is AlertKind.OUTBOX_NEARLY_FULL:
        return f"outbox_used_percent={facts.outbox_used_percent}"
    if kind is AlertKind.CLOCK_SKEW and facts.clock_skew is not None:
        return f"clock_skew_seconds={facts.clock_skew:.0f}"
    if kind is AlertKind.CRASH_LOOP:
        return f"starts_last_hour={facts.starts_last_hour}"
    if kind is AlertKind.OFFLINE:
        return ""
    fact = facts.devices.get(device or "receipt_printer")
    return fact.reason if fact is not None else ""
