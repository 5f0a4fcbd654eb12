"""The structure of a region code: the one module that knows it (stdlib only).

GB/T 2260 codes have 6 digits: 2 for the province, 2 for the city (prefecture), 2 for the
county. The statistical division codes (统计用区划代码) extend a county with 3 digits for a
township (乡镇街道) and 3 more for a village (村居委会): 12 digits in all, the lower levels
written as zeros.

    33 11 22 001 001
    |  |  |  |   +-- village   (12 digits)
    |  |  |  +------ township  (9 digits; 12 written with 000 at the end)
    |  |  +--------- county    331122
    |  +------------ city      331100
    +--------------- province  330000

A code is kept in its shortest form (`canonical`): 6 digits down to a county, 9 for a
township, 12 for a village; `331122000000` and `331122001000` are read as `331122` and
`331122001`. Everything inside a region shares its `significant` prefix (`3311` for the
city 331100), which is what the county rule and the fleet page's filter compare.

Two kinds of county have no city above them: the districts and counties of the four
municipalities (北京 11, 天津 12, 上海 31, 重庆 50: their "city" digits 01 and 02 name
市辖区 and 县, which newer editions of the standard no longer list) and the counties a
province administers itself (city digits 90, 省直辖县级行政区划, e.g. 429004 仙桃市). Their
parent is the city code when the tree has it and the province otherwise (`parents`).
"""

from __future__ import annotations

import re
from enum import StrEnum

_SHAPE = re.compile(r"[1-9]\d{5}(?:\d{3}){0,2}")
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# The city digits of counties a province administers itself.
PROVINCE_ADMINISTERED = "90"


class Level(StrEnum):
    """How far down the tree a code is."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


LEVEL_LABELS: dict[Level, tuple[str, str]] = {
    Level.PROVINCE: ("省", "Province"),
    Level.CITY: ("市", "City"),
    Level.COUNTY: ("区县", "County"),
    Level.TOWNSHIP: ("乡镇街道", "Township"),
    Level.VILLAGE: ("村社区", "Village"),
}
# The length of the prefix shared by everything inside a region of each level.
_SIGNIFICANT = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


class BadRegionCode(ValueError):
    """A string that is not a region code; the message says what is wrong with it."""


def canonical(raw: str) -> str:
    """The code in its shortest form, or BadRegionCode: ' 331122001000' -> '331122001'."""
    code = raw.strip()
    # ASCII only: str.isdigit() and \d also take "１" and "①".
    if not code.isascii() or not _SHAPE.fullmatch(code):
        raise BadRegionCode(f"{raw!r} is not a region code: 6, 9 or 12 digits, not from 0")
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) == 9 and code.endswith("000"):
        code = code[:6]
    if code[2:4] == "00" and code[4:] != "00":
        raise BadRegionCode(f"{raw!r}: a county or lower needs a city part (digits 3-4)")
    if len(code) > 6 and code[2:4] == "00":
        raise BadRegionCode(f"{raw!r}: a township or village needs a county")
    if len(code) > 6 and code[4:6] == "00":
        raise BadRegionCode(f"{raw!r}: a township or village needs a county part (digits 5-6)")
    return code


def is_region_code(raw: str) -> bool:
    """True when `raw` is a well-formed code (not whether the tree has it)."""
    try:
        canonical(raw)
    except BadRegionCode:
        return False
    return True


def level_of(code: str) -> Level:
    """The level of a canonical code."""
    if len(code) == 12:
        return Level.VILLAGE
    if len(code) == 9:
        return Level.TOWNSHIP
    if code[2:] == "0000":
        return Level.PROVINCE
    if code[4:] == "00":
        return Level.CITY
    return Level.COUNTY


def significant(code: str) -> str:
    """The prefix every code inside a region shares: 330100 (a city) -> 3301."""
    return code[: _SIGNIFICANT[level_of(code)]]


def parents(code: str) -> tuple[str, ...]:
    """The codes the parent of a canonical code may have, the expected one first; () for a
    province.

    A county of a municipality or one its province administers may hang from its province
    when the tree lists no city for it (the module's docstring says why).
    """
    level = level_of(code)
    if level is Level.PROVINCE:
        return ()
    if level is Level.CITY:
        return (code[:2] + "0000",)
    if level is Level.COUNTY:
        city, province = code[:4] + "00", code[:2] + "0000"
        if code[:2] in MUNICIPALITIES or code[2:4] == PROVINCE_ADMINISTERED:
            return (city, province)
        return (city,)
    if level is Level.TOWNSHIP:
        return (code[:6],)
    return (code[:9],)


def contains(outer: str, inner: str) -> bool:
    """True when the region `inner` lies in `outer` (or is it); both canonical."""
    return inner.startswith(significant(outer))


def prefix_bounds(code: str) -> tuple[str, str]:
    """[low, high) such that low <= c < high for exactly the codes inside `code`.

    Codes are strings of digits, so a range on an indexed column finds a region's contents
    (a LIKE would not use the index on SQLite, nor on PostgreSQL without text_pattern_ops).
    """
    prefix = significant(code)
    # Bump the last digit; a 9 carries (the prefix "39" ends before "4").
    stem = prefix.rstrip("9")
    high = stem[:-1] + chr(ord(stem[-1]) + 1) if stem else "A"
    return prefix, high


def county_of(code: str) -> str | None:
    """The county a canonical code lies in (6 digits), or None above county level."""
    if level_of(code) in (Level.PROVINCE, Level.CITY):
        return None
    return code[:6]


def with_enclosing(raw: str | None) -> list[str]:
    """The region and every region it lies in (itself first); [] for none or a bad code.

    Whose content a kiosk placed there lists, and books: the two must never differ.
    """
    if not raw:
        return []
    try:
        code = canonical(raw)
    except BadRegionCode:
        return []
    found = [code]
    for parent in parents(code):
        found.extend(r for r in with_enclosing(parent) if r not in found)
    return found
