"""The SSSE table and its parsers: TLV records, GBK names, BCD dates and codes, the card
built from them, and the whole dialogue against the virtual card's logic (no PC/SC)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from drivers.socialcard import errors as e
from drivers.socialcard import ssse
from drivers.socialcard.fixtures import FIXTURES, SocialCardFixture, fixture_by_name
from drivers.socialcard.virtual_card import VirtualCard
from pii import validate_id_number

JIA = fixture_by_name("测试甲")


def record(field: str) -> ssse.ReadRecord:
    return next(r for r in ssse.RECORDS if r.field == field)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# -- the table -----------------------------------------------------------------------


def test_table_holds_the_apdus_of_hardware_md_byte_for_byte() -> None:
    wire = [step.command.encode().hex(" ").upper() for step in ssse.BASIC_DATA]
    assert wire == [
        "00 A4 04 00 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF",
        "00 B2 07 2C 0B",
        "00 A4 02 00 02 EF 06",
        "00 B2 08 04 14",
        "00 B2 09 04 20",
        "00 B2 0A 04 03",
        "00 B2 0B 04 03",
        "00 B2 0D 04 06",
    ]


@pytest.mark.parametrize("rec", ssse.RECORDS, ids=lambda r: r.field)
def test_each_read_record_asks_for_its_tag_and_exactly_tag_length_value(
    rec: ssse.ReadRecord,
) -> None:
    assert rec.command.p1 == rec.tag
    assert rec.command.le == 2 + rec.width
    # P2: SFI 5 with "record number in P1" for EF05, the current EF for EF06.
    assert rec.command.p2 == (0x2C if rec.file == "EF05" else 0x04)


def test_the_application_name_is_sx1_sh_and_shehui_baozhang_in_gbk() -> None:
    assert ssse.SSSE_AID == b"sx1.sh." + "社会保障".encode("gbk")
    assert ssse.BASIC_DATA[0].command.data == ssse.SSSE_AID


def test_the_table_fills_every_field_of_a_social_card() -> None:
    fields = {f.name for f in dataclasses.fields(ssse.SocialCard)}
    assert {r.field for r in ssse.RECORDS} == fields


# -- one record: TLV -----------------------------------------------------------------


def test_tlv_record_gives_its_value() -> None:
    assert ssse.parse_record(record("sex"), h("0A 01 31")) == b"1"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("", "no tag and length"),
        ("0A", "no tag and length"),
        ("0B 01 31", "tag 0B, expected 0A"),
        ("0A 02 31", "length byte says 2, the record holds 1"),
        ("0A 01 31 32", "length byte says 1, the record holds 2"),
        ("0A 00", "value of 0 bytes"),
        ("0A 02 31 32", "value of 2 bytes, the field has 1..1"),
    ],
)
def test_malformed_tlv_raises_card_data_error_naming_the_field(data: str, reason: str) -> None:
    with pytest.raises(e.CardDataError, match=reason) as caught:
        ssse.parse_record(record("sex"), h(data))
    assert caught.value.field == "sex"


# -- values by kind ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", "测试甲".encode("gbk") + bytes(24), "测试甲"),
        ("name", "测试乙".encode("gbk") + b" " * 24, "测试乙"),
        ("name", "测试·阿卜杜热依木江·买买提江".encode("gbk"), "测试·阿卜杜热依木江·买买提江"),
        # a rare character outside GBK, stored as a 4-byte GB 18030 code
        ("name", "测试䶮".encode("gb18030"), "测试䶮"),
        ("card_number", b"T00000001", "T00000001"),
        ("card_number", b"T0000001\x00", "T0000001"),
        ("sex", b"1", "男"),
        ("sex", b"2", "女"),
        ("sex", b"\x02", "女"),
        ("sex", b"9", "未说明"),
        ("nation", h("01"), "汉"),
        ("nation", h("08"), "壮"),
        ("nation", h("56"), "基诺"),
        ("nation", h("98"), "外国血统中国籍人士"),
        ("birth_date", h("19900307"), dt.date(1990, 3, 7)),
        ("birth_date", h("20080229"), dt.date(2008, 2, 29)),
    ],
)
def test_values_decode_by_their_kind(field: str, value: bytes, expected: object) -> None:
    assert ssse.decode_value(record(field), value) == expected


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", bytes(30), "empty"),
        ("name", b"\x81", "not valid GBK"),
        ("name", b"\xb2\xe2\x07", "not printable"),
        ("card_number", b"T000\x01", "not printable ASCII"),
        ("card_number", b"\x00\x00", "not printable ASCII"),
        ("sex", b"3", "GB/T 2261.1"),
        ("nation", h("00"), "GB 3304"),
        ("nation", h("57"), "GB 3304"),
        ("nation", h("0A"), "not BCD"),
        ("birth_date", h("1990030F"), "not BCD"),
        ("birth_date", h("19900230"), "impossible date"),
        ("birth_date", h("199003"), "4 BCD bytes"),
    ],
)
def test_bad_values_raise_card_data_error_without_the_value(
    field: str, value: bytes, reason: str
) -> None:
    with pytest.raises(e.CardDataError, match=reason) as caught:
        ssse.decode_value(record(field), value)
    assert caught.value.field == field
    assert "测试" not in str(caught.value)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
@pytest.mark.parametrize("rec", ssse.RECORDS, ids=lambda r: r.field)
def test_encoding_a_value_and_decoding_it_round_trips(
    fixture: SocialCardFixture, rec: ssse.ReadRecord
) -> None:
    value = fixture.values()[rec.field]
    stored = ssse.encode_value(rec, value)
    assert len(stored) == rec.width
    decoded = ssse.decode_value(rec, ssse.parse_record(rec, ssse.encode_record(rec, stored)))
    expected = {
        "sex": ssse.GENDERS[fixture.sex_code],
        "nation": ssse.NATIONS[fixture.nation_code],
    }.get(rec.field, value)
    assert decoded == expected


def test_name_is_stored_as_gbk_padded_with_nul_to_30_bytes() -> None:
    stored = ssse.encode_value(record("name"), "测试甲")
    assert stored == h("B2E2 CAD4 BCD7") + bytes(24)


def test_birth_date_is_stored_as_bcd() -> None:
    assert ssse.encode_value(record("birth_date"), dt.date(1990, 3, 7)) == h("19 90 03 07")


def test_a_name_longer_than_its_field_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="31 bytes"):
        ssse.encode_value(record("name"), "测" * 15 + "X")


# -- the card ------------------------------------------------------------------------


def jia_values(**changes: str | dt.date) -> dict[str, str | dt.date]:
    values: dict[str, str | dt.date] = {
        "card_number": JIA.card_number,
        "id_number": JIA.id_number,
        "name": JIA.name,
        "sex": "男",
        "nation": "汉",
        "birth_date": JIA.birth_date,
    }
    return values | changes


def test_build_card_keeps_personal_text_sensitive_and_masked() -> None:
    card = ssse.build_card(jia_values())
    assert card.id_number.reveal() == JIA.id_number
    assert card.name.reveal() == "测试甲"
    text = repr(card) + str(card)
    for secret in (JIA.id_number, "测试甲", JIA.card_number, "1990"):
        assert secret not in text
    assert "测**" in text
    assert "T******01" in text


def test_wipe_clears_name_id_number_and_card_number() -> None:
    card = ssse.build_card(jia_values())
    card.wipe()
    assert card.wiped
    assert card.name.wiped
    assert card.card_number == ""
    with pytest.raises(ValueError, match="wiped"):
        card.id_number.reveal()


def test_lowercase_x_in_the_id_number_is_normalised() -> None:
    bing = FIXTURES[2]
    values = jia_values(id_number=bing.id_number.lower(), birth_date=bing.birth_date)
    card = ssse.build_card(values)
    assert card.id_number.reveal() == validate_id_number(bing.id_number)


def test_id_number_with_a_wrong_check_character_is_card_data_error() -> None:
    wrong = JIA.id_number[:17] + ("0" if JIA.id_number[17] != "0" else "1")
    with pytest.raises(e.CardDataError, match="checksum") as caught:
        ssse.build_card(jia_values(id_number=wrong))
    assert wrong not in str(caught.value)


def test_birth_date_that_disagrees_with_the_id_number_is_card_data_error() -> None:
    with pytest.raises(e.CardDataError, match="does not match"):
        ssse.build_card(jia_values(birth_date=dt.date(1990, 3, 8)))


@pytest.mark.parametrize("n", [0, 9, 20])
def test_card_numbers_are_masked_for_any_length(n: int) -> None:
    masked = ssse.mask_card_number("A" * n)
    assert len(masked) == n
    assert masked.count("A") <= 3


# -- the whole dialogue against the virtual card's answers (pure, no PC/SC) ----------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_basic_data_reads_back_what_the_card_holds(fixture: SocialCardFixture) -> None:
    card = ssse.read_basic_data(VirtualCard(fixture).respond)
    assert card.card_number == fixture.card_number
    assert card.id_number.reveal() == fixture.id_number
    assert card.name.reveal() == fixture.name
    assert card.sex == ssse.GENDERS[fixture.sex_code]
    assert card.nation == ssse.NATIONS[fixture.nation_code]
    assert card.birth_date == fixture.birth_date


@pytest.mark.parametrize("chunk", [None, 1, 7, 16, 255])
def test_basic_data_reads_the_same_whatever_the_get_response_piece_size(
    chunk: int | None,
) -> None:
    card = ssse.read_basic_data(VirtualCard(JIA, chunk=chunk).respond)
    assert card.name.reveal() == JIA.name


def test_unpadded_records_are_fetched_again_with_the_le_the_card_names() -> None:
    virtual = VirtualCard(JIA, wrong_le=True, chunk=None)
    sent: list[str] = []

    def transmit(raw: bytes) -> bytes:
        sent.append(raw.hex(" ").upper())
        return virtual.respond(raw)

    assert ssse.read_basic_data(transmit).name.reveal() == JIA.name
    # 测试甲 is 6 GBK bytes: the card answers 6C 08 and the read is resent with Le 08.
    assert sent[sent.index("00 B2 09 04 20") + 1] == "00 B2 09 04 08"


def test_a_card_without_the_ssse_application_is_unsupported() -> None:
    with pytest.raises(e.UnsupportedCard, match="6A82"):
        ssse.read_basic_data(VirtualCard(JIA, ssse=False).respond)


def test_a_bad_record_on_the_card_is_card_data_error() -> None:
    virtual = VirtualCard(JIA)
    virtual.overrides["birth_date"] = h("19901307")
    with pytest.raises(e.CardDataError, match="impossible date"):
        ssse.read_basic_data(virtual.respond)


def test_a_missing_record_is_record_not_found() -> None:
    virtual = VirtualCard(JIA)

    def answer(raw: bytes) -> bytes:
        return h("6A83") if raw[:3] == h("00 B2 0B") else virtual.respond(raw)

    with pytest.raises(e.RecordNotFound):
        ssse.read_basic_data(answer)
