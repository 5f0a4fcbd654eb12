"""Resident ID numbers (GB 11643-1999): format, ISO 7064 MOD 11-2 check, birth date, region.

python-stdnum's `cn.ric` holds the GB/T 2260 region table and is kept up to date upstream,
so the region check is delegated to it; the checksum is computed here as well so the
error can say which part failed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric

from pii.errors import InvalidIdNumber

_FORMAT = re.compile(r"[0-9]{17}[0-9X]")
_REGION = re.compile(r"[1-9][0-9]{5}")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


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


def validate_id_number(raw: str, *, today: dt.date | None = None) -> str:
    """Return the normalised 18-character ID number or raise InvalidIdNumber."""
    number = raw.strip().replace(" ", "").upper()
    # ASCII only: str.isdigit() and \d also accept digits like "①" or "１".
    if not _FORMAT.fullmatch(number):
        raise InvalidIdNumber("format", "an ID number has 17 digits and a digit or X")
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber("checksum", "the ID number's check character does not match")
    try:
        birth = ric.get_birth_date(number)
    except stdnum_errors.ValidationError as err:
        raise InvalidIdNumber(
            "birth_date", "the birth date in the ID number is impossible"
        ) from err
    if birth > (today or dt.date.today()) or birth.year < 1890:
        raise InvalidIdNumber("birth_date", "the birth date in the ID number is out of range")
    try:
        ric.get_birth_place(number)
    except stdnum_errors.ValidationError as err:
        raise InvalidIdNumber("region", "the region code of the ID number is unknown") from err
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
    if not _REGION.fullmatch(code):
        return None
    facts = {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    if "county" not in facts:
        return None
    for entry in facts["county"].split(","):
        name = entry
        if entry.startswith("["):
            span, name = entry[1:].split("]", 1)
            start, _, end = span.partition("-")
            if year is not None and ((start and year < int(start)) or (end and year > int(end))):
                continue
        return facts.get("province", "") + name
    return None
