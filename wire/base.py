"""The base of every version-1 wire message (`Message`), the field types several topics share,
and `parse`/`validate`, which turn pydantic's errors into a `WireError` naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from wire.codes import (
    MAX_COUNT,
    WireError,
)

Key = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]

HardwareId = Annotated[str, StringConstraints(min_length=4, max_length=64, pattern=r"^[\w.:-]+$")]

ShortText = Annotated[str, StringConstraints(max_length=200)]

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


class Message(BaseModel):
    """Base of every wire message: strict, frozen, stripped."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# A region code of GB/T 2260 (6 digits), down to a township (9) or a village (12).
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}([0-9]{3}){0,2}$")]

# A pairing code as typed: 8 Crockford base32 characters, shown as K7QM-4ZP2; the
# controller normalises case, dashes, spaces and look-alikes (O->0, I/L->1).
PairingCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]

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


# The ids of content items, as flows/content.py accepts them.
ItemId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
