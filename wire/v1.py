"""Version 1 of the kiosk-controller messages.

Schemas are split by direction: what a kiosk sends (`*Request`, `Heartbeat`,
`TransactionIn`) and what the controller answers (`*Response`, `*Ack`), so server-only
fields never appear in what a kiosk may send. Unknown fields are refused, so a typo on one
side is an error, not silently lost data.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Annotated, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from pii import DocumentType, InvalidIdNumber, validate_document_number

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"

Key = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
HardwareId = Annotated[str, StringConstraints(min_length=4, max_length=64, pattern=r"^[\w.:-]+$")]
ShortText = Annotated[str, StringConstraints(max_length=200)]


class WireError(ValueError):
    """A message did not match the contract; the text says which field and why."""


class Message(BaseModel):
    """Base of every wire message: strict, frozen, stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class RegisterRequest(Message):
    """A kiosk asks to join the fleet, identified by its hardware id."""

    hardware_id: HardwareId
    name: ShortText
    site: ShortText = ""
    software_version: ShortText = ""
    enrollment_token: Annotated[str, StringConstraints(min_length=8, max_length=200)]


class RegisterResponse(Message):
    """The controller's answer: the kiosk's id and the token it signs every later call with."""

    kiosk_id: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{4,16}$")]
    device_token: str
    heartbeat_seconds: int = 60


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


class Heartbeat(Message):
    """Sent every `heartbeat_seconds`: the kiosk is alive and this is how it feels."""

    sent_at: dt.datetime
    status: KioskStatus
    software_version: ShortText = ""
    devices: dict[Annotated[str, StringConstraints(max_length=40)], DeviceHealth] = Field(
        default_factory=dict, max_length=32
    )
    outbox_pending: int = Field(default=0, ge=0)


class HeartbeatAck(Message):
    """The controller's time, so a kiosk can see its clock drift."""

    server_time: dt.datetime


class Citizen(Message):
    """Who a transaction is for. Sealed at rest on both sides; masked on every screen.

    `id_number` is the number of `document`: a resident ID number, or the number of a
    Hong Kong/Macau/Taiwan residence permit or a foreigner's permanent residence card.
    """

    document: DocumentType = DocumentType.RESIDENT
    id_number: str
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]

    @model_validator(mode="after")
    def _valid_number(self) -> Citizen:
        try:
            number = validate_document_number(self.document, self.id_number)
        except InvalidIdNumber as err:
            raise ValueError(f"id_number: {err}") from err
        if number != self.id_number:
            object.__setattr__(self, "id_number", number)  # frozen: normalise once, here
        return self

    def __repr__(self) -> str:
        # Never let a traceback or log line carry the number or name in clear.
        return "Citizen(<personal data>)"

    __str__ = __repr__


_SERVICE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


class TransactionIn(Message):
    """One completed self-service transaction. `key` makes a retry a no-op on the controller."""

    key: Key
    number: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{6,32}$")]
    service: Annotated[str, StringConstraints(pattern=_SERVICE.pattern)]
    created_at: dt.datetime
    identity_method: Annotated[str, StringConstraints(max_length=32)]
    citizen: Citizen
    fields: dict[
        Annotated[str, StringConstraints(max_length=64)],
        Annotated[str, StringConstraints(max_length=2000)],
    ] = Field(default_factory=dict, max_length=64)

    def __repr__(self) -> str:
        return f"TransactionIn(number={self.number!r}, service={self.service!r})"

    __str__ = __repr__


class TransactionAck(Message):
    """Stored, exactly once. `duplicate` is true when the key had been seen before."""

    key: Key
    number: str
    duplicate: bool


M = TypeVar("M", bound=Message)


def parse(model: type[M], data: bytes | str) -> M:
    """Parse JSON into `model`, turning every failure into one WireError naming the fields."""
    try:
        return model.model_validate_json(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in err.errors()
        )
        raise WireError(f"{model.__name__}: {problems}") from err
