"""The names and limits of the kiosk-controller contract (version 1): error codes, states,
kinds, capabilities and size limits, standard library only.

A kiosk acts on these before it builds any message (its menu reads a device's state, its
commands' kinds, a capability), so they live apart from the pydantic models
(wire/v1.py and its topic modules) and cost nothing to import. `wire.v1` exports them too.
"""

from __future__ import annotations

import enum

PROTOCOL_VERSION = 1

API_PREFIX = "/api/v1"

# How long a booking hold keeps its place without a transaction confirming it.
HOLD_MINUTES = 15

# A release's version is a name, compared for equality only: 1.4.0, 2025.06.1, 1.4.0-rc1.
RELEASE_VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$"

# The largest count a kiosk may send: what a 4-byte signed integer column holds, the
# narrowest the controller stores counts in (PostgreSQL's int4). Past it a count is a 422,
# never a database error.
MAX_COUNT = 2**31 - 1


class WireError(ValueError):
    """A message did not match the contract; the text says which field and why."""


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


# The kiosk installs signed releases: it understands HeartbeatAck.release.
CAPABILITY_UPDATES = "updates"


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


# Commands in one heartbeat answer: far more than ops send at once, far below harm.
MAX_COMMANDS = 16

RECEIPT_KEY_LENGTH = 10

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


class StaffCallReason(enum.StrEnum):
    """Why the kiosk called staff."""

    # The citizen pressed the help key (一键求助).
    HELP_KEY = "help_key"
    # An error screen the citizen could not get past offered help and they took it.
    ERROR_SCREEN = "error_screen"


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


# Far more than a catalog holds (100 files, a few bundle items each), far below harm.
MAX_CATALOG_TITLES = 500

# Far more devices than a kiosk has, far below harm.
MAX_SELFTEST_CHECKS = 32

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


# The heartbeat capability that asks for HeartbeatAck.target_version.
CAPABILITY_TARGET = "target"


class TargetOutcome(enum.StrEnum):
    """What became of a target on a kiosk."""

    APPLIED = "applied"  # running since `at`
    REJECTED = "rejected"  # failed the catalog validator: the kiosk runs what it ran
