"""What a technician sets on a kiosk: its controller, station and device map, with a schema.

One file per kiosk, `station.json` in the data folder, written by the local provisioning
API (kiosk/provisioning_api.py) and read by `kiosk.config.load_config` on top of
kiosk.toml. Every key is listed in `SCHEMA` with what it allows; every error names the
key and says what is allowed, e.g.

    devices.id_card_reader: /dev/ttyUSB7 is not a serial port of this kiosk;
    allowed: simulator, /dev/ttyS0, /dev/ttyUSB0

The file:

    {"controller": {"url": "http://10.0.0.5:8000", "pairing_code": "K7QM-4ZP2"},
     "station": {"name": "东区大厅", "address": "...", "region_code": "331122001001",
                 "gps": [28.45, 119.92], "opening_hours": "08:00-20:00",
                 "help_phone": "0578-1234567"},
     "devices": {"id_card_reader": "/dev/ttyUSB0",
                 "receipt_printer": {"kind": "device", "path": "/dev/usb/lp0",
                                     "profile": "kiosk-80"},
                 "camera": "0", "social_card_reader": "pcsc"}}
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import ssl
import stat
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from drivers.ports import serial_ports
from drivers.printer import PROFILES
from pii.idnumber import region_name

if TYPE_CHECKING:  # imported where used: kiosk.config imports this module before every start
    import httpx

SETUP_FILE = "station.json"


class SetupError(ValueError):
    """A key of the station setup is wrong; `key` names it, `allowed` says what would do."""

    def __init__(self, key: str, problem: str, allowed: str) -> None:
        super().__init__(f"{key}: {problem}; allowed: {allowed}")
        self.key = key
        self.problem = problem
        self.allowed = allowed


# key -> what it allows, in words a technician reads (also served as the schema).
SCHEMA: dict[str, str] = {
    "controller.url": "an http:// or https:// URL of a controller that answers /healthz",
    "controller.pairing_code": "a code from the controller's enrollment page (optional)",
    "controller.preauthorised": "true when the controller lists this kiosk's serial",
    "station.name": "1 to 200 characters",
    "station.address": "up to 300 characters",
    "station.region_code": "12 digits down to the village (9: township), of a county in GB/T 2260",
    "station.gps": "[latitude, longitude] in China: 3 to 54 N, 73 to 136 E",
    "station.opening_hours": "HH:MM-HH:MM, or 24h",
    "station.help_phone": "digits, spaces, + and -, 5 to 20 characters",
    "devices.id_card_reader": "simulator, or a serial port of this kiosk",
    "devices.receipt_printer.kind": "file, device or simulator",
    "devices.receipt_printer.path": "a folder (file), a transport URL (device)",
    "devices.receipt_printer.profile": ", ".join(sorted(PROFILES)),
    "devices.camera": "none, simulator, a camera index or /dev/videoN",
    "devices.social_card_reader": "none, pcsc or simulator",
}

_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{3,18}[0-9]$")


@dataclass(frozen=True)
class PrinterChoice:
    """Which receipt printer: kind, where, which profile."""

    kind: str = "file"
    path: str = "receipts"
    profile: str = "kiosk-80"


@dataclass(frozen=True)
class StationSetup:
    """The whole setup, checked."""

    controller_url: str
    name: str
    pairing_code: str = ""
    preauthorised: bool = False
    address: str = ""
    region_code: str = ""
    gps: tuple[float, float] | None = None
    opening_hours: str = ""
    help_phone: str = ""
    id_card_reader: str = "simulator"
    receipt_printer: PrinterChoice = field(default_factory=PrinterChoice)
    camera: str = "none"
    social_card_reader: str = "none"

    def as_json(self) -> dict[str, Any]:
        """The setup in the file's shape (the pairing code left out: it works once)."""
        return {
            "controller": {"url": self.controller_url, "preauthorised": self.preauthorised},
            "station": {
                "name": self.name,
                "address": self.address,
                "region_code": self.region_code,
                "gps": list(self.gps) if self.gps else None,
                "opening_hours": self.opening_hours,
                "help_phone": self.help_phone,
            },
            "devices": {
                "id_card_reader": self.id_card_reader,
                "receipt_printer": asdict(self.receipt_printer),
                "camera": self.camera,
                "social_card_reader": self.social_card_reader,
            },
        }


def _char_device(path: str) -> bool:
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


def default_ports() -> set[str]:
    """Serial ports of this kiosk (a pty of a simulator counts: it is a character device)."""
    return serial_ports()


