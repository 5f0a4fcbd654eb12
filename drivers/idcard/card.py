"""The data on the four card types a 2nd-generation reader reads: layouts, parsing, building.

Every card stores a 256-byte text block (UTF-16LE, space padded; docs/hardware.md section 1)
whose type flag, the UTF-16 character at bytes 248-249, says which layout the rest uses::

    resident ID card (flag space/NUL)       HK/Macau/Taiwan residence permit (flag J)
      0 name 30      30 gender 2              as resident up to 220 (nation left blank),
     32 nation 4     36 birth date 16         220 pass number 18   238 issue count 4
     52 address 70  122 ID number 36          242 reserved 6       248 flag
    158 authority 30 188 valid from 16
    204 valid to 16 (date or 长期) 220 reserved 36 (flag at 248)

    foreigner permanent residence 2017 (I)   foreigner permanent residence 2023 (Y)
      0 English name 120  120 sex 2             0 Chinese name 30   30 sex 2
    122 card number 30    152 nationality 6    32 renewal count 4   36 birth date 16
    158 Chinese name 30   188 valid from 16    52 English name 70  122 card number 36
    204 valid to 16       220 birth date 16   158 reserved 30     188 valid from 16
    236 card version 4    240 authority 8     204 valid to 16     220 English name (cont.) 22
    248 flag                                  242 nationality 6   248 flag  250 associated ID 6

Ignoring the flag mis-parses a foreigner's card as a resident's, so an unknown flag raises
`UnsupportedCardType`. Layouts and number rules are tables, so a field that turns out
different on real cards is a one-line change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

from drivers.codes import GENDERS, NATIONS
from drivers.idcard.errors import CardDataError, UnsupportedCardType
from pii import DocumentType, InvalidIdNumber, Sensitive, mask_name, validate_document_number
from pii.documents import HMT_REGIONS, NUMBER_RULES

TEXT_SIZE = 256
PHOTO_SIZE = 1024
FINGERPRINT_SIZE = 1024
# [unverified] an appended address reply is one or more records as wide as the address field.
ADDRESS_RECORD_SIZE = 70
LONG_TERM = "长期"
_PAD = " \x00\u3000"


class CardType(enum.StrEnum):
    """Which card was read; the value is what logs and the kiosk see."""

    RESIDENT = "resident"
    HMT_PERMIT = "hmt_residence_permit"
    FOREIGNER_2017 = "foreign_permanent_2017"
    FOREIGNER_2023 = "foreign_permanent_2023"


# The type flag at text bytes 248-249 ("" once space/NUL padding is stripped).
CARD_TYPE_FLAGS: dict[str, CardType] = {
    "": CardType.RESIDENT,
    "J": CardType.HMT_PERMIT,  # [unverified] letter: a single public source gives J
    "I": CardType.FOREIGNER_2017,
    "Y": CardType.FOREIGNER_2023,
}


@dataclass(frozen=True)
class Field:
    """One text field: `width` bytes of UTF-16LE at `offset`.

    Two entries with the same name are one value split in two places (the 2023 card's
    English name); they are joined in table order before the padding is stripped.
    """

    name: str
    offset: int
    width: int


FLAG_FIELD = Field("card_type", 248, 2)
_RESIDENT_HEAD = (
    Field("name", 0, 30),
    Field("gender", 30, 2),
    Field("nation", 32, 4),
    Field("birth_date", 36, 16),
    Field("address", 52, 70),
    Field("id_number", 122, 36),
    Field("authority", 158, 30),
    Field("valid_from", 188, 16),
    Field("valid_to", 204, 16),
)
LAYOUTS: dict[CardType, tuple[Field, ...]] = {
    CardType.RESIDENT: _RESIDENT_HEAD,
    CardType.HMT_PERMIT: (
        *_RESIDENT_HEAD,
        Field("travel_permit_number", 220, 18),
        Field("issue_count", 238, 4),
    ),
    CardType.FOREIGNER_2017: (
        Field("english_name", 0, 120),
        Field("gender", 120, 2),
        Field("id_number", 122, 30),
        Field("nationality", 152, 6),
        Field("name", 158, 30),
        Field("valid_from", 188, 16),
        Field("valid_to", 204, 16),
        Field("birth_date", 220, 16),
        Field("card_version", 236, 4),
        Field("authority_code", 240, 8),
    ),
    CardType.FOREIGNER_2023: (
        Field("name", 0, 30),
        Field("gender", 30, 2),
        Field("renewal_count", 32, 4),
        Field("birth_date", 36, 16),
        Field("english_name", 52, 70),
        Field("id_number", 122, 36),
        Field("valid_from", 188, 16),
        Field("valid_to", 204, 16),
        Field("english_name", 220, 22),
        Field("nationality", 242, 6),
        Field("associated_id", 250, 6),
    ),
}


# The GB 11643 region part of HK/Macau/Taiwan residence permit numbers. python-stdnum's
# GB/T 2260 table has no 81/82/83, so these numbers are checked here.
# The number rules live in pii (wire and flows check the same numbers); the reader's
# card types are the documents of pii.DocumentType under the same values.
DOCUMENT_TYPES: dict[CardType, DocumentType] = {t: DocumentType(t.value) for t in CardType}


def mask_address(address: str) -> str:
    """Keep the first 3 characters (province level): 北京市朝阳区... -> 北京市***."""
    return address[:3] + "***" if address else ""


def mask_travel_permit_number(number: str) -> str:
    """Keep the first character only (the H/M of a pass number): H12345678 -> H********."""
    return number[:1] + "*" * (len(number) - 1)


@dataclass(frozen=True, kw_only=True, repr=False)
class IdCard:
    """One read card of any type: what all four carry. Subclasses add their own fields.

    `name` is the Chinese name, or for a foreigner without one the English name.
    `id_number` is the number printed on the card (for foreigners, the card number).
    """

    card_type: CardType
    name: Sensitive
    gender: str
    birth_date: dt.date
    id_number: Sensitive
    valid_from: dt.date
    valid_to: dt.date | None  # None: long-term (长期)
    photo: bytes = b""  # raw wlt; see drivers.idcard.photo for decoding
    fingerprint: bytes = b""  # raw, only from a 30 10 read
    appended_addresses: tuple[Sensitive, ...] = ()  # from 30 03, oldest first

    def wipe(self) -> None:
        """Overwrite every Sensitive field and drop photo and fingerprint (end of a session)."""
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Sensitive):
                value.wipe()
            elif isinstance(value, tuple):
                for part in value:
                    part.wipe()
            elif isinstance(value, bytes):
                # bytes cannot be overwritten in place; dropping our reference is the most.
                object.__setattr__(self, item.name, b"")

    @property
    def wiped(self) -> bool:
        """True once wipe() ran."""
        return self.id_number.wiped

    def is_valid_on(self, day: dt.date) -> bool:
        """True if the card is within its validity period on `day`."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def __repr__(self) -> str:
        # Birth date and address stay out: with the masked number they narrow down a person.
        valid_to = LONG_TERM if self.valid_to is None else self.valid_to.isoformat()
        return (
            f"{type(self).__name__}(card_type={str(self.card_type)!r}, name={self.name!r}, "
            f"id_number={self.id_number!r}, gender={self.gender!r}, valid_to={valid_to!r}, "
            f"photo=<{len(self.photo)} bytes>, fingerprint=<{len(self.fingerprint)} bytes>)"
        )

    __str__ = __repr__


