"""Version-1 messages of the kiosk as a fleet member: enrollment, heartbeat and vitals,
updates, the catalog report, maintenance events, self-test, remote commands and the target
state. The protocol is described in wire/v1.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from wire.base import (
    Count,
    HardwareId,
    Key,
    KioskTime,
    Message,
    PairingCode,
    RegionCode,
    ShortText,
)
from wire.citizen import (
    ServiceCode,
)
from wire.codes import (
    MAX_ATTACHMENT_CHARS,
    MAX_CATALOG_TITLES,
    MAX_COMMANDS,
    MAX_COUNT,
    MAX_PIN_FAILURES,
    MAX_SELFTEST_CHECKS,
    RELEASE_VERSION_PATTERN,
    CommandKind,
    CommandState,
    DeviceState,
    EnrollmentState,
    KioskStatus,
    MaintenanceEventKind,
    MaintenanceExit,
    TargetOutcome,
    UpdateOutcome,
)
from wire.content import (
    Bilingual,
)
from wire.vocabulary import DeviceKind


class RegisterRequest(Message):
    """A kiosk asks to join the fleet, identified by its hardware id.

    Known hardware sends its current device token as `Authorization` (proof), or a fresh
    `pairing_code`; new hardware sends a code, or nothing (pending approval).
    """

    hardware_id: HardwareId
    name: ShortText
    site: ShortText = ""
    software_version: ShortText = ""
    pairing_code: PairingCode | None = None
    # Where the technician installed it (provisioning's station setup): the controller
    # places the kiosk there in its region tree, `site` as the site's name. None: the
    # kiosk does not say, and stays where ops put it.
    region_code: RegionCode | None = None
    address: Annotated[str, StringConstraints(max_length=300)] = ""
    # The rest of the station's facts, for its page on the controller (None or "": the
    # kiosk does not say). WGS-84 degrees; opening hours "08:00-20:00" or "24h"; the
    # station's own help phone.
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    opening_hours: Annotated[str, StringConstraints(max_length=11)] = ""
    help_phone: Annotated[str, StringConstraints(max_length=20)] = ""


class RegisterResponse(Message):
    """The controller's answer: the kiosk's id, the token it signs every later call with,
    and whether it may work yet (`pending`: ask `kiosks/me` until it is `active`)."""

    kiosk_id: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{4,16}$")]
    device_token: str
    heartbeat_seconds: int = 60
    state: EnrollmentState = EnrollmentState.ACTIVE


class EnrollmentStatus(Message):
    """What `kiosks/me` answers: the kiosk's id and state."""

    kiosk_id: str
    state: EnrollmentState
    heartbeat_seconds: int = 60


class RotateResponse(Message):
    """A new device token; the old one works until this one is first used."""

    device_token: str


class DeviceHealth(Message):
    """One device's state with a reason a person understands."""

    state: DeviceState
    reason: ShortText = ""


Megabytes = Annotated[float, Field(ge=0, le=1e9)]

Seconds = Annotated[float, Field(ge=0, le=1e10)]

Percent = Annotated[float, Field(ge=0, le=100)]


class KioskVitals(Message):
    """What ops need to judge a kiosk from afar; every field optional (None: not measured),
    so a kiosk that cannot read one still reports the others."""

    disk_free_mb: Megabytes | None = None  # free space where the kiosk keeps its data
    memory_available_mb: Megabytes | None = None  # the machine's MemAvailable
    process_rss_mb: Megabytes | None = None  # resident memory of the kiosk program
    uptime_seconds: Seconds | None = None  # since the kiosk program started
    catalog_version: Count | None = None
    config_version: Annotated[str, StringConstraints(max_length=64)] | None = None
    outbox_failed: Count | None = None  # refused for good by the controller
    outbox_quarantined: Count | None = None  # unreadable or invalid, set aside
    outbox_used_percent: Percent | None = None  # held rows against the capacity
    oldest_pending_seconds: Seconds | None = None  # age of the oldest row not yet delivered
    # Controller time minus kiosk time, from the last heartbeat answer; may be negative.
    clock_skew_seconds: Annotated[float, Field(ge=-1e10, le=1e10)] | None = None


Capability = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]

ReleaseVersion = Annotated[str, StringConstraints(pattern=RELEASE_VERSION_PATTERN)]


class ReleaseOffer(Message):
    """The release a kiosk should run: fetch it from GET releases/{version}/bundle.

    `signature` is the bundle's minisign signature (wire/release.py); the kiosk checks the
    bundle with the key pinned at provisioning, never trusting these fields alone.
    """

    version: ReleaseVersion
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    size: Annotated[int, Field(gt=0, le=MAX_COUNT)]
    signature: Annotated[str, StringConstraints(max_length=1000)]


class UpdateReport(Message):
    """A kiosk tells what became of a release; `reason` is a code (wire/release.py)."""

    version: ReleaseVersion
    outcome: UpdateOutcome
    reason: ShortText = ""
    running_version: ShortText = ""
    at: KioskTime


