"""The kiosk announces itself on the LAN over multicast DNS (zeroconf), so a technician's
laptop finds it without knowing its address.

One service of type `_estation._tcp` (RFC 6763 allows a service label of at most 15
characters; `_estation` is 8), instance `e-station <serial>`, pointing at the local
provisioning API's port. TXT records (each a short key=value, RFC 6763 section 6):

    serial   the hardware id (the identity discovery and enrollment are keyed on)
    model    the kiosk's model
    version  its software version
    state    unprovisioned | pending | active | maintenance | revoked | ...
    name     the station name, once configured

The kiosk announces itself while unprovisioned and once provisioned alike: a technician
sees the whole hall. `update()` re-announces a changed state at once; `stop()` sends the
goodbye packets (TTL 0) so browsers drop the kiosk without waiting for its records to
expire. Only LAN addresses are announced: a loopback address would send a technician's
laptop to itself (tests pass 127.0.0.1 explicitly).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import ifaddr
from zeroconf import IPVersion, ServiceInfo, Zeroconf

log = logging.getLogger(__name__)

SERVICE_TYPE = "_estation._tcp.local."
# RFC 6763 section 7.2: a service label is at most 15 characters after the underscore.
assert len(SERVICE_TYPE.split(".")[0]) - 1 <= 15  # noqa: S101 - a fact checked at import


@dataclass(frozen=True)
class Announcement:
    """What the kiosk says about itself in its TXT records."""

    serial: str
    model: str
    version: str
    state: str
    name: str = ""

    def txt(self) -> dict[str, str]:
        """The TXT record as key=value pairs (each well under 255 bytes)."""
        return {
            "serial": self.serial,
            "model": self.model,
            "version": self.version,
            "state": self.state,
            # A TXT string is at most 255 bytes; a station name is far shorter in practice.
            "name": self.name.encode("utf-8")[:200].decode("utf-8", "ignore"),
        }


def lan_addresses() -> list[str]:
    """The IPv4 addresses of this machine a LAN neighbour can reach: private or link-local,
    never loopback."""
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries are tuples; the kiosk halls run IPv4
            address = ipaddress.IPv4Address(ip.ip)
            if address.is_loopback:
                continue
            if address.is_private or address.is_link_local:
                found.append(str(address))
    return found


def _check_addresses(addresses: Sequence[str], *, allow_loopback: bool) -> list[str]:
    checked = []
    for raw in addresses:
        address = ipaddress.IPv4Address(raw)
        if address.is_loopback and not allow_loopback:
            raise ValueError(f"{raw} is a loopback address: a LAN neighbour cannot reach it")
        checked.append(str(address))
    return checked


class Advertiser:
    """Registers this kiosk's service, re-announces it when its state changes, and
    unregisters it on stop."""

    def __init__(
        self,
        announcement: Announcement,
        port: int,
        *,
        addresses: Sequence[str] | None = None,
        allow_loopback: bool = False,
    ) -> None:
        """`addresses`: the IPv4 addresses to announce (default: this machine's LAN ones)."""
        chosen = lan_addresses() if addresses is None else list(addresses)
        self.addresses = _check_addresses(chosen, allow_loopback=allow_loopback)
        self.port = port
        self._announcement = announcement
        self._lock = threading.Lock()
        self._zc: Zeroconf | None = None
        self._info: ServiceInfo | None = None

    @property
    def announcement(self) -> Announcement:
        """What is announced now."""
        return self._announcement

    @property
    def instance_name(self) -> str:
        """The full DNS-SD instance name, unique on the LAN by the kiosk's serial."""
        return f"e-station {self._announcement.serial}.{SERVICE_TYPE}"

    def _service_info(self) -> ServiceInfo:
        host = "".join(c if c.isalnum() else "-" for c in self._announcement.serial.lower())
        return ServiceInfo(
            SERVICE_TYPE,
            self.instance_name,
            addresses=[socket.inet_aton(a) for a in self.addresses],
            port=self.port,
            properties=self._announcement.txt(),
            server=f"estation-{host}.local.",
        )

    def start(self) -> None:
        """Register the service on the announced addresses' interfaces."""
        with self._lock:
            if self._zc is not None:
                return
            if not self.addresses:
                log.warning("advertising skipped: no LAN address")
                return
            self._zc = Zeroconf(interfaces=list(self.addresses), ip_version=IPVersion.V4Only)
            self._info = self._service_info()
            # The serial is unique per kiosk; another instance of the same name is this
            # kiosk restarting, so no rename is asked for.
            self._zc.register_service(self._info, allow_name_change=False)
            log.info("advertising serial=%s port=%d", self._announcement.serial, self.port)

    def update(self, *, state: str | None = None, name: str | None = None) -> None:
        """Announce a new state or station name at once (no-op when nothing changed)."""
        with self._lock:
            changes = {k: v for k, v in (("state", state), ("name", name)) if v is not None}
            new = replace(self._announcement, **changes)
            if new == self._announcement:
                return
            self._announcement = new
            if self._zc is None:
                return
            self._info = self._service_info()
            self._zc.update_service(self._info)
            log.info("advertised state=%s", new.state)

    def stop(self) -> None:
        """Unregister (goodbye packets) and close the responder."""
        with self._lock:
            zc, info = self._zc, self._info
            self._zc = self._info = None
        if zc is None:
            return
        if info is not None:
            zc.unregister_service(info)
        zc.close()
