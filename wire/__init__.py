"""The kiosk-controller contract. Both sides import only from here to talk to each other.

The pydantic models of `wire.v1` are made when a name of theirs is first asked for (PEP 562
`__getattr__`), not when `wire` is imported: a kiosk's menu needs none of them, and making
them is a tenth of a second of its cold start (docs/touchscreen.md). The codes, states and
limits (`wire.codes`), `wire.vocabulary` and `wire.matching` are standard library only, so
asking for them, or flows importing them, loads no pydantic either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wire.vocabulary import DeviceKind

if TYPE_CHECKING:
    from wire.v1 import (
        API_PREFIX,
        BOOKABLE_SOURCES,
        CAPABILITY_COMMANDS,
        CAPABILITY_TARGET,
        CAPABILITY_UPDATES,
        HOLD_MINUTES,
        MAX_ATTACHMENT_CHARS,
        MAX_COMMANDS,
        PROTOCOL_VERSION,
        RECEIPT_KEY_LENGTH,
        RELEASE_VERSION_PATTERN,
        Application,
        ApplicationStatus,
        Bilingual,
        CatalogAck,
        CatalogIn,
        Citizen,
        Command,
        CommandKind,
        CommandResult,
        CommandResultAck,
        CommandState,
        ContentItem,
        ContentPage,
        ContentQuery,
        ContentSource,
        Criteria,
        DeviceHealth,
        DeviceState,
        EmployerItem,
        EnrollmentState,
        EnrollmentStatus,
        ErrorCode,
        Heartbeat,
        HeartbeatAck,
        HoldRequest,
        HoldResponse,
        KioskStatus,
        KioskVitals,
        MaintenanceEventAck,
        MaintenanceEventIn,
        MaintenanceEventKind,
        MaintenanceExit,
        Message,
        MyApplicationsRequest,
        MyApplicationsResponse,
        RatingAck,
        RatingIn,
        RegisterRequest,
        RegisterResponse,
        ReleaseOffer,
        RotateResponse,
        SelfTestAck,
        SelfTestCheck,
        SelfTestReport,
        StaffCallAck,
        StaffCallIn,
        StaffCallReason,
        TargetOutcome,
        TargetReport,
        TargetReportAck,
        TargetService,
        TargetState,
        Text,
        TransactionAck,
        TransactionIn,
        TransactionItem,
        UpdateOutcome,
        UpdateReport,
        UpdateReportAck,
        WireError,
        parse,
        validate,
    )

__all__ = [
    "API_PREFIX",
    "CAPABILITY_COMMANDS",
    "CAPABILITY_TARGET",
    "MAX_ATTACHMENT_CHARS",
    "MAX_COMMANDS",
    "RELEASE_VERSION_PATTERN",
    "CAPABILITY_UPDATES",
    "BOOKABLE_SOURCES",
    "HOLD_MINUTES",
    "PROTOCOL_VERSION",
    "RECEIPT_KEY_LENGTH",
    "Application",
    "ApplicationStatus",
    "Bilingual",
    "CatalogAck",
    "CatalogIn",
    "Citizen",
    "Command",
    "CommandKind",
    "CommandResult",
    "CommandResultAck",
    "CommandState",
    "ContentItem",
    "ContentPage",
    "ContentQuery",
    "ContentSource",
    "Criteria",
    "DeviceHealth",
    "DeviceKind",
    "DeviceState",
    "EmployerItem",
    "EnrollmentState",
    "EnrollmentStatus",
    "ErrorCode",
    "Heartbeat",
    "HeartbeatAck",
    "KioskVitals",
    "HoldRequest",
    "HoldResponse",
    "KioskStatus",
    "MaintenanceEventAck",
    "MaintenanceEventIn",
    "MaintenanceEventKind",
    "MaintenanceExit",
    "Message",
    "MyApplicationsRequest",
    "MyApplicationsResponse",
    "RatingAck",
    "RatingIn",
    "StaffCallAck",
    "StaffCallIn",
    "StaffCallReason",
    "RegisterRequest",
    "RegisterResponse",
    "RotateResponse",
    "SelfTestAck",
    "SelfTestCheck",
    "SelfTestReport",
    "Text",
    "TransactionAck",
    "TransactionIn",
    "TransactionItem",
    "ReleaseOffer",
    "UpdateOutcome",
    "TargetOutcome",
    "TargetReport",
    "TargetReportAck",
    "TargetService",
    "TargetState",
    "UpdateReport",
    "UpdateReportAck",
    "WireError",
    "parse",
    "validate",
]

# Every name above but DeviceKind is wire.v1's; the codes and limits are wire.codes' own.
_V1 = frozenset(__all__) - {"DeviceKind"}


def __getattr__(name: str) -> Any:
    """A name of wire.v1, from wire.codes (no pydantic) when it is one of its codes."""
    if name not in _V1:
        raise AttributeError(f"module 'wire' has no attribute {name!r}")
    from wire import codes

    if hasattr(codes, name):
        value = getattr(codes, name)
    else:
        from wire import v1

        value = getattr(v1, name)
    globals()[name] = value  # asked once: later lookups find it without this hook
    return value
