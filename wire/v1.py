"""Version 1 of the kiosk-controller messages, gathered from their topic modules.

The names and limits are in wire/codes.py (standard library only), the message base in
wire/base.py, then one module a topic: wire/fleet.py (enrollment, heartbeat, updates,
commands, self-test, target, catalog, maintenance events), wire/citizen.py (transactions,
holds, ratings, staff calls, a citizen's applications) and wire/content.py (list items).
This module exports every name of them, as before the split.

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

from wire.base import (
    Count,
    HardwareId,
    ItemId,
    Key,
    KioskTime,
    Message,
    PairingCode,
    RegionCode,
    ShortText,
    parse,
    validate,
)
from wire.citizen import (
    Application,
    Citizen,
    FieldName,
    Fields,
    FieldValue,
    HoldRequest,
    HoldResponse,
    IdentityMethod,
    MyApplicationsRequest,
    MyApplicationsResponse,
    RatingAck,
    RatingIn,
    ReceiptKey,
    ServiceCode,
    StaffCallAck,
    StaffCallIn,
    Stars,
    TransactionAck,
    TransactionIn,
    TransactionItem,
    TransactionNumber,
)
from wire.codes import (
    API_PREFIX,
    BOOKABLE_SOURCES,
    CAPABILITY_COMMANDS,
    CAPABILITY_TARGET,
    CAPABILITY_UPDATES,
    HOLD_MINUTES,
    MAX_ANSWER_CHARACTERS,
    MAX_ATTACHMENT_CHARS,
    MAX_CATALOG_TITLES,
    MAX_COMMANDS,
    MAX_COUNT,
    MAX_PIN_FAILURES,
    MAX_SELFTEST_CHECKS,
    PROTOCOL_VERSION,
    RECEIPT_KEY_LENGTH,
    RELEASE_VERSION_PATTERN,
    ApplicationStatus,
    CommandKind,
    CommandState,
    ContentSource,
    DeviceState,
    EnrollmentState,
    ErrorCode,
    KioskStatus,
    MaintenanceEventKind,
    MaintenanceExit,
    StaffCallReason,
    TargetOutcome,
    UpdateOutcome,
    WireError,
)
from wire.content import (
    HIDDEN_CATEGORIES,
    AgeBound,
    AgeRange,
    Bilingual,
    Code,
    ContentItem,
    ContentPage,
    ContentQuery,
    CreditCode,
    Criteria,
    EmployerItem,
    PlainText,
    Text,
)
from wire.fleet import (
    Capability,
    CatalogAck,
    CatalogIn,
    Command,
    CommandResult,
    CommandResultAck,
    DayKey,
    DeviceHealth,
    EnrollmentStatus,
    Heartbeat,
    HeartbeatAck,
    KioskVitals,
    MaintenanceEventAck,
    MaintenanceEventIn,
    Megabytes,
    OpeningSpans,
    Percent,
    RegisterRequest,
    RegisterResponse,
    ReleaseOffer,
    ReleaseVersion,
    RotateResponse,
    Seconds,
    SelfTestAck,
    SelfTestCheck,
    SelfTestReport,
    Span,
    TargetReport,
    TargetReportAck,
    TargetService,
    TargetState,
    TargetVersion,
    UpdateReport,
    UpdateReportAck,
)
from wire.vocabulary import DeviceKind

__all__ = [
    "API_PREFIX",
    "AgeBound",
    "AgeRange",
    "Application",
    "ApplicationStatus",
    "BOOKABLE_SOURCES",
    "Bilingual",
    "CAPABILITY_COMMANDS",
    "CAPABILITY_TARGET",
    "CAPABILITY_UPDATES",
    "Capability",
    "CatalogAck",
    "CatalogIn",
    "Citizen",
    "Code",
    "Command",
    "CommandKind",
    "CommandResult",
    "CommandResultAck",
    "CommandState",
    "ContentItem",
    "ContentPage",
    "ContentQuery",
    "ContentSource",
    "Count",
    "CreditCode",
    "Criteria",
    "DayKey",
    "DeviceHealth",
    "DeviceKind",
    "DeviceState",
    "EmployerItem",
    "EnrollmentState",
    "EnrollmentStatus",
    "ErrorCode",
    "FieldName",
    "FieldValue",
    "Fields",
    "HIDDEN_CATEGORIES",
    "HOLD_MINUTES",
    "HardwareId",
    "Heartbeat",
    "HeartbeatAck",
    "HoldRequest",
    "HoldResponse",
    "IdentityMethod",
    "ItemId",
    "Key",
    "KioskStatus",
    "KioskTime",
    "KioskVitals",
    "MAX_ANSWER_CHARACTERS",
    "MAX_ATTACHMENT_CHARS",
    "MAX_CATALOG_TITLES",
    "MAX_COMMANDS",
    "MAX_COUNT",
    "MAX_PIN_FAILURES",
    "MAX_SELFTEST_CHECKS",
    "MaintenanceEventAck",
    "MaintenanceEventIn",
    "MaintenanceEventKind",
    "MaintenanceExit",
    "Megabytes",
    "Message",
    "MyApplicationsRequest",
    "MyApplicationsResponse",
    "OpeningSpans",
    "PROTOCOL_VERSION",
    "PairingCode",
    "Percent",
    "PlainText",
    "RECEIPT_KEY_LENGTH",
    "RELEASE_VERSION_PATTERN",
    "RatingAck",
    "RatingIn",
    "ReceiptKey",
    "RegionCode",
    "RegisterRequest",
    "RegisterResponse",
    "ReleaseOffer",
    "ReleaseVersion",
    "RotateResponse",
    "Seconds",
    "SelfTestAck",
    "SelfTestCheck",
    "SelfTestReport",
    "ServiceCode",
    "ShortText",
    "Span",
    "StaffCallAck",
    "StaffCallIn",
    "StaffCallReason",
    "Stars",
    "TargetOutcome",
    "TargetReport",
    "TargetReportAck",
    "TargetService",
    "TargetState",
    "TargetVersion",
    "Text",
    "TransactionAck",
    "TransactionIn",
    "TransactionItem",
    "TransactionNumber",
    "UpdateOutcome",
    "UpdateReport",
    "UpdateReportAck",
    "WireError",
    "parse",
    "validate",
]
