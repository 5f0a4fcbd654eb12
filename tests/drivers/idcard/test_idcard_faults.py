"""Faults on the line and at the card, driver against simulator across a real pty.

Each fault of issue 3 is a test here: garbage before/inside/after frames, wrong checksum,
truncated frame, silence, a card pulled at several byte offsets of a read, the serial
device unplugged and replugged.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from drivers.idcard import (
    CardMoved,
    IdCardError,
    IdCardReader,
    ProtocolError,
    ReaderTimeout,
    ReaderUnavailable,
)
from drivers.idcard.fixtures import fixture_by_name
from drivers.idcard.simulator import IdCardSimulator
from kiosk.messages import for_error

JIA = fixture_by_name("测试甲")
YI = fixture_by_name("测试乙")


# -- garbage ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [b"\x00", b"\xaa\xaa\xaa\x96", b"\xaa\xaa\xaa\x96\x69\x00\x02", b"\xff" * 300],
    ids=["nul", "partial-preamble", "impossible-length", "long-noise"],
)
def test_garbage_before_every_reply_is_skipped(
    sim: IdCardSimulator, reader: IdCardReader, garbage: bytes
) -> None:
    sim.present(JIA)
    sim.garbage_before = garbage
    assert reader.read_card().id_number.reveal() == JIA.id_number


@pytest.mark.parametrize("garbage", [b"\x00" * 5, b"\xaa\xaa\xaa\x96\x69\x00\x03\x90"])
def test_garbage_after_every_reply_does_not_spoil_the_next_one(
    sim: IdCardSimulator, reader: IdCardReader, garbage: bytes
) -> None:
    sim.garbage_after = garbage
    for fixture in (JIA, YI):
        sim.present(fixture)
        assert reader.read_card().name.reveal() == fixture.name


def test_garbage_inside_a_read_reply_raises_protocol_error_not_a_damaged_card(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    sim.garbage_inside = (600, b"\x00")
    with pytest.raises(ProtocolError) as caught:
        reader.read_card()
    assert "重新放置" in for_error(caught.value).zh
    assert list(sim.received) == ["20 01", "20 02", "30 01"]  # a read is never resent


# -- checksums, truncation, silence ------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        {"garbage_inside": (8, b"\x13\x37")},
        {"corrupt_checksum": True},
        {"truncate_at": 1},
        {"truncate_at": 6},
        {"truncate_at": 9},
        {"reject_commands": 1},  # our frame arrived damaged: the module answers SW3 10
    ],
    ids=["garbage-inside", "checksum", "cut-1", "cut-6", "cut-9", "host-frame-damaged"],
)
def test_one_damaged_reply_to_a_safe_command_is_fetched_again(
    sim: IdCardSimulator, reader: IdCardReader, damage: dict[str, object]
) -> None:
    sim.present(JIA)
    for knob, value in damage.items():
        setattr(sim, knob, value)
    sim.damage_limit = 1
    assert reader.read_card().name.reveal() == JIA.name
    assert list(sim.received) == ["20 01", "20 01", "20 02", "30 01"]


def test_wrong_checksums_every_time_raise_protocol_error(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    sim.corrupt_checksum = True
    with pytest.raises(ProtocolError):
        reader.read_card()
    assert list(sim.received) == ["20 01", "20 01"]  # one resend of a safe command


def test_replies_truncated_every_time_raise_protocol_error(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.truncate_at = 8
    with pytest.raises(ProtocolError):
        reader.sam_id()


def test_silence_raises_reader_timeout(sim: IdCardSimulator, reader: IdCardReader) -> None:
    sim.present(JIA)
    sim.silent = True
    started = time.monotonic()
    with pytest.raises(ReaderTimeout) as caught:
        reader.read_card()
    assert 0.25 <= time.monotonic() - started < 1.5
    assert "没有响应" in for_error(caught.value).zh


@pytest.mark.parametrize("split_every", [1, 7, 64])
def test_replies_arriving_in_chunks_are_accumulated(sim: IdCardSimulator, split_every: int) -> None:
    sim.present(JIA)
    sim.split_every = split_every
    sim.split_pause = 0.0005
    with IdCardReader(sim.url, timeout=5.0) as reader:
        assert reader.read_card().photo == JIA.photo


def test_read_deadline_includes_the_replys_wire_time_at_a_slow_rate() -> None:
    # 0.35 s of chunks is more than the 0.2 s timeout, well inside 30 10's 2.4 s at 9600.
    with IdCardSimulator(baudrate=9600) as sim:
        sim.present(JIA)
        with IdCardReader(sim.url, baudrate=9600, timeout=0.2) as reader:
            sim.split_every, sim.split_pause = 400, 0.07
            assert reader.read_card(fingerprint=True).fingerprint == JIA.fingerprint


def test_a_slow_reader_that_keeps_sending_is_waited_for() -> None:
    # 64-byte chunks 200 ms apart: about 4 s for a text+photo read, far past a 0.3 s
    # timeout, but never 0.3 s without a byte. The deadline follows the bytes.
    with IdCardSimulator() as sim:
        sim.present(JIA)
        sim.split_every, sim.split_pause = 64, 0.2
        with IdCardReader(sim.url, timeout=0.3, poll_interval=0.02) as reader:
            started = time.monotonic()
            assert reader.read_card().photo == JIA.photo
            assert time.monotonic() - started > 3.0
            # and the next command's reply is its own, not the rest of the last one
            sim.split_every = None
            assert len(reader.sam_id()) > 0


def test_a_reply_that_stalls_midway_still_times_out() -> None:
    with IdCardSimulator() as sim:
        sim.present(JIA)
        sim.split_every, sim.split_pause = 64, 1.0  # a second of silence between chunks
        with IdCardReader(sim.url, timeout=0.3, poll_interval=0.02) as reader:
            started = time.monotonic()
            with pytest.raises(IdCardError):
                reader.read_card()
            assert time.monotonic() - started < 3.0


# -- the card pulled -------------------------------------------------------------------


@pytest.mark.parametrize("pull_at", [0, 7, 10, 100, 700, 1294])
def test_card_pulled_during_a_text_photo_read_raises_card_moved_never_half_a_card(
    sim: IdCardSimulator, reader: IdCardReader, pull_at: int
) -> None:
    sim.present(JIA)
    sim.pull_at = pull_at
    with pytest.raises(CardMoved) as caught:
        reader.read_card()
    assert "保持不动" in for_error(caught.value).zh
    assert sim.card_in_field is None
    # the citizen puts the card back and it reads in full
    sim.pull_at = None
    sim.present(JIA)
    assert reader.read_card().photo == JIA.photo


@pytest.mark.parametrize("pull_at", [16, 1296, 2320])
def test_card_pulled_during_a_fingerprint_read_raises_card_moved(
    sim: IdCardSimulator, reader: IdCardReader, pull_at: int
) -> None:
    sim.present(JIA)
    sim.pull_at = pull_at
    with pytest.raises(CardMoved):
        reader.read_card(fingerprint=True)


def test_reader_reporting_read_failed_raises_card_moved(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    sim.forced_status["30 01"] = 0x41
    with pytest.raises(CardMoved):
        reader.read_card()


def test_a_card_the_module_reports_pulled_and_put_back_is_read_again(
    sim: IdCardSimulator,
) -> None:
    # A module that finds a card again after reading it, so only the remembered identity
    # keeps a card lying there from being reported twice.
    sim.refinds_read_card = True
    sim.present(JIA)
    with IdCardReader(sim.url, timeout=0.3, poll_interval=0.02, presence_gap=0.05) as reader:
        assert reader.read_card().photo == JIA.photo
        time.sleep(0.1)  # long enough that the next find reads the card again
        sim.forced_status["30 01"] = 0x41  # the module itself says the card moved
        with pytest.raises(CardMoved):
            reader.read_card()
        del sim.forced_status["30 01"]
        sim.present(JIA)  # the citizen puts it back at once
        assert reader.read_card(wait=1.0).photo == JIA.photo


def test_read_cut_while_the_card_stays_is_a_line_fault_not_a_moved_card(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    sim.refinds_read_card = True
    sim.truncate_at = 500  # only the read reply is that long
    with pytest.raises(ProtocolError) as caught:
        reader.read_card()
    assert not isinstance(caught.value, CardMoved)


def test_read_reply_that_never_comes_while_the_card_stays_raises_reader_timeout(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    sim.forced_status["30 01"] = None  # the module swallows the read
    with pytest.raises(ReaderTimeout):
        reader.read_card()
    assert list(sim.received) == ["20 01", "20 02", "30 01", "20 01"]  # asked: card still there


# -- the port ----------------------------------------------------------------------------


def test_missing_port_raises_reader_unavailable(tmp_path: Path) -> None:
    reader = IdCardReader(str(tmp_path / "ttyUSB9"))
    with pytest.raises(ReaderUnavailable) as caught:
        reader.read_card()
    assert isinstance(caught.value.__cause__, Exception)
    assert not reader.is_open


def test_stopped_simulator_looks_unplugged(sim: IdCardSimulator, reader: IdCardReader) -> None:
    sim.stop()
    with pytest.raises(ReaderUnavailable):
        reader.read_card()
    assert not reader.is_open  # the next call will try to open the port afresh


def test_unplugged_reader_raises_reader_unavailable_then_works_after_replug(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    assert reader.read_card().name.reveal() == JIA.name
    before = os.path.realpath(sim.url)
    sim.unplug()
    assert not os.path.exists(sim.url)
    with pytest.raises(ReaderUnavailable):
        reader.read_card()
    with pytest.raises(ReaderUnavailable):  # still unplugged: opening fails too
        reader.check_sam()
    sim.replug()
    assert os.path.realpath(sim.url) != before or sim.plugged  # a new pty behind the link
    sim.present(YI)
    assert reader.read_card().name.reveal() == YI.name  # the same reader object
    assert reader.is_open


def test_unplug_while_idle_with_the_port_open_is_noticed_on_the_next_call(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    reader.check_sam()
    sim.unplug()
    sim.replug()
    # The old port handle points at the closed pty: the first call fails, the next reopens.
    with pytest.raises(ReaderUnavailable):
        reader.check_sam()
    reader.check_sam()


def test_loop_url_echo_is_not_mistaken_for_a_reply() -> None:
    with IdCardReader("loop://", timeout=0.1) as reader, pytest.raises(ProtocolError):
        reader.sam_id()