def _table(data: Mapping[str, Any], name: str, keys: set[str]) -> Mapping[str, Any]:
    raw = data.get(name, {})
    if not isinstance(raw, Mapping):
        raise SetupError(name, "is not a table", f"a table of {', '.join(sorted(keys))}")
    unknown = sorted(set(raw) - keys)
    if unknown:
        raise SetupError(f"{name}.{unknown[0]}", "is not a key", ", ".join(sorted(keys)))
    return raw


def _text(raw: Mapping[str, Any], table: str, key: str, limit: int, *, need: bool = False) -> str:
    value = raw.get(key, "")
    name = f"{table}.{key}"
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise SetupError(name, f"is {type(value).__name__}, not text", SCHEMA[name])
    value = value.strip()
    if need and not value:
        raise SetupError(name, "is missing", SCHEMA[name])
    if len(value) > limit:
        raise SetupError(name, f"is {len(value)} characters long", SCHEMA[name])
    return value


def check_region_code(code: str) -> str:
    """A station's region code down to the township or village, its county in GB/T 2260."""
    key = "station.region_code"
    if not re.fullmatch(r"[1-9]\d{8}(\d{3})?", code):
        raise SetupError(key, f"{code!r} is not 9 or 12 digits", SCHEMA[key])
    if code.endswith("000"):
        raise SetupError(key, f"{code} stops above the township", SCHEMA[key])
    if region_name(code[:6]) is None:
        raise SetupError(key, f"county {code[:6]} is not in GB/T 2260", SCHEMA[key])
    return code


def parse_setup(
    data: Mapping[str, Any],
    *,
    ports: Callable[[], set[str]] = default_ports,
) -> StationSetup:
    """Check a setup (the file's shape); SetupError names the first wrong key."""
    unknown = sorted(set(data) - {"controller", "station", "devices"})
    if unknown:
        raise SetupError(unknown[0], "is not a table of the setup", "controller, station, devices")
    controller = _table(data, "controller", {"url", "pairing_code", "preauthorised"})
    station = _table(
        data,
        "station",
        {"name", "address", "region_code", "gps", "opening_hours", "help_phone"},
    )
    devices = _table(
        data, "devices", {"id_card_reader", "receipt_printer", "camera", "social_card_reader"}
    )
    url = _text(controller, "controller", "url", 300, need=True)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SetupError(
            "controller.url", f"{url!r} is not an http(s) URL", SCHEMA["controller.url"]
        )
    preauthorised = controller.get("preauthorised", False)
    if not isinstance(preauthorised, bool):
        raise SetupError("controller.preauthorised", "is not true or false", "true, false")
    region = _text(station, "station", "region_code", 12)
    gps = station.get("gps")
    if gps is not None:
        ok = (
            isinstance(gps, list | tuple)
            and len(gps) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in gps)
        )
        if not ok or not (3 <= gps[0] <= 54 and 73 <= gps[1] <= 136):
            raise SetupError(
                "station.gps", f"{gps!r} is not a place in China", SCHEMA["station.gps"]
            )
        gps = (float(gps[0]), float(gps[1]))
    hours = _text(station, "station", "opening_hours", 11)
    if hours and hours != "24h" and not _HOURS.match(hours):
        raise SetupError("station.opening_hours", f"{hours!r}", SCHEMA["station.opening_hours"])
    phone = _text(station, "station", "help_phone", 20)
    if phone and not _PHONE.match(phone):
        raise SetupError("station.help_phone", f"{phone!r}", SCHEMA["station.help_phone"])
    return StationSetup(
        controller_url=url,
        pairing_code=_text(controller, "controller", "pairing_code", 32),
        preauthorised=preauthorised,
        name=_text(station, "station", "name", 200, need=True),
        address=_text(station, "station", "address", 300),
        region_code=check_region_code(region) if region else "",
        gps=gps,
        opening_hours=hours,
        help_phone=phone,
        id_card_reader=_reader(devices, ports),
        receipt_printer=_printer(devices),
        camera=_camera(devices),
        social_card_reader=_choice(devices, "social_card_reader", ("none", "pcsc", "simulator")),
    )


def is_serial_port(path: str, ports: Callable[[], set[str]] = default_ports) -> bool:
    """True when `path` is one of this machine's serial ports (or a character device: the
    pty of a simulator, a port the listing misses)."""
    return path in ports() or _char_device(path)


def _reader(devices: Mapping[str, Any], ports: Callable[[], set[str]]) -> str:
    key = "devices.id_card_reader"
    value = _text(devices, "devices", "id_card_reader", 200) or "simulator"
    if value == "simulator":
        return value
    if not is_serial_port(value, ports):
        allowed = ", ".join(["simulator", *sorted(ports())])
        raise SetupError(key, f"{value} is not a serial port of this kiosk", allowed)
    return value


