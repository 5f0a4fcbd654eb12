"""Hong Kong / Macau / Taiwan residence permits and foreigners' permanent residence cards."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from drivers.idcard.card import (
    ForeignerCard2017,
    ForeignerCard2023,
    HmtResidencePermit,
    parse_read_reply,
    parse_text,
)
from drivers.idcard.errors import CardDataError
from drivers.idcard.fixtures import (
    IdCardFixture,
    make_foreigner_2023_number,
    make_id_number,
)
from tests.drivers.idcard.card_blocks import (
    GANG,
    TAI,
    WAI,
    YONG,
    u16,
    with_field,
)

# -- Hong Kong / Macau / Taiwan residence permit ----------------------------------------


@pytest.mark.parametrize(
    ("fixture", "region", "permit", "issues"),
    [(GANG, "香港", "H00000001", 1), (TAI, "台湾", "00000002", 2)],
    ids=["hong-kong", "taiwan"],
)
def test_hmt_permit_parses_its_own_fields(
    fixture: IdCardFixture, region: str, permit: str, issues: int
) -> None:
    card = parse_read_reply(fixture.read_reply_data())
    assert isinstance(card, HmtResidencePermit)
    assert card.region == region
    assert card.travel_permit_number.reveal() == permit
    assert card.travel_permit_number.masked() == permit[0] + "*" * (len(permit) - 1)
    assert card.issue_count == issues
    assert card.address.reveal() == fixture.address
    assert card.authority == fixture.authority
    assert card.name.reveal() == fixture.name


def test_hmt_number_for_macau_validates_with_the_mod_11_2_check() -> None:
    number = make_id_number("820000", GANG.birth_date, 8)
    card = parse_text(dataclasses.replace(GANG, id_number=number).text_block())
    assert isinstance(card, HmtResidencePermit)
    assert card.region == "澳门"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (GANG.id_number[:17] + ("1" if GANG.id_number[17] != "1" else "2"), "checksum"),
        (make_id_number("840000", GANG.birth_date, 4), "region"),
        (make_id_number("110105", GANG.birth_date, 4), "region"),  # a mainland number
        ("81000019851120004", "format"),
        ("8100001985112000A5", "format"),
    ],
    ids=["checksum", "unknown-region", "mainland-region", "short", "letter"],
)
def test_bad_hmt_numbers_raise_card_data_error(number: str, reason: str) -> None:
    with pytest.raises(CardDataError) as caught:
        parse_text(dataclasses.replace(GANG, id_number=number).text_block())
    assert (caught.value.field, caught.value.reason) == ("id_number", reason)


def test_hmt_number_must_agree_with_the_birth_date() -> None:
    with pytest.raises(CardDataError, match="birth_date"):
        parse_text(dataclasses.replace(GANG, birth_date=dt.date(1985, 11, 21)).text_block())


def test_hmt_travel_permit_number_with_punctuation_is_refused() -> None:
    with pytest.raises(CardDataError, match="travel_permit_number"):
        parse_text(dataclasses.replace(GANG, travel_permit_number="H-0000001").text_block())


# -- foreigner's permanent residence cards -----------------------------------------------


def test_foreigner_2017_card_parses_its_own_fields() -> None:
    card = parse_read_reply(WAI.read_reply_data())
    assert isinstance(card, ForeignerCard2017)
    assert card.name.reveal() == "测试外"
    assert card.chinese_name.reveal() == "测试外"
    assert card.english_name.reveal() == "TESTER, SAMPLE EXAMPLE"
    assert card.nationality == "CAN"
    assert card.id_number.reveal() == WAI.id_number
    assert (card.card_version, card.authority_code) == ("01", "1500")
    assert card.birth_date == WAI.birth_date


def test_foreigner_2023_card_joins_its_english_name_across_both_fields() -> None:
    assert len(YONG.english_name) > 35  # longer than the first 70-byte part
    card = parse_read_reply(YONG.read_reply_data())
    assert isinstance(card, ForeignerCard2023)
    assert card.english_name.reveal() == YONG.english_name
    assert card.chinese_name.reveal() == "测试永"
    assert card.nationality == "FRA"
    assert card.renewal_count == 0
    assert card.id_number.reveal().startswith("9")


def test_foreigner_2023_short_english_name_leaves_the_continuation_blank() -> None:
    fixture = dataclasses.replace(YONG, english_name="TEST, ANNA")
    assert fixture.text_block()[220:242] == u16("", 22)
    card = parse_text(fixture.text_block())
    assert isinstance(card, ForeignerCard2023)
    assert card.english_name.reveal() == "TEST, ANNA"


@pytest.mark.parametrize("fixture", [WAI, YONG], ids=["2017", "2023"])
def test_foreigner_without_a_chinese_name_goes_by_the_english_name(
    fixture: IdCardFixture,
) -> None:
    card = parse_text(dataclasses.replace(fixture, name="").text_block())
    assert card.name.reveal() == fixture.english_name
    assert card.name.masked().startswith(fixture.english_name[0])


@pytest.mark.parametrize(
    ("fixture", "number", "reason"),
    [
        (WAI, "CA1117207040001", "format"),
        (WAI, "CAN11720704000", "format"),
        (WAI, "can117207040001", None),  # lower case is normalised, still valid
        (YONG, "831250199512010021", "format"),  # must start with 9
        (YONG, YONG.id_number[:17] + ("1" if YONG.id_number[17] != "1" else "2"), "checksum"),
    ],
    ids=["2017-digit-in-letters", "2017-short", "2017-lower-case", "2023-prefix", "2023-check"],
)
def test_foreigner_card_numbers_are_checked_by_their_own_format(
    fixture: IdCardFixture, number: str, reason: str | None
) -> None:
    block = dataclasses.replace(fixture, id_number=number).text_block()
    if reason is None:
        assert parse_text(block).id_number.reveal() == number.upper()
        return
    with pytest.raises(CardDataError) as caught:
        parse_text(block)
    assert (caught.value.field, caught.value.reason) == ("id_number", reason)


def test_foreigner_2023_number_keeps_the_x_check_character() -> None:
    number = next(
        n
        for seq in range(1, 200)
        if (n := make_foreigner_2023_number("31", "250", YONG.birth_date, seq)).endswith("X")
    )
    card = parse_text(dataclasses.replace(YONG, id_number=number).text_block())
    assert card.id_number.reveal() == number


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nationality": "CA"}, "nationality"),
        ({"nationality": "ca1"}, "nationality"),
        ({"english_name": ""}, "english_name"),
        ({"gender_code": "x"}, "gender"),
    ],
)
def test_impossible_foreigner_fields_raise_card_data_error(
    change: dict[str, object], field: str
) -> None:
    for fixture in (WAI, YONG):
        with pytest.raises(CardDataError) as caught:
            parse_text(dataclasses.replace(fixture, **change).text_block())  # type: ignore[arg-type]
        assert caught.value.field == field


def test_a_count_that_is_not_a_number_raises_card_data_error() -> None:
    block = with_field(YONG.text_block(), 32, 4, "X1")
    with pytest.raises(CardDataError, match="renewal_count"):
        parse_text(block)
