"""Resident ID numbers (GB 11643-1999): format, ISO 7064 MOD 11-2 check, birth date, region.

python-stdnum holds the GB/T 2260 region table (with the years each code was in use) and is
kept up to date upstream; the checksum is computed here so the error can say which part
failed.

The region check is plausibility, not history: a number is issued after its holder's birth
and keeps the code it was issued with, so the code must have been in use at some time since
the birth year. People born before their county's current code existed (a 1970 birth under a
code in use from 1983) carry that code on genuine cards: checking the code against the birth
year itself (stdnum's `get_birth_place`) refuses the 40-60-year-olds employment services
serve most. A code retired before the holder was born cannot be on their card.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pii.errors import InvalidIdNumber

_FORMAT = re.compile(r"[0-9]{17}[0-9X]")
_REGION = re.compile(r"[1-9][0-9]{5}")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# Hong Kong, Macau, Taiwan: listed in the table, but never on a resident ID card.
_NOT_MAINLAND = frozenset({"71", "81", "82", "83"})


@dataclass(frozen=True)
class IdNumberFacts:
    """What an ID number itself says about its holder."""

    birth_date: dt.date
    is_male: bool
    region_code: str


def check_character(first17: str) -> str:
    """Return the MOD 11-2 check character for the first 17 digits."""
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def make_id_number(region: str, birth_date: dt.date, sequence: int) -> str:
    """An 18-character number with its check character computed (for synthetic test cards)."""
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def validate_id_number(raw: str, *, today: dt.date | None = None, check_county: bool = True) -> str:
    """Return the normalised 18-character ID number or raise InvalidIdNumber.

    `check_county=False` checks only the province (a mainland one: Hong Kong, Macau and
    Taiwan residents hold permits of their own card type), for a number read from a card's
    chip (the card is authentic, and a county code newer than our copy of the table must not
    turn a citizen away) and for one a kiosk already accepted.
    """
    number = raw.strip().replace(" ", "").upper()
    # ASCII only: str.isdigit() and \d also accept digits like "①" or "１".
    if not _FORMAT.fullmatch(number):
        raise InvalidIdNumber("format", "an ID number has 17 digits and a digit or X")
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber("checksum", "the ID number's check character does not match")
    # python-stdnum loads with the first check, not with the package: a kiosk's menu (its
    # cold start, docs/touchscreen.md) checks no number, and the import is tens of ms.
    from stdnum import exceptions as stdnum_errors
    from stdnum.cn import ric

    try:
        birth = ric.get_birth_date(number)
    except stdnum_errors.ValidationError as err:
        raise InvalidIdNumber(
            "birth_date", "the birth date in the ID number is impossible"
        ) from err
    if birth > (today or dt.date.today()) or birth.year < 1890:
        raise InvalidIdNumber("birth_date", "the birth date in the ID number is out of range")
    if not check_county:
        if number[:2] in _NOT_MAINLAND or not _province(number[:6]):
            raise InvalidIdNumber("region", "the province code of the ID number is unknown")
    elif not any(end is None or end >= birth.year for _, end, _ in _county_entries(number[:6])):
        raise InvalidIdNumber("region", "the region code of the ID number is unknown")
    return number


def id_number_facts(number: str) -> IdNumberFacts:
    """Read birth date, sex and region out of an already validated ID number."""
    return IdNumberFacts(
        birth_date=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        is_male=int(number[16]) % 2 == 1,
        region_code=number[:6],
    )


def region_name(code: str, *, year: int | None = None) -> str | None:
    """The GB/T 2260 name of a 6-digit region code (浙江省缙云县), None if unknown.

    With `year`, a county that did not exist that year (codes are reassigned) is unknown.
    """
    for start, end, name in _county_entries(code):
        if year is not None and ((start and year < start) or (end and year > end)):
            continue
        return _province(code) + name
    return None


def _county_entries(code: str) -> list[tuple[int | None, int | None, str]]:
    """Every county the table has had under `code`: (first year, last year, name)."""
    if not _REGION.fullmatch(code):
        return []
    county = _facts(code).get("county")
    entries: list[tuple[int | None, int | None, str]] = []
    for entry in county.split(",") if county else []:
        start = end = None
        name = entry
        if entry.startswith("["):
            span, name = entry[1:].split("]", 1)
            first, _, last = span.partition("-")
            start = int(first) if first else None
            end = int(last) if last else None
        entries.append((start, end, name))
    return entries


def _province(code: str) -> str:
    return _facts(code).get("province", "")


def _facts(code: str) -> dict[str, str]:
    from stdnum import numdb  # with the first look-up (validate_id_number)

    return {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
