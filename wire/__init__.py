"""The kiosk-controller contract. Both sides import only from here to talk to each other."""

from __future__ import annotations

from wire.v1 import (
    API_PREFIX,
    PROTOCOL_VERSION,
    Citizen,
    DeviceHealth,
    DeviceState,
    Heartbeat,
    HeartbeatAck,
    KioskStatus,
    Message,
    RegisterRequest,
    RegisterResponse,
    TransactionAck,
    TransactionIn,
    WireError,
    parse,
)

__all__ = [
    "API_PREFIX",
    "PROTOCOL_VERSION",
    "Citizen",
    "DeviceHealth",
    "DeviceState",
    "Heartbeat",
    "HeartbeatAck",
    "KioskStatus",
    "Message",
    "RegisterRequest",
    "RegisterResponse",
    "TransactionAck",
    "TransactionIn",
    "WireError",
    "parse",
]