def _printer(devices: Mapping[str, Any]) -> PrinterChoice:
    raw = _table(devices, "receipt_printer", {"kind", "path", "profile"})
    if "receipt_printer" not in devices:
        return PrinterChoice()
    table = "devices.receipt_printer"
    kind = _text(raw, table, "kind", 20) or "file"
    if kind not in ("file", "device", "simulator"):
        raise SetupError(f"{table}.kind", repr(kind), SCHEMA[f"{table}.kind"])
    path = _text(raw, table, "path", 300) or "receipts"
    if kind == "device" and "path" not in raw:
        raise SetupError(f"{table}.path", "is missing for a device", SCHEMA[f"{table}.path"])
    profile = _text(raw, table, "profile", 40) or "kiosk-80"
    if profile not in PROFILES:
        raise SetupError(f"{table}.profile", f"{profile!r} is not a printer profile",
                         SCHEMA[f"{table}.profile"])  # fmt: skip
    return PrinterChoice(kind, path, profile)


def _camera(devices: Mapping[str, Any]) -> str:
    value = _text(devices, "devices", "camera", 200) or "none"
    if value in ("none", "simulator") or value.isdigit() or value.startswith("/dev/video"):
        return value
    raise SetupError("devices.camera", repr(value), SCHEMA["devices.camera"])


def _choice(devices: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = _text(devices, "devices", key, 40) or allowed[0]
    if value not in allowed:
        raise SetupError(f"devices.{key}", repr(value), ", ".join(allowed))
    return value


def why_unreachable(url: str, err: httpx.HTTPError, timeout: float) -> str:
    """What stopped a request to `url`, in words a technician acts on: the name not found
    (DNS), the connection refused, no answer in time, no route, or TLS."""
    import httpx

    parts = urlsplit(url)
    host = parts.hostname or url
    port = parts.port or (443 if parts.scheme == "https" else 80)
    cause: BaseException | None = err
    root: BaseException = err
    while cause is not None:  # httpx wraps httpcore, which wraps the socket's own error
        root = cause
        cause = cause.__cause__ or cause.__context__
    if isinstance(root, socket.gaierror):
        return (
            f"the name {host} was not found (DNS): check its spelling and the kiosk's DNS"
            " server, or give the controller's IP address"
        )
    if isinstance(root, ConnectionRefusedError):
        return (
            f"{host} refused the connection on port {port} (nothing listens there): is the"
            " controller running, is the port right?"
        )
    if isinstance(err, httpx.ConnectTimeout):
        return (
            f"no answer from {host} port {port} in {timeout:g} s (connect timed out): a"
            " wrong address, a firewall, or the controller's machine is off"
        )
    if isinstance(err, httpx.TimeoutException):
        return (
            f"{host} port {port} took the connection but sent no answer in {timeout:g} s"
            " (timed out): is it the controller, and is it overloaded?"
        )
    if isinstance(root, ssl.SSLCertVerificationError):
        return f"TLS: the certificate of {host} is not trusted ({root.verify_message})"
    if isinstance(root, ssl.SSLError):
        hint = " (it speaks http://, not https://?)" if "WRONG_VERSION" in str(root) else ""
        return f"TLS: the secure connection to {host} port {port} failed{hint}"
    if isinstance(root, OSError) and root.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return f"no route to {host}: the kiosk's network does not reach that address"
    return f"{type(err).__name__}: {err}"


def check_controller(url: str, *, timeout: float = 5.0) -> None:
    """Raise SetupError naming controller.url when no controller answers /healthz there;
    the problem says what was tried and what stopped it (kiosk's side of the LAN)."""
    import httpx

    try:
        answer = httpx.get(url.rstrip("/") + "/healthz", timeout=timeout)
    except httpx.HTTPError as err:
        raise SetupError(
            "controller.url",
            f"{url} is unreachable from the kiosk: {why_unreachable(url, err, timeout)}",
            SCHEMA["controller.url"],
        ) from err
    if answer.status_code != 200 or "protocol_version" not in answer.text:
        raise SetupError(
            "controller.url",
            f"{url} answered {answer.status_code}, not as an e-station controller"
            " (a wrong port, or another web server there?)",
            SCHEMA["controller.url"],
        )


class SetupStore:
    """station.json in the data folder: written atomically, readable by the kiosk only."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / SETUP_FILE

    def load(self) -> StationSetup | None:
        """The saved setup (checked again, ports not: a port may be unplugged today)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return parse_setup(data, ports=lambda: {data["devices"]["id_card_reader"]})

    def save(self, setup: StationSetup) -> None:
        """Replace the file in one step."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(setup.as_json(), f, ensure_ascii=False, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
