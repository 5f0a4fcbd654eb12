"""Finding kiosks on the LAN: a zeroconf browser feeding a table keyed by serial.

The table is the rule that matters (idempotent on a hardware identity): a kiosk seen again
at a new address, port or state updates its row; it never becomes a second row. A kiosk
whose service is withdrawn leaves the table.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from types import TracebackType

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceListener, Zeroconf

# The same name the kiosk registers (kiosk/advertising.py); provisioning may not import the
# kiosk, and the type is the contract between the two, like a wire path.
SERVICE_TYPE = "_estation._tcp.local."


@dataclass(frozen=True)
class FoundKiosk:
    """One kiosk as its announcement describes it."""

    serial: str
    model: str
    version: str
    state: str
    name: str
    address: str
    port: int
    instance: str
    seen_at: dt.datetime

    @property
    def url(self) -> str:
        """Base URL of the kiosk's local provisioning API."""
        return f"http://{self.address}:{self.port}"


class Change(StrEnum):
    """What one sighting did to the table."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _text(props: dict[bytes, bytes | None], key: str) -> str:
    value = props.get(key.encode())
    return value.decode("utf-8", "replace") if value else ""


def found_from_info(info: ServiceInfo, now: dt.datetime) -> FoundKiosk | None:
    """The kiosk an mDNS answer describes, or None when it lacks a serial or an address."""
    props = info.properties or {}
    serial = _text(props, "serial")
    addresses = info.parsed_addresses(IPVersion.V4Only)
    if not serial or not addresses or info.port is None:
        return None
    # Prefer a LAN address over loopback when a kiosk announces both (tests announce only
    # 127.0.0.1, which is then taken).
    addresses.sort(key=lambda a: ipaddress.IPv4Address(a).is_loopback)
    return FoundKiosk(
        serial=serial,
        model=_text(props, "model"),
        version=_text(props, "version"),
        state=_text(props, "state"),
        name=_text(props, "name"),
        address=addresses[0],
        port=info.port,
        instance=info.name,
        seen_at=now,
    )


class KioskTable:
    """Kiosks seen, one row per serial; thread-safe."""

    def __init__(self) -> None:
        self._rows: dict[str, FoundKiosk] = {}
        # Re-entrant: `wait` calls the caller's `ready(table)`, which reads rows, under it.
        self._lock = threading.RLock()
        self.changed = threading.Condition(self._lock)

    def see(self, kiosk: FoundKiosk) -> Change:
        """Add or update the kiosk's row (by serial); say which."""
        with self._lock:
            before = self._rows.get(kiosk.serial)
            self._rows[kiosk.serial] = kiosk
            self.changed.notify_all()
            if before is None:
                return Change.ADDED
            same = replace(before, seen_at=kiosk.seen_at) == kiosk
            return Change.UNCHANGED if same else Change.UPDATED

    def withdraw(self, instance: str) -> None:
        """The kiosk announced under `instance` said goodbye: drop its row."""
        with self._lock:
            for serial, row in list(self._rows.items()):
                if row.instance == instance:
                    del self._rows[serial]
            self.changed.notify_all()

    def rows(self) -> list[FoundKiosk]:
        """Every kiosk, by station name then serial."""
        with self._lock:
            return sorted(self._rows.values(), key=lambda k: (k.name, k.serial))

    def get(self, serial: str) -> FoundKiosk | None:
        """The kiosk with this serial, if seen."""
        with self._lock:
            return self._rows.get(serial)

    def wait(self, ready: Callable[[KioskTable], bool], timeout: float) -> bool:
        """Wait until `ready(table)` holds (True) or `timeout` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not ready(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
            return True


class _Listener(ServiceListener):
    def __init__(self, table: KioskTable, clock: Callable[[], dt.datetime]) -> None:
        self._table = table
        self._clock = clock

    def _look(self, zc: Zeroconf, type_: str, name: str) -> None:
        info = zc.get_service_info(type_, name, timeout=3000)
        if info is not None and (found := found_from_info(info, self._clock())) is not None:
            self._table.see(found)

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self._look(zc, type_, name)

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self._look(zc, type_, name)

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self._table.withdraw(name)


class Discovery:
    """Browses `_estation._tcp` while open; `table` holds what it found."""

    def __init__(
        self,
        *,
        interfaces: Sequence[str] | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        """`interfaces`: addresses to browse on (default: every interface)."""
        self.table = KioskTable()
        self._interfaces = list(interfaces) if interfaces else None
        self._clock = clock
        self._zc: Zeroconf | None = None
        self._browser: ServiceBrowser | None = None

    def __enter__(self) -> Discovery:
        if self._interfaces:
            self._zc = Zeroconf(interfaces=self._interfaces, ip_version=IPVersion.V4Only)
        else:
            self._zc = Zeroconf(ip_version=IPVersion.V4Only)
        self._browser = ServiceBrowser(self._zc, SERVICE_TYPE, _Listener(self.table, self._clock))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._browser is not None:
            self._browser.cancel()
        if self._zc is not None:
            self._zc.close()

    def find(self, serial: str, timeout: float = 10.0) -> FoundKiosk | None:
        """The kiosk with this serial once it is seen, or None after `timeout` seconds."""
        self.table.wait(lambda t: t.get(serial) is not None, timeout)
        return self.table.get(serial)
