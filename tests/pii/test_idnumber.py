from __future__ import annotations

import datetime as dt

import pytest

from pii import InvalidIdNumber, id_number_facts, region_name, validate_id_number
from pii.idnumber import check_character


@pytest.mark.parametrize(
    ("first17", "check"),
    [("11010519491231002", "X"), ("44030419900307201", "1"), ("32010219880808123", "2")],
)
def test_check_character_follows_iso7064_mod11_2(first17: str, check: str) -> None:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    expected = "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]
    assert check_character(first17) == expected
    if check == expected:
        assert validate_id_number(first17 + check) == first17 + check


def test_lowercase_x_and_spaces_are_normalised() -> None:
    assert validate_id_number(" 110105 19491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("1101051949123100", "format"),
        ("11010519491231002A", "format"),
        ("110105194912310021", "checksum"),
        ("110105" + "19490231" + "002", "birth_date"),
        ("990105" + "19491231" + "002", "region"),
        ("110105" + "20991231" + "002", "birth_date"),
    ],
)
def test_invalid_numbers_say_which_part_is_wrong(number: str, reason: str) -> None:
    if len(number) == 17:
        number += check_character(number)
    with pytest.raises(InvalidIdNumber) as caught:
        validate_id_number(number, today=dt.date(2026, 11, 26))
    assert caught.value.reason == reason
    assert number not in str(caught.value)


@pytest.mark.parametrize(
    ("region", "born"),
    [
        ("330106", dt.date(1970, 5, 1)),  # 西湖区: this code in use from 1983
        ("331122", dt.date(1965, 3, 9)),  # 缙云县: this code from 2000
    ],
)
def test_a_holder_born_before_their_countys_code_existed_is_accepted(
    region: str, born: dt.date
) -> None:
    # Such genuine cards exist: a number keeps the code it was issued with, and the code is
    # often younger than its holder. Any year's table will do.
    assert region_name(region, year=born.year) is None  # the code did not exist yet
    number = f"{region}{born:%Y%m%d}001"
    number += check_character(number)
    assert validate_id_number(number) == number


def test_a_code_retired_before_the_holder_was_born_is_refused() -> None:
    # 330103 (下城区) was merged away in 2021: no number issued to a 2022 birth carries it.
    assert validate_id_number(_numbered("330103", "19900101")).startswith("330103")
    with pytest.raises(InvalidIdNumber) as caught:
        validate_id_number(_numbered("330103", "20220101"))
    assert caught.value.reason == "region"


def test_a_chips_number_is_checked_for_its_province_only() -> None:
    # A county code newer than our table must not turn the card's holder away ...
    newer = _numbered("339901", "19700501")
    with pytest.raises(InvalidIdNumber):
        validate_id_number(newer)
    assert validate_id_number(newer, check_county=False) == newer
    # ... but a province nobody has, or Hong Kong on a resident card, is a misread.
    for region in ("990105", "810000", "710000"):
        with pytest.raises(InvalidIdNumber) as caught:
            validate_id_number(_numbered(region, "19700501"), check_county=False)
        assert caught.value.reason == "region"


def _numbered(region: str, born: str) -> str:
    first17 = f"{region}{born}001"
    return first17 + check_character(first17)


def test_facts_are_read_from_the_number() -> None:
    facts = id_number_facts("11010519491231002X")
    assert facts.birth_date == dt.date(1949, 12, 31)
    assert facts.is_male is False
    assert facts.region_code == "110105"


@pytest.mark.parametrize("digit", ["①", "１", "٣"])
def test_digits_outside_ascii_are_a_format_error(digit: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        validate_id_number(digit + "1010519491231002X")
    assert caught.value.reason == "format"


def test_region_codes_are_named_from_the_gb_t_2260_table() -> None:
    assert region_name("110105") == "北京市朝阳区"
    assert region_name("331122") == "浙江省缙云县"
    assert region_name("990105") is None
    assert region_name("12") is None
    assert region_name("１１０１０５") is None


def test_a_region_code_is_named_only_for_the_years_it_existed() -> None:
    assert region_name("331122", year=1990) is None  # 缙云县 under this code since 2000
    assert region_name("331122", year=2020) == "浙江省缙云县"
