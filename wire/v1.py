"""Version 1 of the kiosk-controller messages.

Schemas are split by direction: what a kiosk sends (`*Request`, `*In`, `Heartbeat`,
`ContentQuery`) and what the controller answers (`*Response`, `*Ack`, `ContentPage`), so
server-only fields never appear in what a kiosk may send. Unknown fields are refused, so a
typo on one side is an error, not silently lost data. Fields added since the first release
(`TransactionIn.items`, `.selected`, `.holds`, `.receipt_key`) have empty defaults: a kiosk
that does not send them is understood as before.

Endpoints (all under API_PREFIX, all but registration with `Authorization: Bearer <device
token>`; errors are `{"error": "..."}`, plus `"code"` (a stable ErrorCode a kiosk can act
on and show) and `"user_message"` in zh-CN where a citizen may be shown it):

    POST kiosks/register      RegisterRequest -> RegisterResponse  201 new, 200 again; 403; 409; 429
    GET  kiosks/me            -> EnrollmentStatus (a pending kiosk's token works here only) 200
    POST kiosks/rotate        (no body) -> RotateResponse                                  200
    POST heartbeat            Heartbeat -> HeartbeatAck               200; 422; 425
    POST transactions         TransactionIn -> TransactionAck  201 new, 200 retry; 409; 422; 425
    GET  content/{source}?... filters as query parameters -> ContentPage             200; 422
    POST content/{source}     ContentQuery -> ContentPage                            200; 422
    POST bookings/hold        HoldRequest -> HoldResponse      201 new, 200 retry; 404; 409
    POST ratings              RatingIn -> RatingAck           201 new, 200 retry; 404; 409
    POST my-applications      MyApplicationsRequest -> MyApplicationsResponse 200; 403; 429
    POST catalog              CatalogIn -> CatalogAck                              200; 422
    POST staff-calls          StaffCallIn -> StaffCallAck      201 new, 200 retry; 422; 425
    POST maintenance-events   MaintenanceEventIn -> MaintenanceEventAck  201, 200 retry; 422; 425
    POST commands/{id}/result CommandResult -> CommandResultAck  200 (again: 200); 404; 422
    GET  releases/{version}/bundle  -> the signed bundle's bytes (HeartbeatAck.release) 200; 404
    POST updates/report       UpdateReport -> UpdateReportAck                       200; 422
    GET  target               -> TargetState (HeartbeatAck.target_version)         200
    POST target/report        TargetReport -> TargetReportAck                       200; 422

Enrollment (docs/enrollment.md). There is no fleet-wide secret: a kiosk enrolls with a
one-time `pairing_code` an ops admin or technician issued (`K7QM-4ZP2`; case, dashes and
spaces do not matter), or with a hardware id ops pre-authorised, and is then `active`; with
neither it is `pending` until someone approves it, and its token answers only `kiosks/me`
(every other route: 403 `pending_approval`). Known hardware enrolls again only with its
current token as `Authorization` (proof) or a fresh code or pre-authorisation; anything else
is 409 `identity_conflict` and the kiosk holding the identity keeps it. A refused code is one
403 `pairing_code_refused` whether it was wrong, expired or used; too many refusals from one
address are 429. A token the controller revoked is 401 `credential_revoked` (decommissioned:
`credential_decommissioned`): the kiosk stops and waits for a technician instead of
enrolling again; an unknown token is 401 `credential_unknown`. `kiosks/rotate` answers a new
token; the old one keeps working until the new one is first used, so a lost answer loses
nothing. A heartbeat answer with `rotate_credential` asks the kiosk to rotate.

What a kiosk sends is checked beyond its shape (422 naming the field): a transaction's
`number` must be one of the sending kiosk's (`<kiosk_id>-...`) and not used before by
another transaction (409), and kiosk times (`created_at`, `sent_at`) must carry a UTC offset
and fall in a window around the controller's time: too far back is a 422, ahead is 425 Too
Early (with Retry-After, in seconds): the kiosk's clock runs fast, and the same message is
accepted once the controller's clock has caught up, so the kiosk keeps it and sends it again.
429 (with Retry-After) means the kiosk asked too often: my-applications is limited per kiosk.

The citizen's receipt links to `/r/<number>?k=<receipt_key>`: the page answers only when
the key is the one the kiosk sent with the transaction.

The controller learns what to call a service from the kiosks: each kiosk sends `CatalogIn`
(its catalog's version and the bilingual title of every service id a transaction, a bundle
item or a rating can name) after enrolling and whenever its catalog changes, before it
delivers transactions. A controller that never heard of a service shows a generic wording.

Booking a place (a training class, a job-fair sign-up, an appointment slot) cannot wait for
the outbox: the outbox delivers after the screen has said "done", too late to say "full".
So booking takes two steps:

1. When the citizen chooses the item, the kiosk calls `bookings/hold` synchronously with a
   fresh `key`. 201 answers a `hold_id` and `expires_at` (HOLD_MINUTES from now): one place
   is taken for this kiosk. 409 means the item is full or closed; show `user_message` and
   fetch the list again. 404: the item is gone. A retry with the same key answers the same
   hold (200), so a lost answer never takes two places.
2. `submit` sends the transaction with `selected={source: item_id}` and
   `holds={source: hold_id}`; storing it confirms the hold for good. A hold not confirmed
   before `expires_at` expires and its place returns to the pool. A transaction whose hold
   has expired (the outbox was offline too long), or that names a bookable item without a
   hold, is still stored: the controller takes a place then if one is left, and otherwise
   sets its status to `booking_failed`, which the citizen's receipt page and
   `my-applications` show and ops see on the dashboard. A transaction is never refused over
   a booking, because the citizen was already told it was received.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationError,
    model_serializer,
    model_validator,
)

from pii import DocumentType, InvalidIdNumber, validate_document_number
from wire.vocabulary import DeviceKind

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
# How long a booking hold keeps its place without a transaction confirming it.
HOLD_MINUTES = 15
# A release's version is a name, compared for equality only: 1.4.0, 2025.06.1, 1.4.0-rc1.
RELEASE_VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$"

Key = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
HardwareId = Annotated[str, StringConstraints(min_length=4, max_length=64, pattern=r"^[\w.:-]+$")]
ShortText = Annotated[str, StringConstraints(max_length=200)]
# The largest count a kiosk may send: what a 4-byte signed integer column holds, the
# narrowest the controller stores counts in (PostgreSQL's int4). Past it a count is a 422,
# never a database error.
MAX_COUNT = 2**31 - 1
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


def _has_utc_equivalent(value: dt.datetime) -> dt.datetime:
    # 0001-01-01T00:00+14:00 is a valid ISO time whose UTC would be in year 0: refused
    # here, so no later arithmetic on it can overflow.
    try:
        value.astimezone(dt.UTC)
    except OverflowError as err:
        raise ValueError("this time has no UTC equivalent (before year 1 or after 9999)") from err
    return value


# A time on the kiosk's clock: with its UTC offset, always. The controller also checks it
# falls in a window around its own time (controller/services/kiosktime.py) and never
# trusts the kiosk's clock beyond that.
KioskTime = Annotated[AwareDatetime, AfterValidator(_has_utc_equivalent)]


class WireError(ValueError):
    """A message did not match the contract; the text says which field and why."""


class Message(BaseModel):
    """Base of every wire message: strict, frozen, stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ErrorCode(enum.StrEnum):
    """The `code` of an error answer that a kiosk acts on (and shows) differently."""

    PAIRING_CODE_REFUSED = "pairing_code_refused"
    IDENTITY_CONFLICT = "identity_conflict"
    ENROLLMENT_LIMITED = "enrollment_limited"
    PENDING_APPROVAL = "pending_approval"
    CREDENTIAL_UNKNOWN = "credential_unknown"
    CREDENTIAL_REVOKED = "credential_revoked"
    CREDENTIAL_DECOMMISSIONED = "credential_decommissioned"


