"""Kiosk configuration: one TOML file, read once at start, typed and checked."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar


class ConfigError(ValueError):
    """The configuration file is wrong; the message names the key."""


@dataclass(frozen=True)
class IdCardConfig:
    """Where the ID card reader is: `simulator`, or `serial` at a pyserial URL."""

    kind: str = "simulator"
    url: str = ""
    baudrate: int = 115200


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
    A session ends early when nobody has been in front for `walk_away_seconds`."""

    kind: str = "none"
    source: str = "0"
    walk_away_seconds: float = 30.0


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
    enrollment_token: str
    site: str = ""
    lang: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    services: tuple[str, ...] = ()  # () offers every service of the catalog manifest
    idcard: IdCardConfig = field(default_factory=IdCardConfig)
    socialcard: SocialCardConfig = field(default_factory=SocialCardConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)

    @property
    def receipt_dir(self) -> Path:
        """Folder for receipt files and previews when printing to files."""
        path = Path(self.printer.path)
        return path if path.is_absolute() else self.data_dir / path


# The device kinds each section accepts; anything else would silently be taken for another.
_KINDS: dict[str, tuple[str, ...]] = {
    "idcard": ("simulator", "serial"),
    "socialcard": ("none", "pcsc", "simulator"),
    "camera": ("none", "device", "simulator"),
    "printer": ("file", "device", "simulator"),
}


_Section = TypeVar("_Section", IdCardConfig, SocialCardConfig, CameraConfig, PrinterConfig)


def _section(data: dict[str, Any], name: str, cls: type[_Section], source: Path) -> _Section:
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
        where = {"idcard": "url", "printer": "path", "camera": "source"}[name]
        raise ConfigError(f"{source}: [{name}] kind = {kind!r} needs `{where}`")
    try:
        return cls(**raw)
    except TypeError as err:
        raise ConfigError(f"{source}: [{name}] {err}") from err


def load_config(path: Path) -> KioskConfig:
    """Read a kiosk TOML file; relative paths are relative to the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: {err}") from err
    kiosk = data.get("kiosk", {})
    controller = data.get("controller", {})
    try:
        token = (
            controller.get("enrollment_token")
            or Path(path.parent, controller["enrollment_token_file"])
            .read_text(encoding="utf-8")
            .strip()
        )
        data_dir = Path(path.parent, kiosk.get("data_dir", "data"))
        return KioskConfig(
            hardware_id=kiosk["hardware_id"],
            name=kiosk["name"],
            site=kiosk.get("site", ""),
            lang=kiosk.get("lang", "zh-CN"),
            timezone=kiosk.get("timezone", "Asia/Shanghai"),
            services=tuple(kiosk.get("services", ())),
            data_dir=data_dir,
            controller_url=controller["url"],
            enrollment_token=token,
            idcard=_section(data, "idcard", IdCardConfig, path),
            socialcard=_section(data, "socialcard", SocialCardConfig, path),
            camera=_section(data, "camera", CameraConfig, path),
            printer=_section(data, "printer", PrinterConfig, path),
        )
    except KeyError as err:
        raise ConfigError(f"{path}: missing key {err.args[0]}") from err
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the enrollment token file: {err}") from err
