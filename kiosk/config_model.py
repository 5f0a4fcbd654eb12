"""What kiosk.toml says, typed: one frozen section per table and `KioskConfig` over them
(read and checked by kiosk/config.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kiosk.nightly import NightPlan, Window


def check_ranges(section: object, *ranges: tuple[str, float, float]) -> None:
    """ValueError naming the first of `section`'s numbers outside its (name, low, high)."""
    for name, low, high in ranges:
        value = getattr(section, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} is a number, not {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{name} is {low} to {high}, not {value}")


# The sections below are frozen (read once, never changed) but compared by identity
# (eq=False): nothing compares two configurations field by field, and the generated
# equality and hash of eleven classes were a millisecond of every start before its menu.


@dataclass(frozen=True, eq=False)
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


@dataclass(frozen=True, eq=False)
class SocialCardConfig:
    """The social security card reader: `none`, `pcsc` (the system's pcscd; `reader` empty
    means any reader), or `simulator` (pcscd with vsmartcard's virtual reader, for the demo)."""

    kind: str = "none"
    reader: str = ""


@dataclass(frozen=True, eq=False)
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


@dataclass(frozen=True, eq=False)
class PrinterConfig:
    """Where receipts go: `file` (a folder, one file per receipt), `device` (a transport
    URL in `path`), or `simulator` (a simulated printer on a pty drawing into the folder)."""

    kind: str = "file"
    path: str = "receipts"
    profile: str = "kiosk-80"
    preview: bool = True


# What may stand behind [voice] backend: espeak-ng, or nothing at all.
VOICE_BACKENDS = ("espeak", "silent")


@dataclass(frozen=True, eq=False)
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


@dataclass(frozen=True, eq=False)
class SyncConfig:
    """How the kiosk talks to its controller and how much its outbox may hold.

    `outbox_capacity` rows (more than 30 days of a busy station at 50,000); at the limit
    the kiosk stops taking applications and says why. Rows the controller refused or the
    kiosk could not read keep their personal data `retention_days`. After an outage the
    backlog is sent at `drain_rows_per_second` at most (0: no limit).
    """

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    drain_rows_per_second: float = 20.0
    outbox_capacity: int = 50_000
    retention_days: int = 30

    def __post_init__(self) -> None:
        check_ranges(
            self,
            ("connect_timeout", 0.5, 60),
            ("read_timeout", 1, 300),
            ("drain_rows_per_second", 0, 10_000),
            ("outbox_capacity", 100, 10_000_000),
            ("retention_days", 1, 3650),
        )


@dataclass(frozen=True, eq=False)
class ProvisioningConfig:
    """The local provisioning API and the LAN announcement (kiosk/provisioning_rig.py):
    `enabled`, the API's `host` and `port`, `addresses` to announce (empty: this machine's
    LAN addresses; listing one, even 127.0.0.1, announces exactly those)."""

    enabled: bool = False
    host: str = "0.0.0.0"  # noqa: S104 - a technician's laptop on the LAN reaches it
    port: int = 8470
    addresses: tuple[str, ...] = ()
    advertise: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise ValueError("port is a number")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port is 0 to 65535, not {self.port}")
        object.__setattr__(self, "addresses", tuple(self.addresses))


@dataclass(frozen=True, eq=False)
class NightConfig:
    """[night]: dim the idle screen and restart between visits, in station time (HH:MM).

    An empty `dim_from` or `restart_from` switches that off. Dimming starts once nobody has
    touched the screen for `dim_after_idle_seconds`; a touch brings the full brightness back.
    """

    dim_from: str = "22:00"
    dim_to: str = "06:00"
    dim_level: float = 0.4
    dim_after_idle_seconds: float = 60.0
    restart_from: str = "03:00"
    restart_to: str = "04:30"
    restart_idle_seconds: float = 120.0

    def __post_init__(self) -> None:
        level = self.dim_level
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0.05 <= level <= 1:
            raise ValueError(f"dim_level is 0.05 to 1, not {level!r}")
        for key in ("dim_after_idle_seconds", "restart_idle_seconds"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{key} is a number of seconds, not {value!r}")
        self.plan()  # the times parse

    def plan(self) -> NightPlan:
        """The schedule the UI follows."""
        return NightPlan(
            dim=Window.parse(self.dim_from, self.dim_to) if self.dim_from else None,
            dim_level=float(self.dim_level),
            dim_after_idle_seconds=float(self.dim_after_idle_seconds),
            restart=Window.parse(self.restart_from, self.restart_to) if self.restart_from else None,
            restart_idle_seconds=float(self.restart_idle_seconds),
        )


@dataclass(frozen=True, eq=False)
class ContentConfig:
    """[content]: the kiosk's kept copy of the county's public content (kiosk/content_store.py).

    Every source is fetched on start and every `refresh_seconds`; a copy older than
    `max_age_hours` is not shown (the kiosk says it cannot reach the service centre).
    """

    refresh_seconds: float = 900.0
    max_age_hours: float = 168.0

    def __post_init__(self) -> None:
        check_ranges(self, ("refresh_seconds", 60, 86_400), ("max_age_hours", 1, 24 * 90))


@dataclass(frozen=True, eq=False)
class MaintenanceConfig:
    """[maintenance]: where the technician's PIN hash is (`estation-kiosk set-pin` writes it);
    relative to kiosk.toml's folder."""

    pin_file: Path = Path("maintenance.pin")


@dataclass(frozen=True, eq=False)
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
    # Where a technician installed it (station.json): the controller places it there.
    address: str = ""
    region_code: str = ""
    # The rest of the station's facts (station.json), sent to the controller at enrollment
    # for its kiosk page: (latitude, longitude), "08:00-20:00" or "24h".
    gps: tuple[float, float] | None = None
    opening_hours: str = ""
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
    sync: SyncConfig = field(default_factory=SyncConfig)
    content: ContentConfig = field(default_factory=ContentConfig)
    model: str = "ES-300"
    provisioning: ProvisioningConfig = field(default_factory=ProvisioningConfig)
    night: NightConfig = field(default_factory=NightConfig)
    maintenance: MaintenanceConfig = field(default_factory=MaintenanceConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    # A short fingerprint of kiosk.toml as loaded, reported in the heartbeat's vitals so
    # ops see which kiosks run a changed configuration ("" when not loaded from a file).
    config_version: str = ""
    # Where each setting came from, so a problem found at start names the right key:
    # kiosk.toml, and station.json when a technician's setup overlays it ("" when none).
    source: str = ""
    setup_source: str = ""

    @property
    def provisioned(self) -> bool:
        """False while no controller is known: the kiosk waits for a technician."""
        return bool(self.controller_url)

    @property
    def voice_clips_dir(self) -> Path | None:
        """Folder of the county's recorded prompts, or None when it has none."""
        return Path(self.voice.clips) if self.voice.clips else None

    @property
    def receipt_dir(self) -> Path:
        """Folder for receipt files and previews when printing to files."""
        path = Path(self.receipt_printer.path)
        return path if path.is_absolute() else self.data_dir / path