class EnrollmentState(enum.StrEnum):
    """Where a kiosk stands in the fleet."""

    PENDING = "pending"  # enrolled without a code or pre-authorisation: waits for approval
    ACTIVE = "active"
    REVOKED = "revoked"  # its credential was withdrawn; a fresh code brings it back
    DECOMMISSIONED = "decommissioned"  # out of the fleet


# A region code of GB/T 2260 (6 digits), down to a township (9) or a village (12).
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}([0-9]{3}){0,2}$")]

# A pairing code as typed: 8 Crockford base32 characters, shown as K7QM-4ZP2; the
# controller normalises case, dashes, spaces and look-alikes (O->0, I/L->1).
PairingCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]


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


class DeviceState(enum.StrEnum):
    """Health of one device as ops sees it."""

    OK = "ok"
    DEGRADED = "degraded"
    FAULTED = "faulted"
    ABSENT = "absent"


class KioskStatus(enum.StrEnum):
    """What the kiosk is doing as a whole."""

    IDLE = "idle"
    IN_SESSION = "in_session"
    MAINTENANCE = "maintenance"
    OUT_OF_SERVICE = "out_of_service"


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
# The kiosk installs signed releases: it understands HeartbeatAck.release.
CAPABILITY_UPDATES = "updates"
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


