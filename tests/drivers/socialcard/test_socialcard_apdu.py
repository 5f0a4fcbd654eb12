"""The sans-IO APDU codec: byte tables for the four cases, status words, T=0 sequences."""

from __future__ import annotations

from typing import Any

import pytest

from drivers.socialcard import apdu as a
from drivers.socialcard import errors as e


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# -- command APDUs -------------------------------------------------------------------

COMMANDS = [
    # case 1: header only
    (a.Command(0x00, 0xA4, 0x00, 0x00), "00 A4 00 00", 1),
    # case 2: Le; 256 goes on the wire as 00
    (a.Command(0x00, 0xB2, 0x07, 0x2C, le=0x0B), "00 B2 07 2C 0B", 2),
    (a.Command(0x00, 0xC0, 0x00, 0x00, le=256), "00 C0 00 00 00", 2),
    # case 3: Lc data
    (a.Command(0x00, 0xA4, 0x02, 0x00, h("EF06")), "00 A4 02 00 02 EF 06", 3),
    (
        a.Command(0x00, 0xA4, 0x04, 0x00, h("7378312E73682EC9E7BBE1B1A3D5CF")),
        "00 A4 04 00 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF",
        3,
    ),
    # case 4: Lc data Le
    (a.Command(0x80, 0xCA, 0x9F, 0x7F, h("01"), le=0x2D), "80 CA 9F 7F 01 01 2D", 4),
    (a.Command(0x00, 0x88, 0x00, 0x00, bytes(255), le=256), "00 88 00 00 FF" + " 00" * 256, 4),
]


@pytest.mark.parametrize(("command", "wire", "case"), COMMANDS)
def test_command_encodes_to_the_iso_bytes_of_its_case(
    command: a.Command, wire: str, case: int
) -> None:
    assert command.encode() == h(wire)
    assert command.case == case


@pytest.mark.parametrize(("command", "wire", "case"), COMMANDS)
def test_command_bytes_parse_back_to_the_same_command(
    command: a.Command, wire: str, case: int
) -> None:
    assert a.parse_command(h(wire)) == command


@pytest.mark.parametrize(
    ("wire", "why"),
    [
        ("", "shorter than its header"),
        ("00 A4 04", "shorter than its header"),
        ("00 A4 04 00 00 00 02 EF 06", "extended-length"),
        ("00 A4 02 00 02 EF", "does not match its Lc"),
        ("00 A4 02 00 02 EF 06 00 00", "does not match its Lc"),
    ],
)
def test_malformed_command_bytes_raise_apdu_error(wire: str, why: str) -> None:
    with pytest.raises(e.ApduError, match=why):
        a.parse_command(h(wire))


@pytest.mark.parametrize(
    "kwargs",
    [{"cla": 256}, {"p2": -1}, {"data": bytes(256)}, {"le": 0}, {"le": 257}],
)
def test_building_an_impossible_command_is_a_programming_error(kwargs: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"cla": 0, "ins": 0xB2, "p1": 1, "p2": 4} | kwargs
    with pytest.raises(ValueError, match="must be|do not fit|Le must"):
        a.Command(**fields)


def test_with_le_zero_means_256_as_on_the_wire() -> None:
    command = a.Command(0x00, 0xB2, 0x09, 0x04, le=0x20)
    assert command.with_le(0).le == 256
    assert command.with_le(0x1E).encode() == h("00 B2 09 04 1E")


def test_header_shows_cla_ins_p1_p2_only() -> None:
    assert a.Command(0x00, 0xA4, 0x04, 0x00, b"secret").header == "00 A4 04 00"


# -- response APDUs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "data", "sw"),
    [
        ("90 00", b"", 0x9000),
        ("07 09 54 30 30 30 30 30 30 30 31 90 00", h("07 09 54 30 30 30 30 30 30 30 31"), 0x9000),
        ("6A 82", b"", 0x6A82),
        ("61 20", b"", 0x6120),
    ],
)
def test_response_bytes_split_into_data_and_status_word(wire: str, data: bytes, sw: int) -> None:
    response = a.parse_response(h(wire))
    assert (response.data, response.sw) == (data, sw)
    assert response.encode() == h(wire)


@pytest.mark.parametrize("size", [0, 1, 259])
def test_response_without_status_word_or_too_long_raises_apdu_error(size: int) -> None:
    with pytest.raises(e.ApduError):
        a.parse_response(bytes(size))


def test_the_longest_short_response_is_accepted() -> None:
    assert len(a.parse_response(bytes(256) + h("9000")).data) == 256


# -- status words --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sw", "cls"),
    [
        (0x6A82, e.FileNotFound),
        (0x6982, e.SecurityStatusNotSatisfied),
        (0x6A83, e.RecordNotFound),
        (0x6D00, e.InstructionNotSupported),
        (0x6E00, e.ClassNotSupported),
        (0x6700, e.WrongLength),
        (0x6B00, e.WrongParameters),
        (0x6A86, e.WrongParameters),
        (0x6F00, e.CardStatusError),
        (0x1234, e.CardStatusError),
    ],
)
def test_each_error_status_word_raises_its_typed_error(
    sw: int, cls: type[e.CardStatusError]
) -> None:
    with pytest.raises(cls) as caught:
        a.Response(b"", sw >> 8, sw & 0xFF).check("READ RECORD name")
    assert type(caught.value) is cls
    assert caught.value.sw == sw
    assert f"{sw:04X}" in str(caught.value)
    assert "READ RECORD name" in str(caught.value)