@dataclass(frozen=True, kw_only=True, repr=False)
class ResidentIdCard(IdCard):
    """A 2nd-generation resident ID card (居民身份证)."""

    nation: str
    address: Sensitive
    authority: str


@dataclass(frozen=True, kw_only=True, repr=False)
class HmtResidencePermit(IdCard):
    """A residence permit for Hong Kong, Macau and Taiwan residents (港澳台居民居住证)."""

    address: Sensitive
    authority: str
    travel_permit_number: Sensitive  # the holder's travel permit (通行证) number
    issue_count: int

    @property
    def region(self) -> str:
        """香港, 澳门 or 台湾, from the number's region part."""
        return HMT_REGIONS[self.id_number.reveal()[:6]]


@dataclass(frozen=True, kw_only=True, repr=False)
class ForeignerCard(IdCard):
    """A foreigner's permanent residence card (外国人永久居留身份证), either version."""

    english_name: Sensitive
    chinese_name: Sensitive  # empty when the holder has none
    nationality: str  # ISO 3166-1 alpha-3


@dataclass(frozen=True, kw_only=True, repr=False)
class ForeignerCard2017(ForeignerCard):
    """The 2017 version (flag I): 15-character card number."""

    card_version: str
    authority_code: str


@dataclass(frozen=True, kw_only=True, repr=False)
class ForeignerCard2023(ForeignerCard):
    """The 2023 version (flag Y): 18-character number starting with 9."""

    renewal_count: int
    associated_id: str