class UpdateOutcome(enum.StrEnum):
    """What became of a release on a kiosk (POST updates/report)."""

    # Downloaded, verified and unpacked beside the running version, waiting for a gap.
    STAGED = "staged"
    # Switched to and restarting: the health check decides.
    INSTALLED = "installed"
    # Started, enrolled, showed the menu and sent a heartbeat in time: done.
    HEALTHY = "healthy"
    # The health check failed: switched back to the previous version.
    ROLLED_BACK = "rolled_back"
    # Unsigned, signed by another key, corrupted or malformed: never installed.
    REFUSED = "refused"
    # Could not be fetched or unpacked this time (network, disk): tried again later.
    FAILED = "failed"


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


# Commands in one heartbeat answer: far more than ops send at once, far below harm.
MAX_COMMANDS = 16


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


class _Identified(Message):
    """A message carrying an ID number of `document`, checked and normalised on arrival."""

    document: DocumentType = DocumentType.RESIDENT
    id_number: str

    @model_validator(mode="after")
    def _valid_number(self) -> _Identified:
        try:
            # The kiosk checked the county of a typed number against its own table, and a
            # chip's number is the card's own: the controller, whose table may be older,
            # must not refuse (and so lose) what a kiosk accepted.
            number = validate_document_number(self.document, self.id_number, check_county=False)
        except InvalidIdNumber as err:
            raise ValueError(f"id_number: {err}") from err
        if number != self.id_number:
            object.__setattr__(self, "id_number", number)  # frozen: normalise once, here
        return self


class Citizen(_Identified):
    """Who a transaction is for. Sealed at rest on both sides; masked on every screen.

    `id_number` is the number of `document`: a resident ID number, or the number of a
    Hong Kong/Macau/Taiwan residence permit or a foreigner's permanent residence card.
    """

    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]

    def __repr__(self) -> str:
        # Never let a traceback or log line carry the number or name in clear.
        return "Citizen(<personal data>)"

    __str__ = __repr__


_SERVICE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")

ServiceCode = Annotated[str, StringConstraints(pattern=_SERVICE.pattern)]
# `<kiosk_id>-<yymmdd><seq>`, as kiosk/outbox.py next_number makes it; the controller takes
# a number only from the kiosk it names, and each number once.
TransactionNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{6,32}$")]
# What the receipt's QR adds to the public status page's link (`/r/<number>?k=<key>`), so
# that knowing or guessing a number is not enough to read its page: 10 base32 characters
# (50 bits) from `secrets`, made by the kiosk, stored by the controller only as a keyed hash.
ReceiptKey = Annotated[str, StringConstraints(pattern=r"^[A-Z2-7]{10}$")]
RECEIPT_KEY_LENGTH = 10
# How the citizen was identified (flows/actions.py IDENTITY_METHODS): a code, never text.
IdentityMethod = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
# The ids of content items, as flows/content.py accepts them.
ItemId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
FieldName = Annotated[str, StringConstraints(max_length=64)]
FieldValue = Annotated[str, StringConstraints(max_length=2000)]
Fields = Annotated[dict[FieldName, FieldValue], Field(max_length=64)]
# All answers of one transaction (its fields and its items' fields) together: as much as
# a single-service transaction could always carry, so bundles do not raise the body limit.
MAX_ANSWER_CHARACTERS = 64 * 2000


class ContentSource(enum.StrEnum):
    """Where the items of a list step come from (flows/actions.py CONTENT_SOURCES)."""

    JOBS = "jobs"
    POLICIES = "policies"
    TRAININGS = "trainings"
    JOB_FAIRS = "job_fairs"
    SLOTS = "slots"
    APPLICATIONS = "applications"
    # Notices for the attract loop (items in the usual shape, no places).
    ANNOUNCEMENTS = "announcements"
    # The county's employers for the employer picker: EmployerItem, not ContentItem.
    EMPLOYERS = "employers"


