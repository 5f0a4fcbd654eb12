"""The structure of region codes (controller/region_codes.py): forms, levels, parents."""

from __future__ import annotations

import pytest

from controller.region_codes import (
    BadRegionCode,
    Level,
    canonical,
    contains,
    level_of,
    parents,
    prefix_bounds,
    significant,
)


@pytest.mark.parametrize(
    ("raw", "code", "level"),
    [
        ("330000", "330000", Level.PROVINCE),
        ("331100", "331100", Level.CITY),
        ("331122", "331122", Level.COUNTY),
        (" 331122 ", "331122", Level.COUNTY),
        ("331122001", "331122001", Level.TOWNSHIP),
        ("331122001000", "331122001", Level.TOWNSHIP),  # the 12-digit form of a township
        ("331122000000", "331122", Level.COUNTY),
        ("331122001002", "331122001002", Level.VILLAGE),
    ],
)
def test_a_code_is_kept_in_its_shortest_form_with_its_level(
    raw: str, code: str, level: Level
) -> None:
    assert canonical(raw) == code
    assert level_of(code) is level


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "33112",  # 5 digits
        "3311220",  # 7
        "033122",  # no province 0x
        "33AB22",
        "３３１１２２",  # full-width digits
        "330012",  # a county without a city
        "330100001",  # a township without a county
        "331100001001",
        "331122001; DROP TABLE regions",
    ],
)
def test_a_malformed_code_is_refused(raw: str) -> None:
    with pytest.raises(BadRegionCode):
        canonical(raw)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("330000", ()),
        ("331100", ("330000",)),
        ("331122", ("331100",)),
        # A district of a municipality may hang from the province when no 市辖区 is listed,
        ("110105", ("110100", "110000")),
        # and so may a county its province administers itself (省直辖: city digits 90).
        ("429004", ("429000", "420000")),
        ("331122001", ("331122",)),
        ("331122001002", ("331122001",)),
    ],
)
def test_the_parent_is_derived_from_the_code(code: str, expected: tuple[str, ...]) -> None:
    assert parents(code) == expected


@pytest.mark.parametrize(
    ("outer", "inner", "inside"),
    [
        ("330000", "331122001002", True),
        ("331100", "331122", True),
        ("331100", "331200", False),
        ("331122", "331122", True),
        ("331122", "3311220", True),  # any code below, by prefix
        ("331122001", "331122002001", False),
        ("331122", "33112", False),
    ],
)
def test_a_region_contains_what_shares_its_significant_prefix(
    outer: str, inner: str, inside: bool
) -> None:
    assert contains(outer, inner) is inside


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [("330000", "33", "34"), ("331100", "3311", "3312"), ("339900", "3399", "34")],
)
def test_the_bounds_of_a_region_enclose_exactly_its_codes(code: str, low: str, high: str) -> None:
    assert prefix_bounds(code) == (low, high)
    assert significant(code) == low
    inside = [c for c in ("33", "3311", "331122001", "3399", "34", "3312", "32") if low <= c < high]
    assert all(contains(code, c) for c in inside)
