"""The real driver against the simulator across a real pty: reads, faults, diagnostics."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from pathlib import Path

import pytest

from drivers.idcard import (
    CardMoved,
    IdCardError,
    IdCardReader,
    NoCard,
    ProtocolError,
    ReaderStatusError,
    ReaderTimeout,
    ReaderUnavailable,
    UnsupportedCardType,
)
from drivers.idcard.fixtures import FIXTURES, IdCardFixture, fixture_by_name
from drivers.idcard.simulator import IdCardSimulator

JIA = fixture_by_name("测试甲")


def test_reader_reads_a_simulated_card_across_a_pty(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    card = reader.read_card()
    assert card.name.reveal() == JIA.name
    assert card.id_number.reveal() == JIA.id_number
    assert card.address.reveal() == JIA.address
    assert card.photo == JIA.photo
    assert list(sim.received) == ["20 01", "20 02", "30 01"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_every_fixture_reads_back_intact(
    sim: IdCardSimulator, reader: IdCardReader, fixture: IdCardFixture
) -> None:
    sim.present(fixture)
    card = reader.read_card()
    assert (card.id_number.reveal(), card.valid_to) == (fixture.id_number, fixture.valid_to)


def test_empty_field_raises_no_card(sim: IdCardSimulator, reader: IdCardReader) -> None:
    with pytest.raises(NoCard) as caught:
        reader.read_card()
    assert caught.value.user_message == "请将身份证放在读卡区。"


def test_same_card_is_not_reported_twice_while_it_stays_in_the_field(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    reader.read_card()
    assert sim.card_in_field is JIA
    with pytest.raises(NoCard):
        reader.read_card(wait=0.1)
    sim.remove()
    sim.present(JIA)
    assert reader.read_card().id_number.reveal() == JIA.id_number


def test_read_card_waits_for_a_card_placed_later(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    timer = threading.Timer(0.15, sim.present, args=(JIA,))
    timer.start()
    try:
        card = reader.read_card(wait=3.0)
    finally:
        timer.cancel()
    assert card.name.reveal() == JIA.name
    assert list(sim.received).count("20 01") >= 2


@pytest.mark.parametrize("pull_at", [3, 12, 700, 1294])
def test_card_pulled_mid_read_raises_card_moved_never_half_a_card(
    sim: IdCardSimulator, reader: IdCardReader, pull_at: int
) -> None:
    sim.present(JIA)
    sim.pull_at = pull_at
    with pytest.raises(CardMoved) as caught:
        reader.read_card()
    assert "保持不动" in caught.value.user_message
    assert sim.card_in_field is None
    # the citizen puts the card back and it reads in full
    sim.pull_at = None
    sim.present(JIA)
    assert reader.read_card().photo == JIA.photo


def test_reader_reporting_read_failed_raises_card_moved(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    sim.forced_status["30 01"] = 0x41
    with pytest.raises(CardMoved):
        reader.read_card()


def test_silence_raises_reader_timeout(sim: IdCardSimulator, reader: IdCardReader) -> None:
    sim.present(JIA)
    sim.silent = True
    started = time.monotonic()
    with pytest.raises(ReaderTimeout):
        reader.read_card()
    assert 0.25 <= time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    "garbage",
    [b"\x00", b"\xaa\xaa\xaa\x96", b"\xaa\xaa\xaa\x96\x69\x00\x02", b"\xff" * 300],
    ids=["nul", "partial-preamble", "impossible-length", "long-noise"],
)
def test_garbage_on_the_line_before_the_reply_is_tolerated(
    sim: IdCardSimulator, reader: IdCardReader, garbage: bytes
) -> None:
    sim.present(JIA)
    sim.garbage_before = garbage
    assert reader.read_card().id_number.reveal() == JIA.id_number


@pytest.mark.parametrize("split_every", [1, 7, 64])
def test_replies_arriving_in_chunks_are_accumulated(sim: IdCardSimulator, split_every: int) -> None:
    sim.present(JIA)
    sim.split_every = split_every
    sim.split_pause = 0.0005
    with IdCardReader(sim.url, timeout=5.0) as reader:
        assert reader.read_card().photo == JIA.photo


def test_corrupt_checksums_are_resent_then_raise_protocol_error(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    sim.corrupt_checksum = True
    with pytest.raises(ProtocolError):
        reader.read_card()
    assert list(sim.received) == ["20 01", "20 01"]  # one resend of a safe command


def test_select_failure_raises_a_status_error_the_citizen_can_act_on(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    sim.forced_status["20 02"] = 0x81
    with pytest.raises(ReaderStatusError) as caught:
        reader.read_card()
    assert caught.value.status == 0x81
    assert "重新放置" in caught.value.user_message


def test_sam_fault_raises_a_status_error_for_staff(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.forced_status["11 FF"] = 0x60
    with pytest.raises(ReaderStatusError) as caught:
        reader.check_sam()
    assert "工作人员" in caught.value.user_message
    assert "0x60" in str(caught.value)


def test_foreigner_card_raises_unsupported_card_type(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(dataclasses.replace(JIA, flag="Y"))
    with pytest.raises(UnsupportedCardType):
        reader.read_card()


def test_sam_id_reset_and_status(sim: IdCardSimulator, reader: IdCardReader) -> None:
    assert reader.sam_id() == "05.01-20240101-0000001234-0000005678"
    reader.reset()
    reader.check_sam()
    assert list(sim.received) == ["12 FF", "10 FF", "11 FF"]


def test_missing_port_raises_reader_unavailable(tmp_path: Path) -> None:
    reader = IdCardReader(str(tmp_path / "ttyUSB9"))
    with pytest.raises(ReaderUnavailable) as caught:
        reader.read_card()
    assert isinstance(caught.value.__cause__, Exception)
    assert not reader.is_open


def test_unplugged_reader_raises_reader_unavailable(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.stop()
    with pytest.raises(ReaderUnavailable):
        reader.read_card()
    assert not reader.is_open  # the next call will try to open the port afresh


def test_loop_url_echo_is_not_mistaken_for_a_reply() -> None:
    with IdCardReader("loop://", timeout=0.1) as reader, pytest.raises(ProtocolError):
        reader.sam_id()


def test_recent_frame_buffer_holds_no_clear_id_number_or_name(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    for fixture in FIXTURES:
        sim.present(fixture)
        reader.read_card()
    sim.present(JIA)
    sim.pull_at = 900
    with pytest.raises(CardMoved):
        reader.read_card()
    dump = "\n".join(reader.recent_frames).lower()
    assert len(reader.recent_frames) <= 32
    assert "30 01" in dump
    for fixture in FIXTURES:
        for secret in (fixture.id_number, fixture.name, fixture.address):
            assert secret.lower() not in dump
            assert secret.encode("utf-16-le").hex(" ") not in dump
            assert secret.encode("utf-16-le").hex() not in dump
            assert secret.encode("utf-16-le")[:8].hex(" ") not in dump


def test_logs_hold_no_personal_data(
    sim: IdCardSimulator, reader: IdCardReader, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="drivers.idcard")
    sim.present(JIA)
    card = reader.read_card()
    sim.silent = True
    with pytest.raises(IdCardError):
        reader.read_card()
    assert "idcard_read_ok" in caplog.text
    for secret in (JIA.id_number, JIA.name, JIA.address):
        assert secret not in caplog.text
    assert card.id_number.reveal() not in caplog.text
