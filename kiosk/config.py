"""Kiosk configuration: one TOML file, read once at start, typed and checked."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from wire.vocabulary import DeviceKind


class ConfigError(ValueError):
    """The configuration file is wrong; the message names the key."""


@dataclass(frozen=True)
class IdCardConfig:
    """Where the ID card reader is: `simulator`, or `serial` at a pyserial URL."""

    kind: str = "simulator"
    url: str = ""
    baudrate: int = 115200
    # Seconds without a byte before a reply is given up (a slow module keeps it going).
    timeout: float = 2.0

    def __post_init__(self) -> None:
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, int | float):
            raise ValueError("timeout is a number of seconds")
        if not 0.2 <= self.timeout <= 30:
            raise ValueError(f"timeout is 0.2 to 30 seconds, not {self.timeout}")


@dataclass(frozen=True)
class SocialCardConfig:
    """The social security card reader: `none`, `pcsc` (the system's pcscd; `reader` empty
    means any reader), or `simulator` (pcscd with vsmartcard's virtual reader, for the demo)."""

    kind: str = "none"
    reader: str = ""


@dataclass(frozen=True)
class CameraConfig:
    """The front camera: `none`, `device` (`source` = index, /dev/videoN, a file or a
    %03d.png sequence) or `simulator` (a synthetic citizen standing in front, for the demo).
    A session ends early when nobody has been in front for `walk_away_seconds`. Faces are
    looked for in at most `analyse_fps` frames a second (each frame cost half a core)."""

    kind: str = "none"
    source: str = "0"
    walk_away_seconds: float = 30.0
    analyse_fps: float = 4.0

    def __post_init__(self) -> None:
        rate = self.analyse_fps
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            raise ValueError("analyse_fps is a number of frames a second")
        if not 0.1 <= rate <= 30:
            raise ValueError(f"analyse_fps is 0.1 to 30 frames a second, not {rate}")


@dataclass(frozen=True)
class PrinterConfig:
    """Where receipts go: `file` (a folder, one file per receipt), `device` (a transport
    URL in `path`), or `simulator` (a simulated printer on a pty drawing into the folder)."""

    kind: str = "file"
    path: str = "receipts"
    profile: str = "kiosk-80"
    preview: bool = True


@dataclass(frozen=True)
class KioskConfig:
    """Everything the composition root needs."""

    hardware_id: str
    name: str
    data_dir: Path
    controller_url: str
    # The one-time code an ops admin or technician issued for this kiosk; empty: the kiosk
    # enrolls as pending and waits for approval (or for its pre-authorised serial).
    pairing_code: str = ""
    site: str = ""
    lang: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    services: tuple[str, ...] = ()  # () offers every service of the catalog manifest
    # The one-key help (求助) shows these: the station's own staff phone, and the national
    # employment and social security hotline. Empty help_phone: the hotline alone.
    help_phone: str = ""
    hotline: str = "12333"
    # One section per device kind, named by wire.DeviceKind: [id_card_reader] ...
    id_card_reader: IdCardConfig = field(default_factory=IdCardConfig)
    social_card_reader: SocialCardConfig = field(default_factory=SocialCardConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    receipt_printer: PrinterConfig = field(default_factory=PrinterConfig)

    @property
    def receipt_dir(self) -> Path:
        """Folder for receipt files and previews when printing to files."""
        path = Path(self.receipt_printer.path)
        return path if path.is_absolute() else self.data_dir / path


# What stands behind each device section (`kind = ...`); anything else would silently be
# taken for another.
_KINDS: dict[DeviceKind, tuple[str, ...]] = {
    DeviceKind.ID_CARD_READER: ("simulator", "serial"),
    DeviceKind.SOCIAL_CARD_READER: ("none", "pcsc", "simulator"),
    DeviceKind.CAMERA: ("none", "device", "simulator"),
    DeviceKind.RECEIPT_PRINTER: ("file", "device", "simulator"),
}
# Where a `serial` or `device` section says which port, path or source it uses.
_WHERE = {
    DeviceKind.ID_CARD_READER: "url",
    DeviceKind.RECEIPT_PRINTER: "path",
    DeviceKind.CAMERA: "source",
}
# Section names of configuration files written before the device kinds had one name.
_RENAMED = {
    "idcard": DeviceKind.ID_CARD_READER,
    "socialcard": DeviceKind.SOCIAL_CARD_READER,
    "printer": DeviceKind.RECEIPT_PRINTER,
}


# A phone number as printed for a citizen: digits, with spaces, hyphens or a leading +.
_PHONE = re.compile(r"\+?[0-9][0-9 -]{1,18}[0-9]")


def _phone(kiosk: dict[str, Any], key: str, default: str, source: Path) -> str:
    value = kiosk.get(key, default)
    if not isinstance(value, str) or (value and not _PHONE.fullmatch(value.strip())):
        raise ConfigError(
            f'{source}: [kiosk] {key} is a phone number in quotes, e.g. "0578-3123456"'
        )
    return value.strip()


_TABLES = frozenset({"kiosk", "controller", *DeviceKind})

_Section = TypeVar("_Section", IdCardConfig, SocialCardConfig, CameraConfig, PrinterConfig)


def _section(data: dict[str, Any], name: DeviceKind, cls: type[_Section], source: Path) -> _Section:
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{source}: [{name}] unknown key(s) {', '.join(unknown)}")
    kind = raw.get("kind", getattr(cls(), "kind", None))
    if kind not in _KINDS[name]:
        raise ConfigError(f"{source}: [{name}] kind is one of {', '.join(_KINDS[name])}")
    if kind in ("serial", "device") and not (
        raw.get("url") or raw.get("path") or raw.get("source")
    ):
        where = _WHERE[name]
        raise ConfigError(f"{source}: [{name}] kind = {kind!r} needs `{where}`")
    try:
        return cls(**raw)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{source}: [{name}] {err}") from err


def load_config(path: Path) -> KioskConfig:
    """Read a kiosk TOML file; relative paths are relative to the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: {err}") from err
    for table in data:
        if table in _RENAMED:
            raise ConfigError(f"{path}: [{table}] is now called [{_RENAMED[table]}]")
        if table not in _TABLES:
            raise ConfigError(
                f"{path}: unknown table [{table}]; the tables are {', '.join(sorted(_TABLES))}"
            )
    kiosk = data.get("kiosk", {})
    controller = data.get("controller", {})
    if "enrollment_token" in controller or "enrollment_token_file" in controller:
        raise ConfigError(
            f"{path}: [controller] enrollment tokens are gone: ask ops for a pairing code"
            ' (pairing_code = "K7QM-4ZP2"), or leave it out and have the kiosk approved'
        )
    unknown = sorted(set(controller) - {"url", "pairing_code"})
    if unknown:
        raise ConfigError(f"{path}: [controller] unknown key(s) {', '.join(unknown)}")
    try:
        data_dir = Path(path.parent, kiosk.get("data_dir", "data"))
        return KioskConfig(
            hardware_id=kiosk["hardware_id"],
            name=kiosk["name"],
            site=kiosk.get("site", ""),
            lang=kiosk.get("lang", "zh-CN"),
            timezone=kiosk.get("timezone", "Asia/Shanghai"),
            services=tuple(kiosk.get("services", ())),
            help_phone=_phone(kiosk, "help_phone", "", path),
            hotline=_phone(kiosk, "hotline", "12333", path) or "12333",
            data_dir=data_dir,
            controller_url=controller["url"],
            pairing_code=str(controller.get("pairing_code", "")).strip(),
            id_card_reader=_section(data, DeviceKind.ID_CARD_READER, IdCardConfig, path),
            social_card_reader=_section(
                data, DeviceKind.SOCIAL_CARD_READER, SocialCardConfig, path
            ),
            camera=_section(data, DeviceKind.CAMERA, CameraConfig, path),
            receipt_printer=_section(data, DeviceKind.RECEIPT_PRINTER, PrinterConfig, path),
        )
    except KeyError as err:
        raise ConfigError(f"{path}: missing key {err.args[0]}") from err
