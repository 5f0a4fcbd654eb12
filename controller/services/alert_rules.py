"""The kinds of alert in one table (`RULES`): how bad each is, what it is called, how it ends.

The kinds:

- offline (major): raised by the sweep (no heartbeat for 3 intervals); cleared by the next
  heartbeat, which sends a back_online notification instead of "cleared";
- back_online (info): a notification only, never an alert;
- device_faulted (major, one per device kind): a heartbeat with a device faulted, or
  expected and absent; cleared when the device is ok again;
- paper_out (major): the printer out of paper; cleared when it has paper;
- paper_near_end (minor): the printer's paper nearly used up;
- outbox_filling (minor): more than `outbox_backlog` transactions waiting on the kiosk;
- outbox_undeliverable (major): the kiosk reports outbox rows it can never deliver (failed
  or quarantined, wire.KioskVitals); cleared when it reports none again;
- outbox_nearly_full (minor): the kiosk's outbox at `outbox_full_percent` (80 %) of its
  capacity or more; at 100 % it stops taking applications;
- clock_skew (minor): the kiosk clock off by more than `clock_skew_seconds`;
- crash_loop (major): the kiosk program started `crash_loop_starts` times within an hour
  (Heartbeat.starts_last_hour); cleared when it has run an hour without starting again;
- identity_conflict (critical), staff_called (major), maintenance_lockout (major: the
  maintenance PIN pad locked after repeated wrong PINs, someone tried many PINs at the
  kiosk; services/maintenance_events.py): raised by other parts of the controller with
  `alert_lifecycle.raise_alert`, cleared by a user.

The words pages and notifications use, (zh-CN, en): `RULES[kind].label` (`alert_label`),
`SEVERITY_LABELS`, `STATE_LABELS`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from controller.services.health_reasons import device_label

Label = tuple[str, str]  # (zh-CN, en)


class Severity(enum.StrEnum):
    """How urgent an alert is, worst first."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for the worst; sorts alerts worst first."""
        return list(Severity).index(self)


SEVERITY_LABELS: dict[Severity, Label] = {
    Severity.CRITICAL: ("紧急", "Critical"),
    Severity.MAJOR: ("重要", "Major"),
    Severity.MINOR: ("次要", "Minor"),
    Severity.INFO: ("提示", "Info"),
}


class AlertState(enum.StrEnum):
    """Where an alert is in its life."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"


STATE_LABELS: dict[AlertState, Label] = {
    AlertState.OPEN: ("未处理", "Open"),
    AlertState.ACKNOWLEDGED: ("已确认", "Acknowledged"),
    AlertState.CLEARED: ("已解除", "Cleared"),
}
UNRESOLVED = (AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value)


class AlertKind(enum.StrEnum):
    """What an alert is about."""

    OFFLINE = "offline"
    BACK_ONLINE = "back_online"
    DEVICE_FAULTED = "device_faulted"
    PAPER_OUT = "paper_out"
    PAPER_NEAR_END = "paper_near_end"
    OUTBOX_FILLING = "outbox_filling"
    OUTBOX_UNDELIVERABLE = "outbox_undeliverable"
    OUTBOX_NEARLY_FULL = "outbox_nearly_full"
    CLOCK_SKEW = "clock_skew"
    IDENTITY_CONFLICT = "identity_conflict"
    CRASH_LOOP = "crash_loop"
    STAFF_CALLED = "staff_called"
    MAINTENANCE_LOCKOUT = "maintenance_lockout"


@dataclass(frozen=True)
class AlertRule:
    """One kind of alert: how bad, what it is called, how it ends."""

    kind: AlertKind
    severity: Severity
    label: Label
    # Evaluated from heartbeats and cleared automatically when the condition is gone;
    # otherwise raised by raise_alert and cleared by a user.
    auto_clear: bool
    # Names a device (device_faulted: one alert per device kind).
    per_device: bool = False
    # Sent as a notification, never kept as an alert.
    notify_only: bool = False


RULES: dict[AlertKind, AlertRule] = {
    rule.kind: rule
    for rule in (
        AlertRule(AlertKind.OFFLINE, Severity.MAJOR, ("终端离线", "Kiosk offline"), True),
        AlertRule(
            AlertKind.BACK_ONLINE,
            Severity.INFO,
            ("终端恢复在线", "Kiosk back online"),
            False,
            notify_only=True,
        ),
        AlertRule(
            AlertKind.DEVICE_FAULTED,
            Severity.MAJOR,
            ("{device}故障", "{device} faulted"),
            True,
            per_device=True,
        ),
        AlertRule(
            AlertKind.PAPER_OUT, Severity.MAJOR, ("打印机缺纸", "Printer out of paper"), True
        ),
        AlertRule(
            AlertKind.PAPER_NEAR_END,
            Severity.MINOR,
            ("打印纸将尽", "Printer paper near end"),
            True,
        ),
        AlertRule(
            AlertKind.OUTBOX_FILLING,
            Severity.MINOR,
            ("待上传办件积压", "Transactions piling up on the kiosk"),
            True,
        ),
        AlertRule(
            AlertKind.OUTBOX_UNDELIVERABLE,
            Severity.MAJOR,
            ("有办件无法上传", "Transactions the kiosk cannot deliver"),
            True,
        ),
        AlertRule(
            AlertKind.OUTBOX_NEARLY_FULL,
            Severity.MINOR,
            ("终端待上传队列将满", "Kiosk outbox nearly full"),
            True,
        ),
        AlertRule(
            AlertKind.CLOCK_SKEW, Severity.MINOR, ("终端时钟偏差过大", "Kiosk clock is off"), True
        ),
        AlertRule(
            AlertKind.IDENTITY_CONFLICT,
            Severity.CRITICAL,
            ("终端身份冲突", "Kiosk identity conflict"),
            False,
        ),
        AlertRule(
            AlertKind.CRASH_LOOP, Severity.MAJOR, ("终端反复重启", "Kiosk keeps restarting"), True
        ),
        AlertRule(
            AlertKind.STAFF_CALLED,
            Severity.MAJOR,
            ("群众呼叫工作人员", "A citizen is asking for staff"),
            False,
        ),
        AlertRule(
            AlertKind.MAINTENANCE_LOCKOUT,
            Severity.MAJOR,
            ("维护密码多次输错，已锁定", "Maintenance PIN locked after repeated wrong PINs"),
            False,
        ),
    )
}


def alert_label(kind: AlertKind, device: str = "") -> Label:
    """What an alert of this kind (about this device) is called."""
    zh, en = RULES[kind].label
    device_zh, device_en = device_label(device) if device else ("设备", "Device")
    return zh.format(device=device_zh), en.format(device=device_en)