# Sources whose items have a limited number of places, booked with a hold first.
BOOKABLE_SOURCES = frozenset(
    {ContentSource.TRAININGS, ContentSource.JOB_FAIRS, ContentSource.SLOTS}
)


class TransactionItem(Message):
    """One service of a bundle (一件事) with the answers that go to it."""

    service: ServiceCode
    fields: Fields = Field(default_factory=dict)

    def __repr__(self) -> str:
        return f"TransactionItem(service={self.service!r})"

    __str__ = __repr__


class TransactionIn(Message):
    """One completed self-service transaction. `key` makes a retry a no-op on the controller.

    A bundle sends one transaction (one key, one number, one receipt) with an entry per
    service in `items`. `selected` names the item chosen in each list (the training class,
    the job fair, the appointment slot); `holds` the hold taken for each bookable choice
    (see the module docstring).
    """

    key: Key
    number: TransactionNumber
    service: ServiceCode
    created_at: KioskTime
    identity_method: IdentityMethod
    citizen: Citizen
    fields: Fields = Field(default_factory=dict)
    items: list[TransactionItem] = Field(default_factory=list, max_length=16)
    selected: dict[ContentSource, ItemId] = Field(default_factory=dict)
    holds: dict[ContentSource, Key] = Field(default_factory=dict)
    # Optional only so that transactions queued by an older kiosk still arrive; one sent
    # without it has no public status page.
    receipt_key: ReceiptKey | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TransactionIn:
        services = [item.service for item in self.items]
        if len(set(services)) != len(services):
            raise ValueError("items: each service at most once")
        for source in self.holds:
            if source not in BOOKABLE_SOURCES:
                raise ValueError(f"holds: {source.value} is not booked with a hold")
            if source not in self.selected:
                raise ValueError(f"holds: {source.value} has a hold but nothing selected")
        answers = [self.fields, *(item.fields for item in self.items)]
        if sum(len(v) for fields in answers for v in fields.values()) > MAX_ANSWER_CHARACTERS:
            raise ValueError(f"fields: at most {MAX_ANSWER_CHARACTERS} characters of answers")
        return self

    def __repr__(self) -> str:
        return f"TransactionIn(number={self.number!r}, service={self.service!r})"

    __str__ = __repr__


class TransactionAck(Message):
    """Stored, exactly once. `duplicate` is true when the key had been seen before."""

    key: Key
    number: str
    duplicate: bool


class ApplicationStatus(enum.StrEnum):
    """Where a transaction stands at the bureau; the controller sends its text along."""

    RECEIVED = "received"  # 已受理: the default on arrival
    REVIEWING = "reviewing"  # 审核中
    DONE = "done"  # 已办结
    RETURNED = "returned"  # 退回补正: the citizen must complete it
    BOOKING_FAILED = "booking_failed"  # stored, but no place was left for what was chosen
    # The county's review (controller/services/inbox.py). Application.status is a plain
    # string, so a kiosk of an older release shows these by their status_text as any other.
    APPROVED = "approved"  # 已通过
    REJECTED = "rejected"  # 未通过


# -- content: items of list steps --------------------------------------------------------

# Characters flows/content.py drops an item for (control, format, surrogate, private use,
# unassigned): refused here, so the controller never stores an item a kiosk would hide.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _no_hidden_characters(value: str) -> str:
    for char in value:
        if unicodedata.category(char) in HIDDEN_CATEGORIES:
            raise ValueError(f"hidden character U+{ord(char):04X} is not allowed")
    return value


PlainText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500),
    AfterValidator(_no_hidden_characters),
]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,63}$")]