class UpdateReportAck(Message):
    """The controller recorded the report."""

    recorded: bool = True


class Heartbeat(Message):
    """Sent every `heartbeat_seconds`: the kiosk is alive and this is how it feels.

    `vitals` came later: a kiosk that does not send them is understood as before."""

    sent_at: KioskTime
    status: KioskStatus
    software_version: ShortText = ""
    devices: dict[DeviceKind, DeviceHealth] = Field(default_factory=dict, max_length=32)
    outbox_pending: Count = 0
    # How many times the kiosk program started in the last hour, this run included (0: not
    # reported). Several means it keeps crashing: the controller raises crash_loop.
    starts_last_hour: Count = 0
    vitals: KioskVitals | None = None
    # What this kiosk understands in an answer (CAPABILITY_UPDATES...): the controller sends
    # a newer HeartbeatAck field only to kiosks that name it, since older kiosks refuse
    # unknown fields. Unknown names are kept and ignored, so newer kiosks are not refused.
    capabilities: frozenset[Capability] = Field(default_factory=frozenset, max_length=32)


class HeartbeatAck(Message):
    """The controller's time, so a kiosk can see its clock drift; `rotate_credential`
    asks the kiosk to rotate its device token (POST kiosks/rotate).

    `commands` and `next_heartbeat_seconds` came later and go only to a kiosk whose
    heartbeat named CAPABILITY_COMMANDS; left out of the JSON when empty, so a kiosk of the
    first release (which refuses unknown fields) reads every answer it is sent.
    """

    server_time: dt.datetime
    rotate_credential: bool = False
    commands: list[Command] = Field(default_factory=list, max_length=MAX_COMMANDS)
    # Beat again this soon, once (commands waiting or running): the nudge that makes a
    # command ops just sent run within seconds rather than at the next regular beat.
    next_heartbeat_seconds: Annotated[int, Field(ge=1, le=3600)] | None = None
    # The release this kiosk should run (docs/updates.md); only to kiosks that say
    # CAPABILITY_UPDATES. None: stay on the running version.
    release: ReleaseOffer | None = None
    # The version of the catalog and settings this kiosk should run (GET target); "" for
    # none set: the catalog it ships with. Only to kiosks that say CAPABILITY_TARGET.
    target_version: TargetVersion | None = None

    @model_serializer(mode="wrap")
    def _leave_out_later_fields(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A kiosk of the first release refuses fields it does not know, even empty ones.
        data: dict[str, Any] = handler(self)
        if not self.commands:
            data.pop("commands", None)
        for name in ("next_heartbeat_seconds", "release", "target_version"):
            if getattr(self, name) is None:
                data.pop(name, None)
        return data


# -- a technician at the kiosk: maintenance events --------------------------------------


class MaintenanceEventIn(Message):
    """One maintenance event, for the controller's record of who worked on a kiosk when.

    Sent through the outbox like a staff call (`key` makes a retry a duplicate) to POST
    maintenance-events; a controller older than this endpoint answers 404 and the kiosk
    keeps the event in its own journal only. Facts, never people: the PIN is shared by the
    station's technicians, so there is no name to send, and the digits typed are never
    sent (nor an out-of-service reason typed as free text).
    """

    key: Key
    created_at: KioskTime
    kind: MaintenanceEventKind
    # pin_failed and locked_out: wrong PINs in a row when it happened.
    failures: Annotated[int, Field(ge=1, le=MAX_PIN_FAILURES)] | None = None
    # locked_out: when the pad takes a PIN again (kiosk clock).
    locked_until: KioskTime | None = None
    # left: where the technician went.
    left_to: MaintenanceExit | None = None

    @model_validator(mode="after")
    def _fields_of_the_kind(self) -> MaintenanceEventIn:
        counted = (MaintenanceEventKind.PIN_FAILED, MaintenanceEventKind.LOCKED_OUT)
        wanted = {
            "failures": self.kind in counted,
            "locked_until": self.kind is MaintenanceEventKind.LOCKED_OUT,
            "left_to": self.kind is MaintenanceEventKind.LEFT,
        }
        for name, needed in wanted.items():
            given = getattr(self, name) is not None
            if needed and not given:
                raise ValueError(f"{name}: required for a {self.kind.value} event")
            if given and not needed:
                raise ValueError(f"{name}: not a field of a {self.kind.value} event")
        if self.locked_until is not None and self.locked_until <= self.created_at:
            raise ValueError("locked_until: must be after created_at")
        return self


class MaintenanceEventAck(Message):
    """Recorded, exactly once. `duplicate` is true when the key had been seen before."""

    key: Key
    duplicate: bool


# -- the kiosk's catalog: what its services are called ----------------------------------


class CatalogIn(Message):
    """The catalog a kiosk runs: its version and the title of every service id it may send.

    `titles` covers every flow of the catalog (the menu titles) and every service a bundle
    item files under, so the controller can name each transaction, bundle item and rating
    to the citizen without a table of its own.
    """

    version: Annotated[int, Field(ge=1, le=10**9, strict=True)]
    titles: dict[ServiceCode, Bilingual] = Field(min_length=1, max_length=MAX_CATALOG_TITLES)


class CatalogAck(Message):
    """The titles of catalog `version` are stored; `titles` says how many."""

    version: int
    titles: int


class SelfTestCheck(Message):
    """One device's self-test result: passed or not, what was seen, how long it took."""

    device: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    ok: bool
    detail: Annotated[str, StringConstraints(max_length=500)] = ""
    millis: Annotated[int, Field(ge=0, le=10**7)] = 0


class SelfTestReport(Message):
    """A kiosk's self-test, run by a technician at installation (POST kiosks/selftest);
    the controller keeps the latest one and shows it on the kiosk's page."""

    started_at: KioskTime
    checks: list[SelfTestCheck] = Field(min_length=1, max_length=MAX_SELFTEST_CHECKS)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(check.ok for check in self.checks)


class SelfTestAck(Message):
    """The report is stored; `ok` as the controller read it."""

    ok: bool


# -- Remote commands (controller/services/commands.py, kiosk/commands.py) ---------------
# Ops send a command from the kiosk page; the controller keeps it with a time to live and
# hands it to the kiosk in heartbeat answers (HeartbeatAck.commands) until the kiosk
# reports a result or it expires. The kiosk runs each id at most once (ids kept on disk)
# and answers POST commands/{id}/result; a command that reaches it after `expires_at` is
# refused unrun, and one it has already seen is never run again: its stored result is
# sent again instead.


class Command(Message):
    """One command for a kiosk, in a heartbeat answer."""

    id: Key
    kind: CommandKind
    issued_at: dt.datetime
    expires_at: dt.datetime
    # The out-of-service reason shown on screen (a message code or ops' own words).
    argument: ShortText = ""


class CommandResult(Message):
    """What came of a command: ran and succeeded, or failed or refused with the reason.

    `attachment` is a screenshot (PNG) or the recent log lines (UTF-8), base64-encoded.
    """

    ok: bool
    detail: Annotated[str, StringConstraints(max_length=2000)] = ""
    finished_at: KioskTime
    attachment_type: Literal["", "image/png", "text/plain"] = ""
    attachment: Annotated[str, StringConstraints(max_length=MAX_ATTACHMENT_CHARS)] = ""


class CommandResultAck(Message):
    """The command's state as the controller now records it (the first result wins)."""

    id: Key
    state: CommandState


# -- Target state (controller/services/targets.py, kiosk/target.py) ---------------------
# County staff or ops set what a county's kiosks offer (the services on the menu, each
# one's opening hours, the help phone), and ops may override it for one kiosk. The
# heartbeat answer names the version a kiosk should run; a kiosk that runs another fetches
# GET target, checks it whole with the catalog validator (flows/manifest.py), applies it
# between citizens' visits and answers POST target/report: applied, or rejected with the
# reason, keeping what it ran. The controller checks the shape only: it cannot read flows.

# A digest of the target's content, so the same settings are the same version anywhere;
# "" is "nothing set".
TargetVersion = Annotated[str, StringConstraints(pattern=r"^([0-9a-f]{16})?$")]

# A day key of the manifest (mon, mon-fri, daily, weekdays, weekend) and a span such as
# "08:30-17:30"; what they mean is the kiosk's catalog validator's to judge.
DayKey = Annotated[str, StringConstraints(pattern=r"^[a-z]{3,8}(-[a-z]{3})?$")]

Span = Annotated[str, StringConstraints(max_length=16)]

OpeningSpans = Annotated[
    dict[DayKey, Annotated[list[Span], Field(max_length=8)]], Field(max_length=7)
]


class TargetService(Message):
    """A service on the menu; `hours` None keeps the catalog's own opening hours."""

    flow: ServiceCode
    hours: Literal["always"] | OpeningSpans | None = None


class TargetState(Message):
    """What a kiosk should run: the services it offers (the rest are hidden) and settings.

    `help_phone` "" keeps the kiosk's own (kiosk.toml)."""

    version: TargetVersion
    services: list[TargetService] = Field(min_length=1, max_length=64)
    help_phone: Annotated[str, StringConstraints(max_length=32, pattern=r"^[0-9+() -]*$")] = ""


class TargetReport(Message):
    """A kiosk tells what became of a target; `reason` is the validator's words."""

    version: TargetVersion
    outcome: TargetOutcome
    reason: Annotated[str, StringConstraints(max_length=500)] = ""
    at: KioskTime


class TargetReportAck(Message):
    """The controller recorded the report."""

    recorded: bool = True


HeartbeatAck.model_rebuild()
