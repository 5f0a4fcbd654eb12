"""Card data: the four text layouts, codes, number checks, and never leaking in repr."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from drivers.idcard.card import (
    GENDERS,
    NATIONS,
    CardType,
    ForeignerCard2017,
    ForeignerCard2023,
    HmtResidencePermit,
    IdCard,
    ResidentIdCard,
    parse_appended_address,
    parse_fingerprint_reply,
    parse_read_reply,
    parse_text,
)
from drivers.idcard.card_build import build_blocks, encode_block
from drivers.idcard.errors import CardDataError, UnsupportedCardType
from drivers.idcard.fixtures import (
    FIXTURES,
    IdCardFixture,
    fixture_by_name,
    make_foreigner_2023_number,
    make_id_number,
)
from drivers.idcard.protocol import Status, encode_response
from kiosk.messages import for_error
from pii import validate_id_number
from pii.idnumber import check_character

JIA = fixture_by_name("测试甲")
YI = fixture_by_name("测试乙")
GANG = fixture_by_name("测试港")
TAI = fixture_by_name("测试台")
WAI = fixture_by_name("测试外")
YONG = fixture_by_name("测试永")


def u16(text: str, width: int, pad: str = " ") -> bytes:
    """One field written by hand: UTF-16LE, padded to its width."""
    raw = text.encode("utf-16-le")
    assert len(raw) <= width
    return raw + pad.encode("utf-16-le") * ((width - len(raw)) // 2)


def ymd(day: dt.date | None) -> str:
    return "长期" if day is None else f"{day:%Y%m%d}"


def hand_block(f: IdCardFixture, pad: str = " ", flag: str | None = None) -> bytes:
    """Each layout straight from the widths in docs/hardware.md, independent of card.py's tables."""
    flag = f.flag if flag is None else flag
    if f.flag == "I":
        return (
            u16(f.english_name, 120, pad)
            + u16(f.gender_code, 2, pad)
            + u16(f.id_number, 30, pad)
            + u16(f.nationality, 6, pad)
            + u16(f.name, 30, pad)
            + u16(ymd(f.valid_from), 16, pad)
            + u16(ymd(f.valid_to), 16, pad)
            + u16(ymd(f.birth_date), 16, pad)
            + u16(f.card_version, 4, pad)
            + u16(f.authority_code, 8, pad)
            + u16(flag, 2, pad)
            + u16("", 6, pad)
        )
    if f.flag == "Y":
        english = f.english_name.encode("utf-16-le")
        return (
            u16(f.name, 30, pad)
            + u16(f.gender_code, 2, pad)
            + u16(f"{f.renewal_count:02d}", 4, pad)
            + u16(ymd(f.birth_date), 16, pad)
            + u16(english[:70].decode("utf-16-le"), 70, pad)
            + u16(f.id_number, 36, pad)
            + u16("", 30, pad)
            + u16(ymd(f.valid_from), 16, pad)
            + u16(ymd(f.valid_to), 16, pad)
            + u16(english[70:].decode("utf-16-le"), 22, pad)
            + u16(f.nationality, 6, pad)
            + u16(flag, 2, pad)
            + u16(f.associated_id, 6, pad)
        )
    head = (
        u16(f.name, 30, pad)
        + u16(f.gender_code, 2, pad)
        + u16(f.nation_code, 4, pad)
        + u16(ymd(f.birth_date), 16, pad)
        + u16(f.address, 70, pad)
        + u16(f.id_number, 36, pad)
        + u16(f.authority, 30, pad)
        + u16(ymd(f.valid_from), 16, pad)
        + u16(ymd(f.valid_to), 16, pad)
    )
    if f.flag == "J":
        return (
            head
            + u16(f.travel_permit_number, 18, pad)
            + u16(f"{f.issue_count:02d}", 4, pad)
            + u16("", 6, pad)
            + u16(flag, 2, pad)
            + u16("", 6, pad)
        )
    return head + u16("", 28, pad) + u16(flag, 2, pad) + u16("", 6, pad)


def with_field(block: bytes, offset: int, width: int, text: str) -> bytes:
    out = bytearray(block)
    out[offset : offset + width] = u16(text, width)
    return bytes(out)


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


# -- replies ---------------------------------------------------------------------------


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


def test_fingerprint_reply_has_the_documented_offsets_and_size() -> None:
    frame = encode_response(Status.OK, JIA.fingerprint_reply_data())
    assert len(frame) == 2321
    assert frame[5:7] == b"\x09\x0a"
    assert frame[10:12] == (256).to_bytes(2, "big")  # text length
    assert frame[12:14] == (1024).to_bytes(2, "big")  # photo length
    assert frame[14:16] == (1024).to_bytes(2, "big")  # fingerprint length
    assert frame[16:272] == JIA.text_block()
    assert frame[272:1296] == JIA.photo
    assert frame[1296:2320] == JIA.fingerprint
    card = parse_fingerprint_reply(JIA.fingerprint_reply_data())
    assert card.fingerprint == JIA.fingerprint
    assert card.photo == JIA.photo


def test_card_without_fingerprints_gives_an_empty_fingerprint() -> None:
    assert YI.fingerprint == b""
    assert parse_fingerprint_reply(YI.fingerprint_reply_data()).fingerprint == b""


def test_fingerprint_reply_with_lengths_that_do_not_add_up_raises_card_data_error() -> None:
    data = build_blocks(JIA.text_block(), JIA.photo, JIA.fingerprint)[:-3]
    with pytest.raises(CardDataError, match="add up"):
        parse_fingerprint_reply(data)


def test_appended_address_records_are_read_in_order_and_blanks_dropped() -> None:
    data = u16("北京市海淀区样本路9号", 70) + u16("", 70) + u16("上海市浦东新区例子路1号", 70)
    records = parse_appended_address(data)
    assert [r.reveal() for r in records] == ["北京市海淀区样本路9号", "上海市浦东新区例子路1号"]
    assert records[0].masked() == "北京市***"
    assert parse_appended_address(b"") == ()


def test_appended_address_with_a_broken_character_raises_card_data_error() -> None:
    with pytest.raises(CardDataError, match="appended_address"):
        parse_appended_address(b"\x00\xd8" + bytes(68))


# -- privacy ---------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_repr_and_str_never_show_name_number_address_or_birth_date(
    fixture: IdCardFixture,
) -> None:
    card = parse_fingerprint_reply(fixture.fingerprint_reply_data())
    for shown in (repr(card), str(card), f"{card}", repr([card])):
        for secret in (fixture.name, fixture.id_number, fixture.english_name, fixture.address):
            assert not secret or secret not in shown
        assert str(fixture.birth_date.year) not in shown
        assert "测**" in shown
        assert type(card).__name__ + "(" in shown


def test_resident_repr_still_says_idcard() -> None:
    assert "IdCard(" in repr(parse_read_reply(JIA.read_reply_data()))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_wipe_clears_every_sensitive_field_photo_and_fingerprint(fixture: IdCardFixture) -> None:
    card = parse_fingerprint_reply(fixture.fingerprint_reply_data())
    card = dataclasses.replace(card, appended_addresses=parse_appended_address(u16("某地", 70)))
    card.wipe()
    assert card.wiped
    sensitive = [
        getattr(card, f.name)
        for f in dataclasses.fields(card)
        if type(getattr(card, f.name)).__name__ == "Sensitive"
    ]
    assert len(sensitive) >= 2
    for value in [*sensitive, *card.appended_addresses]:
        assert value.wiped
        with pytest.raises(ValueError, match="wiped"):
            value.reveal()
    assert (card.photo, card.fingerprint) == (b"", b"")


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