class Bilingual(Message):
    """A text in both languages of the kiosk, keyed as in flows: {"zh-CN": .., "en": ..}."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        serialize_by_alias=True,
        validate_by_name=True,
    )

    zh: PlainText = Field(alias="zh-CN")
    en: PlainText

    @classmethod
    def of(cls, zh: str, en: str) -> Bilingual:
        """A text from its Chinese and English wording."""
        return cls.model_validate({"zh-CN": zh, "en": en})


# A string (the same in both languages) or {zh-CN, en}, as flows/content.py reads texts.
Text = PlainText | Bilingual
AgeBound = Annotated[int, Field(ge=0, le=150, strict=True)] | None
AgeRange = tuple[AgeBound, AgeBound]


def _check_ages(ages: AgeRange | None) -> None:
    if ages is not None and ages[0] is not None and ages[1] is not None and ages[0] > ages[1]:
        raise ValueError("an age range is [min, max] with min <= max")


class Criteria(Message):
    """Who an item suits (flows/content.py Criteria); the kiosk does the matching."""

    age: AgeRange | None = None
    age_by_sex: dict[Literal["male", "female"], AgeRange] = Field(default_factory=dict)
    regions: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{2,6}$")]] = Field(
        default_factory=list, max_length=50
    )
    answers: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")],
        Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(min_length=1)],
    ] = Field(default_factory=dict, max_length=20)

    @model_validator(mode="after")
    def _ordered_ages(self) -> Criteria:
        _check_ages(self.age)
        for ages in self.age_by_sex.values():
            _check_ages(ages)
        return self


class ContentItem(Message):
    """One entry of a list step, in the shape flows/content.py reads.

    Absent parts are left out when serialised, never sent as null: flows reads a null
    `criteria` as a malformed item and drops it.
    """

    id: ItemId
    title: Text
    summary: Text | None = None
    status: Text | None = None
    rows: list[tuple[Text, Text]] = Field(default_factory=list, max_length=30)
    qr: PlainText | None = None
    available: bool = True
    criteria: Criteria | None = None

    @model_serializer(mode="wrap")
    def _leave_out_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {name: value for name, value in data.items() if value is not None}

    def as_mapping(self) -> dict[str, Any]:
        """The item as plain data: what a fetching action hands on."""
        return self.model_dump(mode="json", by_alias=True)


# A unified social credit code (GB 32100): 18 characters of 0-9 and A-Z less I O Z S V.
CreditCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")]


class EmployerItem(Message):
    """One employer of the county (source `employers`), for the kiosk's employer picker.

    Exactly these fields: no contact person or phone ever goes to a kiosk. `initials` are
    the pinyin initials of the name, lower-case (深圳就业 -> "szjy"), made by the controller
    so the kiosk can search by them without a pinyin table of its own.
    """

    id: ItemId
    name: PlainText
    credit_code: CreditCode
    region_code: RegionCode
    initials: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{0,64}$")]

    def as_mapping(self) -> dict[str, Any]:
        """The employer as plain data: what the fetching action hands on."""
        return self.model_dump(mode="json")


class ContentQuery(Message):
    """A kiosk asks for the items of one source, with the filters its fetch action reads.

    A filter that is absent, empty or `any` does not filter. A filter the source does not
    read is refused, naming it. `applications` are personal: ask with
    MyApplicationsRequest instead.
    """

    # The filters each source reads (flows/actions.py, the fetch_* contracts).
    FILTERS: ClassVar[Mapping[ContentSource, frozenset[str]]] = {
        ContentSource.JOBS: frozenset({"area", "industry", "salary_range", "work_type"}),
        ContentSource.POLICIES: frozenset(),
        ContentSource.TRAININGS: frozenset({"training_category"}),
        ContentSource.JOB_FAIRS: frozenset(),
        ContentSource.SLOTS: frozenset({"appointment_service", "appointment_date"}),
        ContentSource.ANNOUNCEMENTS: frozenset(),
        ContentSource.EMPLOYERS: frozenset(),
    }

    source: ContentSource
    area: Code | None = None
    industry: Code | None = None
    salary_range: Code | None = None
    work_type: Code | None = None
    training_category: Code | None = None
    appointment_service: Code | None = None
    appointment_date: dt.date | None = None

    @model_validator(mode="before")
    @classmethod
    def _any_is_no_filter(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: None if k != "source" and v in ("", "any") else v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _filters_of_the_source(self) -> ContentQuery:
        allowed = self.FILTERS.get(self.source)
        if allowed is None:
            raise ValueError(f"source: {self.source.value} are asked for with my-applications")
        for name in sorted(self.model_fields_set - {"source"}):
            if name not in allowed and getattr(self, name) is not None:
                raise ValueError(f"{name}: not a filter of {self.source.value}")
        return self

    def filters(self) -> dict[str, str]:
        """The filters given, as text (dates as YYYY-MM-DD), for a query string or a log."""
        data = self.model_dump(mode="json", exclude={"source"}, exclude_none=True)
        return {name: str(value) for name, value in data.items()}


class ContentPage(Message):
    """The controller's items of one source, best first, as of `as_of`."""

    source: ContentSource
    # ContentItem for every source but `employers`, whose items are EmployerItem.
    items: list[ContentItem | EmployerItem] = Field(default_factory=list, max_length=200)
    as_of: dt.datetime

    @model_validator(mode="after")
    def _items_of_the_source(self) -> ContentPage:
        wanted = EmployerItem if self.source is ContentSource.EMPLOYERS else ContentItem
        for index, item in enumerate(self.items):
            if not isinstance(item, wanted):
                raise ValueError(f"items.{index}: not an item of {self.source.value}")
        return self


