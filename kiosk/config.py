"""Kiosk configuration: one TOML file, read once at start, typed and checked."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import tomllib
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from kiosk.config_model import (
    CameraConfig,
    ContentConfig,
    IdCardConfig,
    KioskConfig,
    MaintenanceConfig,
    NightConfig,
    PrinterConfig,
    ProvisioningConfig,
    SocialCardConfig,
    SyncConfig,
    VoiceConfig,
)
from wire.vocabulary import DeviceKind

log = logging.getLogger(__name__)

# The technician's station setup in the data folder (kiosk/station_setup.py SETUP_FILE).
# That module (its checks, the printer profiles, the region table's reader) loads only for
# a station that has the file, or for the checks behind the start, not before every menu.
SETUP_FILE = "station.json"


class ConfigError(ValueError):
    """The configuration file is wrong; the message names the key."""


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


_TABLES = frozenset(
    {
        "kiosk",
        "controller",
        "sync",
        "content",
        "provisioning",
        "night",
        "maintenance",
        "voice",
        *DeviceKind,
    }
)

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


_Table = TypeVar(
    "_Table", SyncConfig, ContentConfig, ProvisioningConfig, NightConfig, MaintenanceConfig
)


def _table(data: dict[str, Any], name: str, cls: type[_Table], source: Path) -> _Table:
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    unknown = sorted(set(raw) - {f.name for f in fields(cls)})
    if unknown:
        raise ConfigError(f"{source}: [{name}] unknown key(s) {', '.join(unknown)}")
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
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
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
    _check_url(controller.get("url", ""), path)
    try:
        data_dir = Path(path.parent, kiosk.get("data_dir", "data"))
        config = KioskConfig(
            hardware_id=kiosk["hardware_id"],
            name=kiosk["name"],
            site=kiosk.get("site", ""),
            lang=kiosk.get("lang", "zh-CN"),
            timezone=kiosk.get("timezone", "Asia/Shanghai"),
            services=tuple(kiosk.get("services", ())),
            help_phone=_phone(kiosk, "help_phone", "", path),
            hotline=_phone(kiosk, "hotline", "12333", path) or "12333",
            data_dir=data_dir,
            # No URL: an unprovisioned kiosk, waiting for a technician (station.json).
            controller_url=controller.get("url", ""),
            model=kiosk.get("model", "ES-300"),
            provisioning=_table(data, "provisioning", ProvisioningConfig, path),
            pairing_code=str(controller.get("pairing_code", "")).strip(),
            id_card_reader=_section(data, DeviceKind.ID_CARD_READER, IdCardConfig, path),
            social_card_reader=_section(
                data, DeviceKind.SOCIAL_CARD_READER, SocialCardConfig, path
            ),
            camera=_section(data, DeviceKind.CAMERA, CameraConfig, path),
            receipt_printer=_section(data, DeviceKind.RECEIPT_PRINTER, PrinterConfig, path),
            sync=_table(data, "sync", SyncConfig, path),
            content=_table(data, "content", ContentConfig, path),
            night=_table(data, "night", NightConfig, path),
            maintenance=MaintenanceConfig(
                Path(path.parent, _table(data, "maintenance", MaintenanceConfig, path).pin_file)
            ),
            voice=_voice(data, path),
            config_version=hashlib.sha256(text.encode("utf-8")).hexdigest()[:12],
            source=str(path),
        )
    except KeyError as err:
        raise ConfigError(f"{path}: missing key {err.args[0]}") from err
    return _with_setup(config, path)


def _with_setup(config: KioskConfig, source: Path) -> KioskConfig:
    """kiosk.toml overlaid with what a technician set (station.json in the data folder)."""
    if not (config.data_dir / SETUP_FILE).exists():
        return config
    from kiosk.station_setup import SetupError, SetupStore

    try:
        setup = SetupStore(config.data_dir).load()
    except SetupError as err:
        raise ConfigError(f"{config.data_dir / SETUP_FILE}: {err}") from err
    if setup is None:
        return config
    reader = setup.id_card_reader
    camera = setup.camera
    printer = setup.receipt_printer
    return replace(
        config,
        controller_url=setup.controller_url,
        name=setup.name,
        # The station is the site: its name, address and region go to the controller,
        # which places the kiosk in its region tree at enrollment.
        site=setup.name[:200],
        address=setup.address,
        region_code=setup.region_code,
        gps=setup.gps,
        opening_hours=setup.opening_hours,
        setup_source=str(config.data_dir / SETUP_FILE),
        # The station's own help phone, which the one-key help shows beside the hotline.
        help_phone=setup.help_phone or config.help_phone,
        id_card_reader=replace(
            config.id_card_reader,
            kind="simulator" if reader == "simulator" else "serial",
            url="" if reader == "simulator" else reader,
        ),
        receipt_printer=replace(
            config.receipt_printer, kind=printer.kind, path=printer.path, profile=printer.profile
        ),
        camera=replace(
            config.camera,
            kind=camera if camera in ("none", "simulator") else "device",
            source=config.camera.source if camera in ("none", "simulator") else camera,
        ),
        social_card_reader=replace(config.social_card_reader, kind=setup.social_card_reader),
    )


def _check_url(url: Any, source: Path) -> None:
    """ConfigError naming [controller] url unless it is empty or an http(s) URL with a host."""
    if url == "":
        return
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{source}: [controller] url {url!r} is not an http:// or https:// URL with a"
            ' host, e.g. "http://10.0.0.5:8000"; leave it out on a kiosk a technician will'
            " provision"
        )


def problems_at_start(
    config: KioskConfig,
    *,
    ports: Callable[[], set[str]] | None = None,
    timeout: float = 5.0,
) -> list[str]:
    """What the file says that this machine does not have, each naming its key and what
    is allowed: a serial port that is not there, a controller that does not answer.

    Not refusals: a USB reader may be unplugged today and the controller down for an hour,
    and the kiosk serves what it can offline. They are logged at start (`warn_at_start`).
    """
    from kiosk.station_setup import SetupError, check_controller, default_ports, is_serial_port

    ports = ports or default_ports
    problems: list[str] = []
    from_setup = bool(config.setup_source)
    reader = config.id_card_reader
    # A pyserial URL (socket://, rfc2217://) is a port on the network, not on this machine.
    local = reader.kind == "serial" and "://" not in reader.url
    if local and not is_serial_port(reader.url, ports):
        where = (
            f"{config.setup_source}: devices.id_card_reader"
            if from_setup
            else f"{config.source}: [id_card_reader] url"
        )
        allowed = ", ".join(["simulator", *sorted(ports())])
        problems.append(
            f"{where}: {reader.url} is not a serial port of this kiosk; allowed: {allowed}"
            " (the kiosk starts with the ID card reader missing)"
        )
    if config.controller_url:
        try:
            check_controller(config.controller_url, timeout=timeout)
        except SetupError as err:
            where = (
                f"{config.setup_source}: controller.url"
                if from_setup
                else f"{config.source}: [controller] url"
            )
            problems.append(
                f"{where}: {err.problem}; allowed: {err.allowed} (the kiosk works offline"
                " and keeps trying)"
            )
    return problems


def warn_at_start(config: KioskConfig) -> threading.Thread:
    """Log `problems_at_start` from a thread (the controller may take seconds to time out)."""

    def check() -> None:
        for problem in problems_at_start(config):
            log.warning("config_problem %s", problem)

    thread = threading.Thread(target=check, name="config-check", daemon=True)
    thread.start()
    return thread
