"""The simulator on its own, spoken to with raw frames over its pty."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import serial

from drivers.idcard import protocol as p
from drivers.idcard.fixtures import FIXTURES
from drivers.idcard.simulator import IdCardSimulator


@pytest.fixture
def port(sim: IdCardSimulator) -> Iterator[Any]:
    with serial.serial_for_url(sim.url, baudrate=115200, timeout=0.5) as raw:
        yield raw


def ask(port: Any, frame: bytes) -> p.Response:
    port.write(frame)
    decoder = p.FrameDecoder()
    while True:
        chunk = port.read(port.in_waiting or 1)
        assert chunk, "the simulator did not answer"
        decoder.feed(chunk)
        reply = decoder.next_frame()
        if isinstance(reply, p.Response):
            return reply


def test_find_answers_no_card_on_an_empty_field(port: Any) -> None:
    assert ask(port, p.FIND_CARD.encode()).status is p.Status.NO_CARD


def test_find_answers_card_found_with_four_data_bytes(sim: IdCardSimulator, port: Any) -> None:
    sim.present()
    reply = ask(port, p.FIND_CARD.encode())
    assert reply.status is p.Status.CARD_FOUND
    assert len(reply.data) == 4


def test_select_without_find_fails(sim: IdCardSimulator, port: Any) -> None:
    sim.present()
    assert ask(port, p.SELECT_CARD.encode()).status is p.Status.SELECT_FAILED


def test_read_needs_find_and_select_first(sim: IdCardSimulator, port: Any) -> None:
    sim.present()
    assert ask(port, p.READ_TEXT_PHOTO.encode()).status is p.Status.READ_FAILED
    ask(port, p.FIND_CARD.encode())
    ask(port, p.SELECT_CARD.encode())
    reply = ask(port, p.READ_TEXT_PHOTO.encode())
    assert reply.status is p.Status.OK
    assert reply.data == FIXTURES[0].read_reply_data()


def test_damaged_host_frame_is_answered_with_host_checksum_status(port: Any) -> None:
    frame = bytearray(p.FIND_CARD.encode())
    frame[-1] ^= 0x40
    assert ask(port, bytes(frame)).status is p.Status.HOST_CHECKSUM


def test_unsimulated_command_is_answered_with_bad_command(port: Any) -> None:
    assert ask(port, p.READ_TEXT_PHOTO_FINGERPRINT.encode()).status is p.Status.BAD_COMMAND


def test_present_without_a_card_cycles_through_the_fixtures(sim: IdCardSimulator) -> None:
    assert [sim.present() for _ in range(4)] == [*FIXTURES, FIXTURES[0]]


def test_simulator_refuses_an_unsupported_baudrate() -> None:
    with pytest.raises(ValueError, match="baud"):
        IdCardSimulator(baudrate=12345)
