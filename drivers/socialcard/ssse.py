# mypy: disallow-untyped-defs, disallow-incomplete-defs, disallow-any-generics
# mypy: warn-return-any, strict-equality, no-implicit-reexport
"""The SSSE basic data of a social security card: one table of APDUs, its parsers, and the
same table run backwards to make a card's records (for the virtual card and tests).

**Every APDU here is [unverified]**: they come from public posts about LD/T 32, not from
the standard or a real card (docs/hardware.md section 3). They live in `BASIC_DATA` and
nowhere else, so a correction after the first real card is a one-line change.

Reading (after ``SELECT`` of the SSSE application by name)::

    READ RECORD  00 B2 <tag> <P2> <Le>     P2 2C = SFI 5 (EF05), record number in P1
                                           P2 04 = the current EF (EF06 after SELECT)
    reply        <tag> <len> <value> SW1 SW2

    EF05 07  card number   9 bytes ASCII
    EF06 08  ID number    18 bytes ASCII
         09  name         30 bytes GBK, NUL padded
         0A  sex           1 byte  GB/T 2261.1 code
         0B  nation        1 byte  BCD, GB 3304 code
         0D  birth date    4 bytes BCD YYYYMMDD

Only EF05 and EF06 are readable without a PIN. A record whose tag, length or content is
wrong raises `CardDataError` naming the field and never the value.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from drivers.codes import GENDERS, NATIONS
from drivers.socialcard.apdu import Command, Transmit, parse_command, transceive
from drivers.socialcard.errors import CardDataError, CardStatusError, UnsupportedCard
from pii import InvalidIdNumber, Sensitive, id_number_facts, mask_name, validate_id_number


class Kind(enum.Enum):
    """How a record's value is stored on the card."""

    ASCII = "ascii"  # printable ASCII, NUL or space padded
    GBK = "gbk"  # GBK text, NUL padded
    SEX = "sex"  # one GB/T 2261.1 code character
    BCD_CODE = "bcd code"  # two BCD digits of a GB 3304 nation code
    BCD_DATE = "bcd date"  # YYYYMMDD in four BCD bytes


@dataclass(frozen=True)
class Select:
    """SELECT of the application (`target` "SSSE") or of an elementary file ("EF06")."""

    target: str
    command: Command


@dataclass(frozen=True)
class ReadRecord:
    """READ RECORD of one field: its file, tag (= record number), value width and kind."""

    field: str  # the SocialCard attribute it fills
    file: str
    tag: int
    width: int
    kind: Kind
    command: Command


def _apdu(text: str) -> Command:
    return parse_command(bytes.fromhex(text))


SSSE_AID: Final = bytes.fromhex("7378312E73682E") + "社会保障".encode("gbk")  # "sx1.sh.社会保障"

# [unverified] The whole dialogue, in the order the reader runs it (docs/hardware.md section 3).
BASIC_DATA: Final[tuple[Select | ReadRecord, ...]] = (
    Select("SSSE", _apdu("00 A4 04 00 0F 7378312E73682E C9E7BBE1B1A3D5CF")),
    ReadRecord("card_number", "EF05", 0x07, 9, Kind.ASCII, _apdu("00 B2 07 2C 0B")),
    Select("EF06", _apdu("00 A4 02 00 02 EF06")),
    ReadRecord("id_number", "EF06", 0x08, 18, Kind.ASCII, _apdu("00 B2 08 04 14")),
    ReadRecord("name", "EF06", 0x09, 30, Kind.GBK, _apdu("00 B2 09 04 20")),
    ReadRecord("sex", "EF06", 0x0A, 1, Kind.SEX, _apdu("00 B2 0A 04 03")),
    ReadRecord("nation", "EF06", 0x0B, 1, Kind.BCD_CODE, _apdu("00 B2 0B 04 03")),
    ReadRecord("birth_date", "EF06", 0x0D, 4, Kind.BCD_DATE, _apdu("00 B2 0D 04 06")),
)
RECORDS: Final[tuple[ReadRecord, ...]] = tuple(s for s in BASIC_DATA if isinstance(s, ReadRecord))

