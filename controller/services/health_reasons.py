"""What health a kiosk can have and why, in words: the colours, the reason codes and what
each says in zh-CN and en.

Each reason code has one colour (the rules that give reasons are in health.py); a reason is
about the kiosk as a whole or about one device, and is stored as "code" or "code:device".
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from wire import DeviceKind

Label = tuple[str, str]  # (zh-CN, en)


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
