"""The resident ID card's fields: text, dates, GB/T 2261.1 and GB 3304 codes, number checks."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from drivers.idcard.card import (
    GENDERS,
    NATIONS,
    ResidentIdCard,
    parse_read_reply,
    parse_text,
)
from drivers.idcard.errors import CardDataError
from drivers.idcard.fixtures import (
    FIXTURES,
    IdCardFixture,
    make_id_number,
)
from tests.drivers.idcard.card_blocks import (
    JIA,
    YI,
    hand_block,
    with_field,
)

# -- resident ID card ----------------------------------------------------------------------


@pytest.mark.parametrize("fixture", [f for f in FIXTURES if not f.flag], ids=lambda f: f.name)
def test_resident_read_reply_parses_back_to_the_printed_values(fixture: IdCardFixture) -> None:
    card = parse_read_reply(fixture.read_reply_data())
    assert isinstance(card, ResidentIdCard)
    assert card.name.reveal() == fixture.name
    assert card.gender == GENDERS[fixture.gender_code]
    assert card.nation == NATIONS[fixture.nation_code]
    assert card.birth_date == fixture.birth_date
    assert card.address.reveal() == fixture.address
    assert card.id_number.reveal() == fixture.id_number
    assert card.authority == fixture.authority
    assert card.valid_from == fixture.valid_from
    assert card.valid_to == fixture.valid_to
    assert card.photo == fixture.photo
    assert len(card.photo) == 1024
    assert card.fingerprint == b""


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("gender", "男"),
        ("nation", "汉"),
        ("birth_date", dt.date(1990, 3, 7)),
        ("authority", "北京市公安局朝阳分局"),
        ("valid_from", dt.date(2015, 6, 1)),
        ("valid_to", dt.date(2035, 6, 1)),
    ],
)
def test_text_fields_are_read_from_a_hand_built_block(field: str, expected: object) -> None:
    assert getattr(parse_text(hand_block(JIA)), field) == expected


def test_long_term_validity_reads_as_none() -> None:
    assert YI.valid_to is None
    card = parse_text(hand_block(YI))
    assert card.valid_to is None
    assert card.is_valid_on(dt.date(2099, 1, 1))
    assert not card.is_valid_on(dt.date(2010, 7, 31))


def test_nul_padding_is_stripped_like_space_padding() -> None:
    card = parse_text(hand_block(JIA, pad="\x00"))
    assert isinstance(card, ResidentIdCard)
    assert card.name.reveal() == "测试甲"
    assert card.address.reveal() == JIA.address


@pytest.mark.parametrize(
    ("code", "gender"), [("0", "未知"), ("1", "男"), ("2", "女"), ("9", "未说明")]
)
def test_gender_codes_follow_gb_t_2261_1(code: str, gender: str) -> None:
    fixture = dataclasses.replace(JIA, gender_code=code)
    assert parse_text(fixture.text_block()).gender == gender


@pytest.mark.parametrize(
    ("code", "nation"),
    [("01", "汉"), ("05", "维吾尔"), ("29", "柯尔克孜"), ("56", "基诺"), ("97", "其他"),
     ("98", "外国血统中国籍人士")],
)  # fmt: skip
def test_nation_codes_follow_gb_3304(code: str, nation: str) -> None:
    fixture = dataclasses.replace(JIA, nation_code=code)
    card = parse_text(fixture.text_block())
    assert isinstance(card, ResidentIdCard)
    assert card.nation == nation


def test_nation_table_is_complete() -> None:
    assert set(NATIONS) == {f"{n:02d}" for n in range(1, 57)} | {"97", "98"}


def test_invalid_id_number_is_a_card_data_error_that_does_not_repeat_it() -> None:
    broken = JIA.id_number[:17] + ("0" if JIA.id_number[17] != "0" else "1")
    with pytest.raises(CardDataError) as caught:
        parse_text(dataclasses.replace(JIA, id_number=broken).text_block())
    assert caught.value.field == "id_number"
    assert caught.value.reason == "checksum"
    assert broken not in str(caught.value)


def test_resident_card_with_an_hmt_number_is_refused_by_the_region_table() -> None:
    number = make_id_number("810000", JIA.birth_date, 1)
    with pytest.raises(CardDataError) as caught:
        parse_text(dataclasses.replace(JIA, id_number=number).text_block())
    assert caught.value.reason == "region"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_date": dt.date(1990, 3, 8)}, "birth_date"),  # disagrees with the ID number
        ({"nation_code": "57"}, "nation"),
        ({"gender_code": "3"}, "gender"),
        ({"name": ""}, "name"),
        ({"valid_to": dt.date(2015, 6, 1)}, "valid_to"),  # not after valid_from
    ],
)
def test_impossible_fields_raise_card_data_error(change: dict[str, object], field: str) -> None:
    with pytest.raises(CardDataError) as caught:
        parse_text(dataclasses.replace(JIA, **change).text_block())  # type: ignore[arg-type]
    assert caught.value.field == field


def test_garbled_date_raises_card_data_error() -> None:
    with pytest.raises(CardDataError, match="valid_from"):
        parse_text(with_field(hand_block(JIA), 188, 16, "2015-6-1"))


def test_full_width_digits_are_not_a_date() -> None:
    with pytest.raises(CardDataError, match="valid_from"):
        parse_text(with_field(hand_block(JIA), 188, 16, "２０１５０６０１"))


def test_invalid_utf16_raises_card_data_error() -> None:
    block = bytearray(hand_block(JIA))
    block[0:2] = b"\x00\xd8"  # a lone high surrogate
    with pytest.raises(CardDataError, match="name"):
        parse_text(bytes(block))
