"""The virtual card on its own: vpcd's wire protocol against a stand-in vpcd on a real TCP
socket, the T=0 answers, and the fault knobs. (Through real pcscd: test_socialcard_reader.)"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from typing import Any

import pytest

from drivers.socialcard.fixtures import FIXTURES
from drivers.socialcard.virtual_card import DEFAULT_ATR, VirtualCard

JIA = FIXTURES[0]
SELECT_SSSE = bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF")


class FakeVpcd:
    """The reader side of vpcd's protocol: listens, accepts the card, exchanges messages."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(5)
        self.port = self.server.getsockname()[1]
        self.conn: socket.socket | None = None

    def accept(self) -> None:
        self.conn, _ = self.server.accept()
        self.conn.settimeout(5)

    def send(self, payload: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(struct.pack(">H", len(payload)) + payload)

    def receive(self) -> bytes | None:
        """One message from the card, or None if it closed the connection."""
        assert self.conn is not None
        header = self._exactly(2)
        if header is None:
            return None
        return self._exactly(struct.unpack(">H", header)[0])

    def _exactly(self, size: int) -> bytes | None:
        assert self.conn is not None
        buf = b""
        while len(buf) < size:
            chunk = self.conn.recv(size - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def exchange(self, apdu: bytes) -> bytes | None:
        self.send(apdu)
        return self.receive()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.server.close()


@pytest.fixture
def vpcd() -> Iterator[FakeVpcd]:
    fake = FakeVpcd()
    yield fake
    fake.close()


def plugged(vpcd: FakeVpcd, **knobs: Any) -> VirtualCard:
    card = VirtualCard(JIA, port=vpcd.port, **knobs)
    card.insert()
    vpcd.accept()
    return card


def test_inserting_connects_and_the_atr_answers_control_byte_4(vpcd: FakeVpcd) -> None:
    card = plugged(vpcd)
    vpcd.send(b"\x04")
    assert vpcd.receive() == DEFAULT_ATR
    card.remove()


def test_default_atr_announces_t0_only() -> None:
    # TS 3B direct convention; T0 high nibble 0: no TA1-TD1, so T=0 is the only protocol.
    assert DEFAULT_ATR[0] == 0x3B
    assert DEFAULT_ATR[1] >> 4 == 0
    assert len(DEFAULT_ATR) == 2 + (DEFAULT_ATR[1] & 0x0F)


def test_power_and_reset_get_no_answer_and_clear_the_selection(vpcd: FakeVpcd) -> None:
    card = plugged(vpcd, chunk=None)
    assert vpcd.exchange(SELECT_SSSE) == b"\x90\x00"
    for control in (b"\x00", b"\x01", b"\x02"):
        vpcd.send(control)
    # Nothing came back for the three control bytes: the next message answers this APDU.
    assert vpcd.exchange(bytes.fromhex("00B2072C0B")) == b"\x6a\x82"
    card.remove()


def test_apdus_are_answered_with_rapdus_on_the_wire(vpcd: FakeVpcd) -> None:
    card = plugged(vpcd)
    assert vpcd.exchange(SELECT_SSSE) == bytes.fromhex("6113")
    fci = vpcd.exchange(bytes.fromhex("00C0000013"))
    assert fci is not None
    # FCI 6F { 84 <application name> }: the first 16 of its 19 bytes, 3 more waiting.
    assert fci[:4] == bytes.fromhex("6F11840F")
    assert fci[-2:] == bytes.fromhex("6103")
    record = vpcd.exchange(bytes.fromhex("00B2072C0B"))
    assert record == bytes.fromhex("0709") + JIA.card_number.encode() + b"\x90\x00"
    assert card.apdus[0] == SELECT_SSSE
    card.remove()


def test_remove_closes_the_connection(vpcd: FakeVpcd) -> None:
    card = plugged(vpcd)
    card.remove()
    assert vpcd.receive() is None
    assert not card.inserted


@pytest.mark.parametrize("after", [0, 1, 2])
def test_remove_after_apdus_answers_that_many_then_pulls_the_card(
    vpcd: FakeVpcd, after: int
) -> None:
    card = plugged(vpcd, remove_after_apdus=after)
    answers = [vpcd.exchange(SELECT_SSSE) for _ in range(after)]
    assert all(a == bytes.fromhex("6113") for a in answers)
    assert vpcd.exchange(SELECT_SSSE) is None
    card.remove()
    assert len(card.apdus) == after + 1
    assert card.error is None


def test_card_reconnects_when_vpcd_goes_away_and_comes_back(vpcd: FakeVpcd) -> None:
    card = plugged(vpcd)
    assert vpcd.conn is not None
    vpcd.conn.close()  # pcscd stopped: the card stays in the reader
    vpcd.accept()
    vpcd.send(b"\x04")
    assert vpcd.receive() == DEFAULT_ATR
    card.remove()


def test_insert_fails_with_timeout_when_no_vpcd_listens() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    card = VirtualCard(JIA, port=port)
    with pytest.raises(TimeoutError, match="did not accept"):
        card.insert(timeout=0.3)
    assert not card.inserted


# -- answers (pure) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        ("00", "6700"),  # not an APDU
        ("80 B2 07 2C 0B", "6E00"),  # CLA
        ("00 20 00 00", "6D00"),  # VERIFY: not offered
        ("00 B2 07 2C 0B", "6A82"),  # read before selecting the application
        ("00 C0 00 00 10", "6985"),  # GET RESPONSE with nothing pending
        ("00 A4 04 00 03 A0 00 00", "6A82"),  # another application
    ],
)
def test_the_card_refuses_what_a_real_card_would(apdu: str, sw: str) -> None:
    assert VirtualCard(JIA).respond(bytes.fromhex(apdu)).hex().upper() == sw


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        ("00 B2 08 04 14", "6986"),  # EF06 record before selecting EF06
        ("00 B2 08 2C 14", "6A83"),  # EF05 has no tag 08
        ("00 B2 07 2D 0B", "6A86"),  # P2 mode other than "record number in P1"
        ("00 B2 07 2C 0C", "6C0B"),  # wrong Le
    ],
)
def test_record_errors_after_selecting_the_application(apdu: str, sw: str) -> None:
    card = VirtualCard(JIA, chunk=None)
    assert card.respond(SELECT_SSSE) == b"\x90\x00"
    assert card.respond(bytes.fromhex(apdu)).hex().upper() == sw


def test_selecting_ef06_before_the_application_is_file_not_found() -> None:
    assert VirtualCard(JIA).respond(bytes.fromhex("00A4020002EF06")) == b"\x6a\x82"