_PAD = b"\x00 "


# -- the card holder's data --------------------------------------------------------------


def mask_card_number(number: str) -> str:
    """Keep the first and the last two characters: A1234567X -> A******7X."""
    if len(number) < 4:
        return "*" * len(number)
    return number[0] + "*" * (len(number) - 3) + number[-2:]


@dataclass(frozen=True, repr=False)
class SocialCard:
    """One read of a social security card's basic data; personal text is `Sensitive`."""

    card_number: str
    id_number: Sensitive
    name: Sensitive
    sex: str
    nation: str
    birth_date: dt.date

    def wipe(self) -> None:
        """Overwrite the Sensitive fields and drop the card number (end of a session)."""
        self.id_number.wipe()
        self.name.wipe()
        # str cannot be overwritten in place; dropping our reference is the most we can do.
        object.__setattr__(self, "card_number", "")

    @property
    def wiped(self) -> bool:
        """True once wipe() ran."""
        return self.id_number.wiped

    def __repr__(self) -> str:
        # The birth date stays out: with the masked ID number it narrows down a person.
        return (
            f"SocialCard(card_number={mask_card_number(self.card_number)!r}, "
            f"id_number={self.id_number!r}, name={self.name!r}, sex={self.sex!r}, "
            f"nation={self.nation!r})"
        )

    __str__ = __repr__


# -- one record: TLV, then the value by kind ---------------------------------------------


def parse_record(record: ReadRecord, data: bytes) -> bytes:
    """Return the value of a `tag len value` reply, checked against the table entry."""
    name = record.field
    if len(data) < 2:
        raise CardDataError(name, f"record of {len(data)} bytes has no tag and length")
    if data[0] != record.tag:
        raise CardDataError(name, f"tag {data[0]:02X}, expected {record.tag:02X}")
    length = data[1]
    if len(data) != 2 + length:
        raise CardDataError(name, f"length byte says {length}, the record holds {len(data) - 2}")
    if not 0 < length <= record.width:
        raise CardDataError(name, f"value of {length} bytes, the field has 1..{record.width}")
    return bytes(data[2:])


def _bcd(value: bytes, name: str) -> str:
    digits = value.hex()
    if not digits.isdigit():
        raise CardDataError(name, "not BCD digits")
    return digits


def _decode_ascii(value: bytes, name: str) -> str:
    text = value.rstrip(_PAD)
    if not text or not all(0x21 <= b <= 0x7E for b in text):
        raise CardDataError(name, "not printable ASCII")
    return text.decode("ascii")


def _decode_gbk(value: bytes, name: str) -> str:
    try:
        # GB 18030 decodes every GBK byte string to the same text and also knows the rare
        # characters some names need, which older cards store with GB 18030 codes.
        text = value.rstrip(_PAD).decode("gb18030").strip()
    except UnicodeDecodeError as err:
        raise CardDataError(name, "not valid GBK") from err
    if not text or not text.isprintable():
        raise CardDataError(name, "empty or not printable")
    return text


def _decode_sex(value: bytes, name: str) -> str:
    # [unverified] an ASCII code digit; a binary 00-09 is accepted too, since the two
    # cannot be confused and the public posts do not say which one cards use.
    code = chr(value[0] + 0x30) if len(value) == 1 and value[0] <= 9 else value.decode("latin-1")
    if code not in GENDERS:
        raise CardDataError(name, "not a GB/T 2261.1 code")
    return GENDERS[code]


def _decode_nation(value: bytes, name: str) -> str:
    code = _bcd(value, name)
    if code not in NATIONS:
        raise CardDataError(name, "not a GB 3304 code")
    return NATIONS[code]


