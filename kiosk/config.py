"""Kiosk configuration: one TOML file, read once at start, typed and checked."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
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


# What may stand behind [voice] backend: espeak-ng, or nothing at all.
VOICE_BACKENDS = ("espeak", "silent")


@dataclass(frozen=True)
class VoiceConfig:
    """The kiosk's voice (kiosk/speech/): `espeak` (espeak-ng, offline) or `silent`.

    `enabled`: spoken from the start of every visit (elder mode turns it on anyway; the
    header's speaker toggles it for one visit). `volume` is percent of espeak-ng's normal
    loudness (0-200), `rate` words a minute (80-450). `clips`: a folder of recorded prompts,
    `<lang>/<prompt id>.wav` (relative to the configuration file), played instead of the
    synthesiser where one exists.
    """

    backend: str = "espeak"
    enabled: bool = False
    volume: int = 100
    rate: int = 150
    clips: str = ""

    def __post_init__(self) -> None:
        if self.backend not in VOICE_BACKENDS:
            raise ValueError(f"backend is one of {', '.join(VOICE_BACKENDS)}")
        if not isinstance(self.enabled, bool):
            raise ValueError("enabled is true or false")
        for key, low, high in (("volume", 0, 200), ("rate", 80, 450)):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{key} is a whole number")
            if not low <= value <= high:
                raise ValueError(f"{key} is {low} to {high}, not {value}")
        if not isinstance(self.clips, str):
            raise ValueError("clips is a folder path")


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
    # One section per device kind, named by wire.DeviceKind: [id_card_reader] ...
    id_card_reader: IdCardConfig = field(default_factory=IdCardConfig)
    social_card_reader: SocialCardConfig = field(default_factory=SocialCardConfig)
    camera: CameraConfig = field(default_factory=CameraConfig)
    receipt_printer: PrinterConfig = field(default_factory=PrinterConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)

    @property
    def voice_clips_dir(self) -> Path | None:
        """Folder of the county's recorded prompts, or None when it has none."""
        return Path(self.voice.clips) if self.voice.clips else None

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


_TABLES = frozenset({"kiosk", "controller", "voice", *DeviceKind})

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


def _voice(data: dict[str, Any], source: Path) -> VoiceConfig:
    raw = data.get("voice", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [voice] must be a table")
    unknown = sorted(set(raw) - {f.name for f in fields(VoiceConfig)})
    if unknown:
        raise ConfigError(f"{source}: [voice] unknown key(s) {', '.join(unknown)}")
    try:
        voice = VoiceConfig(**raw)
    except ValueError as err:
        raise ConfigError(f"{source}: [voice] {err}") from err
    if voice.clips:
        # Relative to the configuration file, like data_dir.
        voice = replace(voice, clips=str(Path(source.parent, voice.clips)))
    return voice


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
            data_dir=data_dir,
            controller_url=controller["url"],
            pairing_code=str(controller.get("pairing_code", "")).strip(),
            id_card_reader=_section(data, DeviceKind.ID_CARD_READER, IdCardConfig, path),
            social_card_reader=_section(
                data, DeviceKind.SOCIAL_CARD_READER, SocialCardConfig, path
            ),
            camera=_section(data, DeviceKind.CAMERA, CameraConfig, path),
            receipt_printer=_section(data, DeviceKind.RECEIPT_PRINTER, PrinterConfig, path),
            voice=_voice(data, path),
        )
    except KeyError as err:
        raise ConfigError(f"{path}: missing key {err.args[0]}") from err