# -- parsing ----------------------------------------------------------------------------


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-16-le").strip(_PAD)
    except UnicodeDecodeError as err:
        raise CardDataError(name, "not valid UTF-16LE") from err


def _texts(block: bytes, layout: tuple[Field, ...]) -> dict[str, str]:
    parts: dict[str, bytes] = {}
    for item in layout:
        parts[item.name] = parts.get(item.name, b"") + block[item.offset : item.offset + item.width]
    return {name: _decode(raw, name) for name, raw in parts.items()}


def _date(text: str, name: str) -> dt.date:
    if len(text) != 8 or not text.isdigit() or not text.isascii():
        raise CardDataError(name, "a date has 8 digits YYYYMMDD")
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as err:
        raise CardDataError(name, "impossible date") from err


def _count(text: str, name: str) -> int:
    if not text:
        return 0
    if not (text.isdigit() and text.isascii()):
        raise CardDataError(name, "not a number")
    return int(text)


def _coded(text: str, table: Mapping[str, str], name: str, standard: str) -> str:
    try:
        return table[text]
    except KeyError:
        raise CardDataError(name, f"not a {standard} code") from None


def check_number(card_type: CardType, text: str, birth_date: dt.date) -> str:
    """Return the card's number normalised, or raise CardDataError (never repeating it)."""
    document = DOCUMENT_TYPES[card_type]
    try:
        # The chip's data is the card's own: its county code is not held against our table.
        number = validate_document_number(document, text, check_county=False)
    except InvalidIdNumber as err:
        # err carries a reason code and never the number itself.
        raise CardDataError("id_number", err.reason) from err
    at = NUMBER_RULES[document].birth_date_at
    if at is not None and number[at[0] : at[1]] != f"{birth_date:%Y%m%d}":
        # A real card never disagrees with itself: this is a mis-parse or a forged block.
        raise CardDataError("birth_date", "does not match the ID number")
    return number


class _Common(TypedDict):
    """What every card type carries, parsed and checked: IdCard's keywords."""

    card_type: CardType
    name: Sensitive
    gender: str
    birth_date: dt.date
    id_number: Sensitive
    valid_from: dt.date
    valid_to: dt.date | None


class _ForeignerCommon(_Common):
    """What both foreigner card versions add: ForeignerCard's keywords."""

    english_name: Sensitive
    chinese_name: Sensitive
    nationality: str


class _Media(TypedDict):
    """The photo and fingerprint read beside the text block, attached as they are."""

    photo: bytes
    fingerprint: bytes


