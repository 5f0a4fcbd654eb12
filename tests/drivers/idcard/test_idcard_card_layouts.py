"""Card data's four text layouts, chosen by the type flag, and the fixture cards built on them."""

from __future__ import annotations

import dataclasses

import pytest

from drivers.idcard.card import (
    GENDERS,
    CardType,
    ForeignerCard2017,
    ForeignerCard2023,
    HmtResidencePermit,
    IdCard,
    ResidentIdCard,
    parse_read_reply,
    parse_text,
)
from drivers.idcard.card_build import encode_block
from drivers.idcard.errors import UnsupportedCardType
from drivers.idcard.fixtures import (
    FIXTURES,
    IdCardFixture,
    fixture_by_name,
)
from kiosk.messages import for_error
from pii import validate_id_number
from pii.idnumber import check_character
from tests.drivers.idcard.card_blocks import (
    JIA,
    hand_block,
)

# -- layouts -----------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_text_block_follows_the_documented_layout_of_its_type(fixture: IdCardFixture) -> None:
    assert len(hand_block(fixture)) == 256
    assert fixture.text_block() == hand_block(fixture)


@pytest.mark.parametrize(
    ("flag", "cls", "card_type"),
    [
        ("", ResidentIdCard, CardType.RESIDENT),
        ("J", HmtResidencePermit, CardType.HMT_PERMIT),
        ("I", ForeignerCard2017, CardType.FOREIGNER_2017),
        ("Y", ForeignerCard2023, CardType.FOREIGNER_2023),
    ],
)
def test_type_flag_selects_the_layout_and_result_type(
    flag: str, cls: type[IdCard], card_type: CardType
) -> None:
    [fixture] = [f for f in FIXTURES if f.flag == flag][:1]
    card = parse_text(hand_block(fixture))
    assert type(card) is cls
    assert card.card_type == card_type
    assert card.id_number.reveal() == fixture.id_number
    assert card.birth_date == fixture.birth_date
    assert (card.valid_from, card.valid_to) == (fixture.valid_from, fixture.valid_to)
    assert card.gender == GENDERS[fixture.gender_code]


def test_card_type_reads_as_plain_text_for_logs_and_the_kiosk() -> None:
    assert parse_text(JIA.text_block()).card_type == "resident"
    assert f"{CardType.FOREIGNER_2023}" == "foreign_permanent_2023"


@pytest.mark.parametrize("flag", ["Z", "1", "i"])
def test_unknown_type_flag_raises_unsupported_card_type_not_a_misparse(flag: str) -> None:
    with pytest.raises(UnsupportedCardType) as caught:
        parse_text(hand_block(JIA, flag=flag))
    assert caught.value.flag == flag
    assert "人工窗口" in for_error(caught.value).zh


def test_nul_padded_flag_is_a_resident_card_like_a_space_padded_one() -> None:
    card = parse_text(hand_block(JIA, pad="\x00"))
    assert card.card_type == CardType.RESIDENT
    assert card.name.reveal() == "测试甲"


# -- fixtures and building -------------------------------------------------------------


def test_fixtures_cover_all_four_types_and_start_with_a_resident_card() -> None:
    assert FIXTURES[0].card_type == CardType.RESIDENT
    assert {f.card_type for f in FIXTURES} == set(CardType)
    assert len({f.name for f in FIXTURES}) == len(FIXTURES)


def test_fixture_gb11643_numbers_have_computed_check_characters() -> None:
    for fixture in FIXTURES:
        number = fixture.id_number
        if fixture.card_type == CardType.RESIDENT:
            assert validate_id_number(number) == number
        if fixture.card_type in (CardType.RESIDENT, CardType.HMT_PERMIT):
            assert number[6:14] == f"{fixture.birth_date:%Y%m%d}"
            assert int(number[16]) % 2 == (1 if fixture.gender_code == "1" else 0)
        if fixture.card_type != CardType.FOREIGNER_2017:
            assert number[17] == check_character(number[:17])
    assert any(f.id_number.endswith("X") for f in FIXTURES)
    assert any(f.valid_to is None for f in FIXTURES)


def test_fixture_photos_and_fingerprints_are_deterministic_1024_byte_placeholders() -> None:
    assert all(len(f.photo) == 1024 for f in FIXTURES)
    assert len({f.photo for f in FIXTURES}) == len(FIXTURES)
    assert len(JIA.fingerprint) == 1024
    assert JIA.fingerprint != JIA.photo


def test_unknown_fixture_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="测试甲"):
        fixture_by_name("nobody")


def test_encode_block_refuses_a_value_wider_than_its_field() -> None:
    with pytest.raises(ValueError, match="name"):
        encode_block(CardType.RESIDENT, {"name": "测" * 16})


def test_encode_block_refuses_a_field_the_layout_does_not_have() -> None:
    with pytest.raises(ValueError, match="nation"):
        encode_block(CardType.FOREIGNER_2017, {"nation": "01"})


def test_idcard_is_frozen() -> None:
    card = parse_read_reply(JIA.read_reply_data())
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.gender = "女"  # type: ignore[misc]
    assert isinstance(card, IdCard)