# -- booking ---------------------------------------------------------------------------


class HoldRequest(Message):
    """Hold one place of a bookable item for HOLD_MINUTES; `key` makes a retry a no-op."""

    key: Key
    source: ContentSource
    item_id: ItemId

    @model_validator(mode="after")
    def _bookable(self) -> HoldRequest:
        if self.source not in BOOKABLE_SOURCES:
            raise ValueError(f"source: {self.source.value} has no places to hold")
        return self


class HoldResponse(Message):
    """A place is held until `expires_at`; a transaction naming `hold_id` confirms it."""

    hold_id: Key
    source: ContentSource
    item_id: ItemId
    expires_at: dt.datetime


# -- ratings (好差评) -------------------------------------------------------------------

Stars = Annotated[int, Field(ge=1, le=5, strict=True)]


class RatingIn(Message):
    """A citizen's rating of one transaction; linked to its number, never to a person.

    `reasons` are codes of the rating flow's list and only come with 1 or 2 stars.
    """

    key: Key
    transaction_number: TransactionNumber
    service: ServiceCode
    stars: Stars
    reasons: list[Code] = Field(default_factory=list, max_length=16)
    comment: Annotated[str, StringConstraints(max_length=200)] = ""

    @model_validator(mode="after")
    def _reasons_with_low_stars(self) -> RatingIn:
        if self.reasons and self.stars > 2:
            raise ValueError("reasons: only given with 1 or 2 stars")
        if len(set(self.reasons)) != len(self.reasons):
            raise ValueError("reasons: each reason at most once")
        return self

    def __repr__(self) -> str:
        # The comment is free text a citizen typed; keep it out of logs.
        return f"RatingIn(transaction_number={self.transaction_number!r}, stars={self.stars})"

    __str__ = __repr__


class RatingAck(Message):
    """Stored, exactly once. `duplicate` is true when the key had been seen before."""

    key: Key
    transaction_number: str
    duplicate: bool


# -- a citizen asks for a person ---------------------------------------------------------


class StaffCallReason(enum.StrEnum):
    """Why the kiosk called staff."""

    # The citizen pressed the help key (一键求助).
    HELP_KEY = "help_key"
    # An error screen the citizen could not get past offered help and they took it.
    ERROR_SCREEN = "error_screen"


class StaffCallIn(Message):
    """A citizen at the kiosk asked for staff: the controller raises a staff_called alert.

    Sent through the outbox like a transaction (`key` makes a retry a duplicate). `screen`
    says where the citizen was (a flow and step id, `menu`), never who they are.
    """

    key: Key
    created_at: KioskTime
    reason: StaffCallReason
    screen: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.:-]{1,80}$")] = "menu"


class StaffCallAck(Message):
    """Recorded, exactly once. `duplicate` is true when the key had been seen before."""

    key: Key
    duplicate: bool


# -- a technician at the kiosk: maintenance events --------------------------------------

# The most wrong PINs one event may count: the kiosk locks its pad long before.
MAX_PIN_FAILURES = 1000


class MaintenanceEventKind(enum.StrEnum):
    """What happened at the kiosk's maintenance screen (kiosk/maintenance.py)."""

    ENTERED = "entered"  # the right PIN: a technician is in
    LEFT = "left"  # back to service, or to the desktop (`left_to`)
    PIN_FAILED = "pin_failed"  # a wrong PIN; `failures` wrong PINs in a row so far
    LOCKED_OUT = "locked_out"  # too many wrong PINs: the pad is locked until `locked_until`
    OUT_OF_SERVICE_ON = "out_of_service_on"  # taken out of service from the screen
    OUT_OF_SERVICE_OFF = "out_of_service_off"  # put back in service from the screen


