"""Card data: the resident text layout, codes, validation, and never leaking in repr."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from drivers.idcard.card import (
    GENDERS,
    NATIONS,
    IdCard,
    encode_text,
    parse_read_reply,
    parse_text,
)
from drivers.idcard.errors import CardDataError, UnsupportedCardType
from drivers.idcard.fixtures import FIXTURES, IdCardFixture, fixture_by_name
from pii import validate_id_number
from pii.idnumber import check_character

JIA = fixture_by_name("测试甲")
YI = fixture_by_name("测试乙")


def u16(text: str, width: int, pad: str = " ") -> bytes:
    """One field written by hand: UTF-16LE, padded to its width."""
    raw = text.encode("utf-16-le")
    return raw + pad.encode("utf-16-le") * ((width - len(raw)) // 2)


def hand_block(f: IdCardFixture, pad: str = " ", flag: str = "") -> bytes:
    """The resident layout straight from HARDWARE.md's widths, independent of card.py."""
    return (
        u16(f.name, 30, pad)
        + u16(f.gender_code, 2, pad)
        + u16(f.nation_code, 4, pad)
        + u16(f"{f.birth_date:%Y%m%d}", 16, pad)
        + u16(f.address, 70, pad)
        + u16(f.id_number, 36, pad)
        + u16(f.authority, 30, pad)
        + u16(f"{f.valid_from:%Y%m%d}", 16, pad)
        + u16("长期" if f.valid_to is None else f"{f.valid_to:%Y%m%d}", 16, pad)
        + u16("", 28, pad)
        + u16(flag, 2, pad)
        + u16("", 6, pad)
    )


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_encode_text_writes_the_documented_layout(fixture: IdCardFixture) -> None:
    assert len(hand_block(fixture)) == 256
    assert fixture.text_block() == hand_block(fixture)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_read_reply_parses_back_to_the_printed_values(fixture: IdCardFixture) -> None:
    card = parse_read_reply(fixture.read_reply_data())
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
    assert card.card_type == "resident"


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
    assert parse_text(hand_block(YI)).valid_to is None


def test_nul_padding_is_stripped_like_space_padding() -> None:
    card = parse_text(hand_block(JIA, pad="\x00"))
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
    assert parse_text(fixture.text_block()).nation == nation


def test_nation_table_is_complete() -> None:
    assert set(NATIONS) == {f"{n:02d}" for n in range(1, 57)} | {"97", "98"}


@pytest.mark.parametrize("flag", ["I", "Y", "J"])
def test_other_card_types_are_refused_not_misparsed(flag: str) -> None:
    with pytest.raises(UnsupportedCardType) as caught:
        parse_text(hand_block(JIA, flag=flag))
    assert caught.value.flag == flag


def test_invalid_id_number_is_a_card_data_error_that_does_not_repeat_it() -> None:
    broken = JIA.id_number[:17] + ("0" if JIA.id_number[17] != "0" else "1")
    with pytest.raises(CardDataError) as caught:
        parse_text(dataclasses.replace(JIA, id_number=broken).text_block())
    assert caught.value.field == "id_number"
    assert caught.value.reason == "checksum"
    assert broken not in str(caught.value)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_date": dt.date(1990, 3, 8)}, "birth_date"),  # disagrees with the ID number
        ({"nation_code": "57"}, "nation"),
        ({"gender_code": "3"}, "gender"),
        ({"name": ""}, "name"),
    ],
)
def test_impossible_fields_raise_card_data_error(change: dict[str, object], field: str) -> None:
    with pytest.raises(CardDataError) as caught:
        parse_text(dataclasses.replace(JIA, **change).text_block())  # type: ignore[arg-type]
    assert caught.value.field == field


def test_garbled_date_raises_card_data_error() -> None:
    block = bytearray(hand_block(JIA))
    block[188:204] = u16("2015-6-1", 16)
    with pytest.raises(CardDataError, match="valid_from"):
        parse_text(bytes(block))


def test_invalid_utf16_raises_card_data_error() -> None:
    block = bytearray(hand_block(JIA))
    block[0:2] = b"\x00\xd8"  # a lone high surrogate
    with pytest.raises(CardDataError, match="name"):
        parse_text(bytes(block))


@pytest.mark.parametrize(
    "data",
    [
        b"\x01",
        (255).to_bytes(2, "big") + (1024).to_bytes(2, "big") + bytes(255 + 1024),
        JIA.read_reply_data()[:-1],
        JIA.read_reply_data() + b"\x00",
    ],
    ids=["short", "text-length", "truncated", "trailing"],
)
def test_malformed_read_reply_raises_card_data_error(data: bytes) -> None:
    with pytest.raises(CardDataError):
        parse_read_reply(data)


def test_repr_and_str_never_show_name_number_address_or_birth_date() -> None:
    card = parse_read_reply(JIA.read_reply_data())
    for shown in (repr(card), str(card), f"{card}", repr([card])):
        assert JIA.name not in shown
        assert JIA.id_number not in shown
        assert JIA.address not in shown
        assert "1990" not in shown
        assert "测**" in shown


def test_wipe_clears_every_sensitive_field_and_the_photo() -> None:
    card = parse_read_reply(JIA.read_reply_data())
    card.wipe()
    assert card.wiped
    for value in (card.name, card.address, card.id_number):
        assert value.wiped
        with pytest.raises(ValueError, match="wiped"):
            value.reveal()
    assert card.photo == b""
    assert "IdCard(" in repr(card)


def test_fixture_id_numbers_are_valid_with_computed_check_characters() -> None:
    for fixture in FIXTURES:
        number = fixture.id_number
        assert validate_id_number(number) == number
        assert number[17] == check_character(number[:17])
        assert number[6:14] == f"{fixture.birth_date:%Y%m%d}"
        assert int(number[16]) % 2 == (1 if fixture.gender_code == "1" else 0)
    assert any(f.id_number.endswith("X") for f in FIXTURES)
    assert any(f.valid_to is None for f in FIXTURES)


def test_fixture_photos_are_deterministic_1024_byte_placeholders() -> None:
    assert all(len(f.photo) == 1024 for f in FIXTURES)
    assert len({f.photo for f in FIXTURES}) == len(FIXTURES)


def test_unknown_fixture_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="测试甲"):
        fixture_by_name("nobody")


def test_encode_text_refuses_a_value_wider_than_its_field() -> None:
    with pytest.raises(ValueError, match="name"):
        encode_text(
            name="测" * 16,
            gender_code="1",
            nation_code="01",
            birth_date=JIA.birth_date,
            address="",
            id_number=JIA.id_number,
            authority="",
            valid_from=JIA.valid_from,
            valid_to=None,
        )


def test_idcard_is_frozen() -> None:
    card = parse_read_reply(JIA.read_reply_data())
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.gender = "女"  # type: ignore[misc]
    assert isinstance(card, IdCard)