def _decode_date(value: bytes, name: str) -> dt.date:
    digits = _bcd(value, name)
    if len(digits) != 8:
        raise CardDataError(name, "a date has 4 BCD bytes YYYYMMDD")
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError as err:
        raise CardDataError(name, "impossible date") from err


_DECODERS: Final[dict[Kind, Callable[[bytes, str], str | dt.date]]] = {
    Kind.ASCII: _decode_ascii,
    Kind.GBK: _decode_gbk,
    Kind.SEX: _decode_sex,
    Kind.BCD_CODE: _decode_nation,
    Kind.BCD_DATE: _decode_date,
}


def decode_value(record: ReadRecord, value: bytes) -> str | dt.date:
    """Decode a record's value by its kind; raise CardDataError naming the field."""
    return _DECODERS[record.kind](value, record.field)


def build_card(values: dict[str, str | dt.date]) -> SocialCard:
    """Check the decoded fields against each other and make the SocialCard."""
    try:
        # The chip's number is the card's own: its county is not held against our table.
        number = validate_id_number(str(values["id_number"]), check_county=False)
    except InvalidIdNumber as err:
        # err carries a reason code and never the number itself.
        raise CardDataError("id_number", err.reason) from err
    birth_date = values["birth_date"]
    if not isinstance(birth_date, dt.date) or id_number_facts(number).birth_date != birth_date:
        # A real card never disagrees with itself: a mis-parse or a forged record.
        raise CardDataError("birth_date", "does not match the ID number")
    return SocialCard(
        card_number=str(values["card_number"]),
        id_number=Sensitive(number),
        name=Sensitive(str(values["name"]), mask=mask_name),
        sex=str(values["sex"]),
        nation=str(values["nation"]),
        birth_date=birth_date,
    )


def read_basic_data(transmit: Transmit) -> SocialCard:
    """Run `BASIC_DATA` through `transmit` (raw C-APDU in, raw R-APDU out) and parse it.

    The T=0 61xx/6Cxx logic sits between the table and `transmit`. A card without the
    SSSE application raises UnsupportedCard; a record that does not parse, CardDataError.
    """
    values: dict[str, str | dt.date] = {}
    for step in BASIC_DATA:
        reply = transceive(step.command, transmit)
        if isinstance(step, Select):
            try:
                reply.check(f"SELECT {step.target}")
            except CardStatusError as err:
                if step.target == "SSSE":
                    raise UnsupportedCard(f"no SSSE application: {err}") from err
                raise
            continue
        data = reply.check(f"READ RECORD {step.field}")
        values[step.field] = decode_value(step, parse_record(step, data))
    return build_card(values)


# -- backwards: a card's records from a holder's values (virtual card, tests) -------------


def encode_value(record: ReadRecord, value: str | dt.date, *, pad: bool = True) -> bytes:
    """Encode a value the way the card stores it; `pad=False` leaves text unpadded.

    Values are written as given, unchecked, so tests can build broken cards too.
    """
    if record.kind is Kind.BCD_DATE:
        if not isinstance(value, dt.date):
            raise TypeError(f"{record.field} needs a date")
        return bytes.fromhex(f"{value:%Y%m%d}")
    text = str(value)
    if record.kind is Kind.BCD_CODE:
        return bytes.fromhex(text)
    raw = text.encode("gbk" if record.kind is Kind.GBK else "ascii")
    if len(raw) > record.width:
        raise ValueError(f"{record.field} needs {len(raw)} bytes, the field has {record.width}")
    return raw + b"\x00" * (record.width - len(raw)) if pad else raw


def encode_record(record: ReadRecord, value: bytes) -> bytes:
    """Wrap a value as the card sends it: tag, length, value."""
    if len(value) > 0xFF:
        raise ValueError("a record value is at most 255 bytes")
    return bytes((record.tag, len(value))) + value


def record_for(file: str, tag: int) -> ReadRecord | None:
    """The table entry a card serves for READ RECORD `tag` of `file`, if any."""
    for record in RECORDS:
        if record.file == file and record.tag == tag:
            return record
    return None