def test_success_returns_the_data() -> None:
    assert a.Response(b"\x01\x02", 0x90, 0x00).check() == b"\x01\x02"


@pytest.mark.parametrize(
    ("sw", "meaning"),
    [
        (0x9000, "success"),
        (0x6A82, "file or application not found"),
        (0x6982, "security status not satisfied"),
        (0x6A83, "record not found"),
        (0x6D00, "instruction code not supported"),
        (0x6E00, "class not supported"),
        (0x6110, "16 more bytes"),
        (0x6100, "256 more bytes"),
        (0x6C1E, "wrong Le, 30 bytes"),
        (0x63C2, "2 tries left"),
        (0x9999, "unlisted"),
    ],
)
def test_status_words_are_described_for_logs(sw: int, meaning: str) -> None:
    assert meaning in a.describe_sw(sw)


# -- T=0: 61xx and 6Cxx --------------------------------------------------------------


class Card:
    """Canned replies in order; records every C-APDU it was sent."""

    def __init__(self, *replies: str) -> None:
        self.replies = [h(r) for r in replies]
        self.sent: list[str] = []

    def __call__(self, raw: bytes) -> bytes:
        self.sent.append(raw.hex(" ").upper())
        return self.replies.pop(0)


READ_NAME = a.Command(0x00, 0xB2, 0x09, 0x04, le=0x20)


def test_plain_9000_reply_needs_one_exchange() -> None:
    card = Card("AA BB 90 00")
    assert a.transceive(READ_NAME, card) == a.Response(h("AA BB"), 0x90, 0x00)
    assert card.sent == ["00 B2 09 04 20"]


def test_61xx_sends_get_response_for_xx_bytes() -> None:
    card = Card("61 05", "01 02 03 04 05 90 00")
    response = a.transceive(READ_NAME, card)
    assert card.sent == ["00 B2 09 04 20", "00 C0 00 00 05"]
    assert response == a.Response(h("01 02 03 04 05"), 0x90, 0x00)


def test_61xx_repeats_and_concatenates_every_piece_in_order() -> None:
    card = Card("61 20", "11" * 16 + " 61 10", "22" * 8 + " 61 08", "33" * 8 + " 90 00")
    response = a.transceive(READ_NAME, card)
    assert card.sent == ["00 B2 09 04 20", "00 C0 00 00 20", "00 C0 00 00 10", "00 C0 00 00 08"]
    assert response.data == h("11" * 16 + "22" * 8 + "33" * 8)
    assert response.ok


def test_6100_asks_for_256_bytes() -> None:
    card = Card("61 00", "00" * 256 + " 90 00")
    assert len(a.transceive(READ_NAME, card).data) == 256
    assert card.sent[1] == "00 C0 00 00 00"


def test_data_sent_along_with_61xx_is_kept() -> None:
    card = Card("AA 61 01", "BB 90 00")
    assert a.transceive(READ_NAME, card).data == h("AA BB")


def test_6cxx_resends_the_same_command_with_le_xx() -> None:
    card = Card("6C 08", "09 06 B2 E2 CA D4 BC D7 90 00")
    response = a.transceive(READ_NAME, card)
    assert card.sent == ["00 B2 09 04 20", "00 B2 09 04 08"]
    assert response.data == h("09 06 B2 E2 CA D4 BC D7")


def test_6cxx_then_61xx_are_both_handled() -> None:
    card = Card("6C 08", "61 08", "09 06 B2 E2 CA D4 BC D7 90 00")
    response = a.transceive(READ_NAME, card)
    assert card.sent == ["00 B2 09 04 20", "00 B2 09 04 08", "00 C0 00 00 08"]
    assert len(response.data) == 8


def test_6cxx_on_get_response_resends_get_response_with_le_xx() -> None:
    card = Card("61 10", "6C 04", "01 02 03 04 90 00")
    a.transceive(READ_NAME, card)
    assert card.sent == ["00 B2 09 04 20", "00 C0 00 00 10", "00 C0 00 00 04"]


def test_6cxx_naming_the_le_just_sent_raises_instead_of_looping() -> None:
    card = Card("6C 20")
    with pytest.raises(e.CardStatusError, match="6C20"):
        a.transceive(READ_NAME, card)


def test_error_status_after_get_response_is_the_final_status() -> None:
    card = Card("61 04", "6A 83")
    response = a.transceive(READ_NAME, card)
    assert response.sw == 0x6A83


def test_a_card_that_never_stops_asking_is_cut_off() -> None:
    card = Card(*["61 01"] * (a.MAX_ROUNDS + 5))
    with pytest.raises(e.ApduError, match="still asked for more"):
        a.transceive(READ_NAME, card)
    assert len(card.sent) == a.MAX_ROUNDS


def test_empty_reply_mid_exchange_raises_apdu_error() -> None:
    card = Card("61 04", "")
    with pytest.raises(e.ApduError, match="no status word"):
        a.transceive(READ_NAME, card)


def test_a_finished_exchange_takes_no_more_replies() -> None:
    exchange = a.T0Exchange(READ_NAME)
    assert isinstance(exchange.receive(h("9000")), a.Response)
    with pytest.raises(e.ApduError, match="already finished"):
        exchange.receive(h("9000"))