def _common(card_type: CardType, raw: dict[str, str], name: str) -> _Common:
    if not name:
        raise CardDataError("name", "empty")
    birth_date = _date(raw["birth_date"], "birth_date")
    valid_from = _date(raw["valid_from"], "valid_from")
    valid_to = None if raw["valid_to"] == LONG_TERM else _date(raw["valid_to"], "valid_to")
    if valid_to is not None and valid_to <= valid_from:
        raise CardDataError("valid_to", "not after valid_from")
    return {
        "card_type": card_type,
        "name": Sensitive(name, mask=mask_name),
        "gender": _coded(raw["gender"], GENDERS, "gender", "GB/T 2261.1"),
        "birth_date": birth_date,
        "id_number": Sensitive(check_number(card_type, raw["id_number"], birth_date)),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _resident(raw: dict[str, str], media: _Media) -> IdCard:
    return ResidentIdCard(
        **_common(CardType.RESIDENT, raw, raw["name"]),
        nation=_coded(raw["nation"], NATIONS, "nation", "GB 3304"),
        address=Sensitive(raw["address"], mask=mask_address),
        authority=raw["authority"],
        **media,
    )


def _hmt(raw: dict[str, str], media: _Media) -> IdCard:
    travel_permit_number = raw["travel_permit_number"].upper()
    if not (travel_permit_number.isascii() and travel_permit_number.isalnum()):
        raise CardDataError("travel_permit_number", "not letters and digits")
    return HmtResidencePermit(
        **_common(CardType.HMT_PERMIT, raw, raw["name"]),
        address=Sensitive(raw["address"], mask=mask_address),
        authority=raw["authority"],
        travel_permit_number=Sensitive(travel_permit_number, mask=mask_travel_permit_number),
        issue_count=_count(raw["issue_count"], "issue_count"),
        **media,
    )


def _foreigner(card_type: CardType, raw: dict[str, str]) -> _ForeignerCommon:
    english, chinese = raw["english_name"], raw["name"]
    if not english:
        raise CardDataError("english_name", "empty")
    nationality = raw["nationality"]
    if not re.fullmatch(r"[A-Z]{3}", nationality):
        raise CardDataError("nationality", "not an ISO 3166-1 alpha-3 code")
    return {
        **_common(card_type, raw, chinese or english),
        "english_name": Sensitive(english, mask=mask_name),
        "chinese_name": Sensitive(chinese, mask=mask_name),
        "nationality": nationality,
    }


def _foreigner_2017(raw: dict[str, str], media: _Media) -> IdCard:
    return ForeignerCard2017(
        **_foreigner(CardType.FOREIGNER_2017, raw),
        card_version=raw["card_version"],
        authority_code=raw["authority_code"],
        **media,
    )


def _foreigner_2023(raw: dict[str, str], media: _Media) -> IdCard:
    return ForeignerCard2023(
        **_foreigner(CardType.FOREIGNER_2023, raw),
        renewal_count=_count(raw["renewal_count"], "renewal_count"),
        associated_id=raw["associated_id"],
        **media,
    )


_PARSERS = {
    CardType.RESIDENT: _resident,
    CardType.HMT_PERMIT: _hmt,
    CardType.FOREIGNER_2017: _foreigner_2017,
    CardType.FOREIGNER_2023: _foreigner_2023,
}


def card_type_flag(block: bytes) -> str:
    """Return the type flag character at bytes 248-249, '' for a resident card."""
    return _decode(block[FLAG_FIELD.offset : FLAG_FIELD.offset + FLAG_FIELD.width], FLAG_FIELD.name)


def card_type_of(block: bytes) -> CardType:
    """Return the type a text block's flag names; UnsupportedCardType for an unknown flag."""
    flag = card_type_flag(block)
    try:
        return CARD_TYPE_FLAGS[flag]
    except KeyError:
        raise UnsupportedCardType(flag) from None


def parse_text(block: bytes, photo: bytes = b"", fingerprint: bytes = b"") -> IdCard:
    """Parse a 256-byte text block of any known type; photo and fingerprint attached as is."""
    if len(block) != TEXT_SIZE:
        raise CardDataError("text", f"expected {TEXT_SIZE} bytes, got {len(block)}")
    card_type = card_type_of(block)
    raw = _texts(block, LAYOUTS[card_type])
    return _PARSERS[card_type](raw, {"photo": photo, "fingerprint": fingerprint})


def _blocks(data: bytes, count: int) -> list[bytes]:
    """Split reply data made of `count` big-endian lengths followed by those blocks."""
    head = 2 * count
    if len(data) < head:
        raise CardDataError("reply", "shorter than its length fields")
    lengths = [int.from_bytes(data[i : i + 2], "big") for i in range(0, head, 2)]
    if lengths[0] != TEXT_SIZE:
        raise CardDataError("reply", f"text length {lengths[0]}, expected {TEXT_SIZE}")
    if len(data) != head + sum(lengths):
        raise CardDataError("reply", "lengths do not add up to the reply size")
    blocks, start = [], head
    for length in lengths:
        blocks.append(bytes(data[start : start + length]))
        start += length
    return blocks


def parse_read_reply(data: bytes) -> IdCard:
    """Parse the data of a 30 01 reply: text and photo lengths (big-endian), the blocks."""
    text, photo = _blocks(data, 2)
    return parse_text(text, photo=photo)


def parse_fingerprint_reply(data: bytes) -> IdCard:
    """Parse the data of a 30 10 reply: text, photo and fingerprint lengths, the blocks."""
    text, photo, fingerprint = _blocks(data, 3)
    return parse_text(text, photo=photo, fingerprint=fingerprint)


def parse_appended_address(data: bytes) -> tuple[Sensitive, ...]:
    """Parse a 30 03 reply's data: address records, oldest first, blanks dropped."""
    records = []
    for start in range(0, len(data), ADDRESS_RECORD_SIZE):
        text = _decode(data[start : start + ADDRESS_RECORD_SIZE], "appended_address")
        if text:
            records.append(Sensitive(text, mask=mask_address))
    return tuple(records)


def flag_of(card_type: CardType) -> str:
    """The type flag a card of `card_type` carries."""
    return next(flag for flag, known in CARD_TYPE_FLAGS.items() if known is card_type)
