"""The simulator on its own, spoken to with raw frames over its pty."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import serial

from drivers.idcard import protocol as p
from drivers.idcard.fixtures import FIXTURES, fixture_by_name
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


def test_unknown_command_is_answered_with_bad_command(port: Any) -> None:
    assert ask(port, p.encode_command(0x99, 0x01)).status is p.Status.BAD_COMMAND


def find_select(port: Any) -> None:
    assert ask(port, p.FIND_CARD.encode()).status is p.Status.CARD_FOUND
    assert ask(port, p.SELECT_CARD.encode()).status is p.Status.OK


def test_fingerprint_read_answers_the_2321_byte_reply(sim: IdCardSimulator, port: Any) -> None:
    sim.present(FIXTURES[0])
    find_select(port)
    reply = ask(port, p.READ_TEXT_PHOTO_FINGERPRINT.encode())
    assert reply.status is p.Status.OK
    assert len(reply.encode()) == p.FINGERPRINT_REPLY_SIZE
    assert reply.data == FIXTURES[0].fingerprint_reply_data()


def test_appended_address_needs_a_read_first_and_says_no_content_when_there_is_none(
    sim: IdCardSimulator, port: Any
) -> None:
    yi = fixture_by_name("测试乙")
    sim.present(yi)
    assert ask(port, p.READ_ADDRESS.encode()).status is p.Status.READ_FAILED
    find_select(port)
    ask(port, p.READ_TEXT_PHOTO.encode())
    reply = ask(port, p.READ_ADDRESS.encode())
    assert (reply.status, reply.data) == (p.Status.OK, yi.appended_address_data())
    sim.present(FIXTURES[0])
    find_select(port)
    ask(port, p.READ_TEXT_PHOTO.encode())
    assert ask(port, p.READ_ADDRESS.encode()).status is p.Status.NO_CONTENT


def test_baud_rate_command_outside_the_table_is_a_bad_command(
    sim: IdCardSimulator, port: Any
) -> None:
    assert ask(port, p.encode_command(0x60, 0x05)).status is p.Status.BAD_COMMAND
    assert sim.baudrate == 115200


def test_baud_rate_change_is_answered_at_the_old_rate_then_only_the_new_one_is_heard(
    sim: IdCardSimulator, port: Any
) -> None:
    assert ask(port, p.set_baudrate(19200).encode()).status is p.Status.OK
    assert sim.baudrate == 19200
    port.write(p.SAM_STATUS.encode())
    assert port.read(20) == b""  # still at 115200 on our side: not heard
    port.baudrate = 19200
    assert ask(port, p.SAM_STATUS.encode()).status is p.Status.OK


def test_rf_frame_size_needs_exactly_one_data_byte(sim: IdCardSimulator, port: Any) -> None:
    assert ask(port, p.encode_command(0x61, 0xFF)).status is p.Status.HOST_LENGTH
    assert ask(port, p.MAX_RF_FRAME_SIZE.encode()).status is p.Status.OK
    assert sim.rf_frame_size == 0x50


def test_present_without_a_card_cycles_through_the_fixtures(sim: IdCardSimulator) -> None:
    presented = [sim.present() for _ in range(len(FIXTURES) + 1)]
    assert presented == [*FIXTURES, FIXTURES[0]]


def test_simulator_refuses_an_unsupported_baudrate() -> None:
    with pytest.raises(ValueError, match="baud"):
        IdCardSimulator(baudrate=12345)


def test_url_is_a_stable_link_to_a_new_pty_after_each_replug(sim: IdCardSimulator) -> None:
    url = sim.url
    first = os.path.realpath(url)
    assert first.startswith("/dev/pts/")
    sim.unplug()
    assert not sim.plugged
    assert not os.path.lexists(url)
    sim.replug()
    assert sim.url == url
    assert os.path.realpath(url).startswith("/dev/pts/")
    with serial.serial_for_url(url, baudrate=115200, timeout=0.5) as raw:
        assert ask(raw, p.SAM_STATUS.encode()).status is p.Status.OK


def test_replug_is_a_power_cycle_that_forgets_the_card_was_read(
    sim: IdCardSimulator, port: Any
) -> None:
    sim.present(FIXTURES[0])
    find_select(port)
    ask(port, p.READ_TEXT_PHOTO.encode())
    assert ask(port, p.FIND_CARD.encode()).status is p.Status.NO_CARD
    sim.unplug()
    sim.replug()
    with serial.serial_for_url(sim.url, baudrate=115200, timeout=0.5) as raw:
        assert ask(raw, p.FIND_CARD.encode()).status is p.Status.CARD_FOUND


def test_stop_removes_the_link_and_its_folder() -> None:
    sim = IdCardSimulator()
    sim.start()
    folder = os.path.dirname(sim.url)
    sim.stop()
    assert not os.path.exists(folder)
    sim.stop()  # twice is fine
    with pytest.raises(RuntimeError, match="not started"):
        sim.replug()
