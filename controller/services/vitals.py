"""A kiosk's vitals (wire.KioskVitals, stored as Kiosk.vitals) in words ops read.

Pure: no database. `vital_rows(kiosk.vitals)` gives one row per field, in the order the
kiosk page lists them, with its bilingual label, its value with units, and whether it
deserves a look. A field the kiosk did not report reads "—"; an older kiosk that sends no
vitals at all gets no rows, and the page says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from controller.services.health import Thresholds

# Free disk below this (MB) is worth a look: the outbox, logs and receipts live there.
LOW_DISK_MB = 500.0
# Available memory below this (MB) is worth a look on the kiosk's small boxes.
LOW_MEMORY_MB = 200.0
# A row waiting this long (s) means deliveries are stuck, not merely slow.
STALE_PENDING_SECONDS = 3600.0
# Same as the kiosk page's clock skew fact: a minute off is worth a look.
SKEW_WARNING_SECONDS = 60.0


@dataclass(frozen=True)
class VitalRow:
    """One vital as the kiosk page shows it."""

    field: str  # the wire.KioskVitals field it shows
    zh: str
    en: str
    value: str  # with its unit; "—" when not reported
    warn: bool = False


def duration(seconds: float) -> str:
    """A span as ops say it: "45 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def _mb(value: float) -> str:
    return f"{value / 1024:.1f} GB" if value >= 1024 else f"{value:.0f} MB"


def _skew(value: float) -> str:
    # Controller minus kiosk: positive means the kiosk's clock is behind.
    if abs(value) < 1:
        return "0 s"
    side = "慢 behind" if value > 0 else "快 ahead"
    return f"{duration(abs(value))} ({side})"


_Show = Callable[[Any], str]
_Warn = Callable[[Any], bool]


def _never(value: Any) -> bool:
    return False


# (field, zh, en, how its value reads, when it warns); every wire.KioskVitals field once
# (a test holds them equal).
_ROWS: tuple[tuple[str, str, str, _Show, _Warn], ...] = (
    ("disk_free_mb", "磁盘剩余", "Disk free (data folder)", _mb, lambda v: v < LOW_DISK_MB),
    (
        "memory_available_mb",
        "可用内存",
        "Memory available",
        _mb,
        lambda v: v < LOW_MEMORY_MB,
    ),
    ("process_rss_mb", "程序占用内存", "Kiosk program memory", _mb, _never),
    ("uptime_seconds", "程序已运行", "Program up for", duration, _never),
    ("catalog_version", "服务目录版本", "Catalog version", lambda v: f"v{v}", _never),
    ("config_version", "配置版本", "Configuration version", str, _never),
    (
        "outbox_failed",
        "上传失败",
        "Refused by the controller",
        lambda v: f"{v} 条 rows",
        lambda v: v > 0,
    ),
    (
        "outbox_quarantined",
        "已隔离",
        "Set aside (unreadable or invalid)",
        lambda v: f"{v} 条 rows",
        lambda v: v > 0,
    ),
    (
        "outbox_used_percent",
        "待上传队列占用",
        "Outbox used (of capacity)",
        lambda v: f"{v:.1f} %",
        lambda v: v >= Thresholds().outbox_full_percent,
    ),
    (
        "oldest_pending_seconds",
        "最早待上传",
        "Oldest waiting row",
        duration,
        lambda v: v >= STALE_PENDING_SECONDS,
    ),
    (
        "clock_skew_seconds",
        "终端时钟偏差",
        "Kiosk clock vs controller",
        _skew,
        lambda v: abs(v) > SKEW_WARNING_SECONDS,
    ),
)


def vital_rows(stored: Mapping[str, Any] | None) -> list[VitalRow]:
    """The rows of a kiosk's stored vitals; [] for a kiosk that never sent any."""
    if not stored:
        return []
    rows = []
    for field, zh, en, show, warn in _ROWS:
        value = stored.get(field)
        if value is None:
            rows.append(VitalRow(field, zh, en, "—"))
            continue
        try:
            rows.append(VitalRow(field, zh, en, show(value), warn(value)))
        except (TypeError, ValueError):  # stored by another release in another shape
            rows.append(VitalRow(field, zh, en, str(value)))
    return rows
