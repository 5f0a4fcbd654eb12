"""The reader's replies around the text: read reply, fingerprints, appended addresses."""

from __future__ import annotations

import pytest

from drivers.idcard.card import (
    parse_appended_address,
    parse_fingerprint_reply,
    parse_read_reply,
)
from drivers.idcard.card_build import build_blocks
from drivers.idcard.errors import CardDataError
from drivers.idcard.protocol import Status, encode_response
from tests.drivers.idcard.card_blocks import (
    JIA,
    YI,
    u16,
)

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
