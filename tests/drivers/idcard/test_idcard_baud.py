"""Baud rates and auto-detection: 60 0x, detect_baudrate(), probe() across a real pty.

A pty carries bytes at any speed, so the simulator models the module's rate: it answers
only when the reader's end of the pty is set to the rate it is at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.idcard import IdCardReader, ProbeResult, ReaderTimeout, probe
from drivers.idcard.fixtures import fixture_by_name
from drivers.idcard.simulator import IdCardSimulator

JIA = fixture_by_name("测试甲")
SAM_ID = "05.01-20240101-0000001234-0000005678"


def test_simulator_ignores_a_reader_set_to_another_rate() -> None:
    with IdCardSimulator(baudrate=19200) as sim:
        with IdCardReader(sim.url, baudrate=115200, timeout=0.1) as reader:
            with pytest.raises(ReaderTimeout):
                reader.check_sam()
        assert sim.ignored_bytes > 0
        assert list(sim.received) == []


def test_baud_rate_change_switches_module_and_port_and_reads_go_on(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    reader.set_baudrate(38400)
    assert (sim.baudrate, reader.baudrate) == (38400, 38400)
    sim.present(JIA)
    assert reader.read_card().name.reveal() == JIA.name
    assert list(sim.received)[0] == "60 02"


def test_after_a_rate_change_a_reader_at_the_old_rate_hears_nothing_until_it_detects(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    reader.set_baudrate(9600)
    reader.close()
    with IdCardReader(sim.url, timeout=0.1) as other:
        with pytest.raises(ReaderTimeout):
            other.check_sam()
        assert other.detect_baudrate() == 9600
        other.check_sam()


def test_unsupported_rate_is_refused_before_anything_is_sent(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    with pytest.raises(ValueError, match="4800"):
        reader.set_baudrate(4800)
    assert list(sim.received) == []


@pytest.mark.parametrize("rate", [115200, 38400, 9600])
def test_auto_baud_tries_the_rates_in_order_and_reads_at_the_one_that_answers(
    rate: int,
) -> None:
    with IdCardSimulator(baudrate=rate) as sim:
        sim.present(JIA)
        with IdCardReader(sim.url, timeout=0.1, auto_baud=True) as reader:
            assert reader.baudrate == rate
            assert reader.read_card().name.reveal() == JIA.name
        # only the frame at the right rate was heard
        assert list(sim.received) == ["11 FF", "20 01", "20 02", "30 01"]


def test_auto_baud_with_nothing_answering_raises_and_leaves_the_port_closed(
    sim: IdCardSimulator,
) -> None:
    sim.silent = True
    reader = IdCardReader(sim.url, timeout=0.05, auto_baud=True)
    with pytest.raises(ReaderTimeout, match="any of"):
        reader.open()
    assert not reader.is_open
    assert reader.baudrate == 115200
    assert list(sim.received) == ["11 FF"]  # heard at its own rate only
    assert sim.ignored_bytes == 4 * 10  # the other four rates: one 10-byte frame each


def test_probe_returns_the_sam_id_of_a_reader_at_the_configured_rate(
    sim: IdCardSimulator,
) -> None:
    result = probe(sim.url)
    assert result == ProbeResult(sim.url, 115200, 0x90, SAM_ID)
    assert result is not None
    assert result.healthy
    assert list(sim.received) == ["11 FF", "12 FF"]


def test_probe_at_a_rate_the_reader_is_not_at_finds_nothing() -> None:
    with IdCardSimulator(baudrate=57600) as sim:
        assert probe(sim.url, timeout=0.1) is None


def test_probe_with_auto_baud_finds_the_reader_at_its_rate() -> None:
    with IdCardSimulator(baudrate=19200) as sim:
        result = probe(sim.url, auto_baud=True, timeout=0.1)
        assert result is not None
        assert (result.baudrate, result.sam_id) == (19200, SAM_ID)


def test_probe_of_a_reader_whose_sam_is_faulty_says_so_without_an_id(
    sim: IdCardSimulator,
) -> None:
    sim.forced_status["11 FF"] = 0x60
    result = probe(sim.url)
    assert result is not None
    assert not result.healthy
    assert (result.sam_status, result.sam_id) == (0x60, None)


def test_probe_of_a_missing_port_or_a_silent_device_is_none(
    tmp_path: Path, sim: IdCardSimulator
) -> None:
    assert probe(str(tmp_path / "ttyUSB7")) is None
    sim.silent = True
    assert probe(sim.url, timeout=0.05) is None


def test_probe_of_an_unplugged_reader_is_none(sim: IdCardSimulator) -> None:
    sim.unplug()
    assert probe(sim.url) is None
    sim.replug()
    assert probe(sim.url) is not None