class MaintenanceExit(enum.StrEnum):
    """Where a technician went when leaving the maintenance screen."""

    SERVICE = "service"  # back to the citizens' menu (also: walked away, the screen timed out)
    DESKTOP = "desktop"  # the kiosk program closed


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


# -- the citizen's own applications ----------------------------------------------------


class MyApplicationsRequest(_Identified):
    """A citizen, identified at the kiosk, asks for their own transactions.

    Sent only over the kiosk's authenticated channel. `identity_method` says how the
    number was obtained: the controller answers only for a number read from a card or
    scanned, never for one typed in, which could be anyone's.
    """

    identity_method: IdentityMethod

    def __repr__(self) -> str:
        return f"MyApplicationsRequest(identity_method={self.identity_method!r})"

    __str__ = __repr__


class Application(Message):
    """One of the citizen's transactions: what, when, and where it stands. Nothing else.

    When staff returned or rejected it, `status_text` carries the reason after the status
    (退回补正：缺少所需材料……), so every kiosk release shows it without a new field.
    """

    number: str
    service: str
    title: Text
    created_at: dt.datetime
    status: Annotated[str, StringConstraints(max_length=32)]
    status_text: Text
    status_at: dt.datetime | None = None


class MyApplicationsResponse(Message):
    """The citizen's transactions, newest first."""

    applications: list[Application] = Field(default_factory=list, max_length=200)


# -- the kiosk's catalog: what its services are called ----------------------------------

# Far more than a catalog holds (100 files, a few bundle items each), far below harm.
MAX_CATALOG_TITLES = 500


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


M = TypeVar("M", bound=Message)


def _wire_error(model: type[Message], err: ValidationError) -> WireError:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in err.errors()
    )
    return WireError(f"{model.__name__}: {problems}")


def parse(model: type[M], data: bytes | str) -> M:
    """Parse JSON into `model`, turning every failure into one WireError naming the fields."""
    try:
        return model.model_validate_json(data)
    except ValidationError as err:
        raise _wire_error(model, err) from err


def validate(model: type[M], data: object) -> M:
    """Like `parse`, for data already decoded (query parameters, a mapping)."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise _wire_error(model, err) from err


# Far more devices than a kiosk has, far below harm.
MAX_SELFTEST_CHECKS = 32


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

# The heartbeat capability that asks for commands in the answer.
CAPABILITY_COMMANDS = "commands"
# The largest attachment a result carries (a screenshot, recent log lines), as base64 text:
# the whole result stays under the controller's 512 KiB body limit (a kiosk scales a
# screenshot down, and sends the newest log lines that fit).
MAX_ATTACHMENT_CHARS = 480_000


class CommandKind(enum.StrEnum):
    """What ops may ask a kiosk to do."""

    RESTART_APP = "restart_app"
    PRINT_TEST_PAGE = "print_test_page"
    # The menu or attract screen only: refused while a citizen is at the kiosk.
    SCREENSHOT = "screenshot"
    UPLOAD_LOGS = "upload_logs"  # the recent log lines, redacted
    OUT_OF_SERVICE_ON = "out_of_service_on"
    OUT_OF_SERVICE_OFF = "out_of_service_off"
    IDENTIFY = "identify"  # flash the screen and beep, to find it in a row of kiosks
    SELF_TEST = "self_test"


class CommandState(enum.StrEnum):
    """A command's life at the controller."""

    QUEUED = "queued"  # waiting for the kiosk's next heartbeat
    SENT = "sent"  # in a heartbeat answer; sent again until a result arrives
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the kiosk ran it and it failed, or refused it (expired, in a visit)
    EXPIRED = "expired"  # no result before `expires_at`

    @property
    def finished(self) -> bool:
        """True once nothing more will happen to the command."""
        return self in (CommandState.SUCCEEDED, CommandState.FAILED, CommandState.EXPIRED)


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

# The heartbeat capability that asks for HeartbeatAck.target_version.
CAPABILITY_TARGET = "target"
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


class TargetOutcome(enum.StrEnum):
    """What became of a target on a kiosk."""

    APPLIED = "applied"  # running since `at`
    REJECTED = "rejected"  # failed the catalog validator: the kiosk runs what it ran


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
