"""Printing across a real pty to the simulator: PNGs per cut, status answered at once, knobs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.printer import (
    EscPosDecodeError,
    FileTransport,
    PrinterUnavailable,
    Receipt,
    ReceiptPrinter,
    open_transport,
    profile_by_name,
    render,
)
from drivers.printer.simulator import PrinterSimulator
from tests.drivers.printer.conftest import URL
from tests.support.qr import read_qr

QUERIES = b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


@pytest.mark.parametrize("scheme", ["serial", "file"])
def test_receipt_printed_over_a_pty_comes_out_as_a_png_whose_qr_opencv_reads(
    sim: PrinterSimulator, receipt: Receipt, tmp_path: Path, scheme: str
) -> None:
    profile = profile_by_name("kiosk-80")
    with open_transport(f"{scheme}:{sim.url}") as transport:
        printer = ReceiptPrinter(transport, profile, status_timeout=0.5, after_print_wait=0)
        printer.print_receipt(receipt)
    assert sim.wait_for_documents(1)
    png = sim.last_png()
    assert png is not None
    assert png.parent == tmp_path / "paper"
    assert read_qr(png) == URL
    doc = sim.received_documents()[0]
    assert "就业服务回执" in doc.text_lines[0]
    assert len(doc.cuts) == 1
    # Status before and after, the job in between, byte for byte.
    assert sim.received_bytes() == QUERIES + render(receipt, profile) + QUERIES


def test_raster_qr_printer_prints_a_qr_opencv_reads(tmp_path: Path, receipt: Receipt) -> None:
    profile = profile_by_name("kiosk-80-raster")
    with PrinterSimulator(tmp_path / "paper", profile) as sim, FileTransport(sim.url) as port:
        ReceiptPrinter(port, profile, after_print_wait=0).print_receipt(receipt)
        assert sim.wait_for_documents(1)
        png = sim.last_png()
        assert png is not None
        assert read_qr(png) == URL
        assert sim.error is None


def test_one_png_per_cut(
    sim: PrinterSimulator, sim_printer: ReceiptPrinter, make_receipt: Callable[[str], Receipt]
) -> None:
    sim_printer.print_receipt(make_receipt("a"))
    sim_printer.print_receipt(make_receipt("b"))
    assert sim.wait_for_documents(2)
    assert [p.name for p in sim.pngs()] == ["receipt-0001.png", "receipt-0002.png"]


def test_status_query_in_the_middle_of_a_job_is_answered_at_once(sim: PrinterSimulator) -> None:
    with FileTransport(sim.url) as port:
        port.write(b"\x1b@half a line, no LF yet")
        port.write(b"\x10\x04\x04")
        assert port.read(1, 1.0) == b"\x12"
        sim.paper_near_end = True
        port.write(b"\x10\x04\x04")
        assert port.read(1, 1.0) == b"\x1e"
        port.write(b"\n\x1dV\x00")
    assert sim.wait_for_documents(1)
    assert sim.received_documents()[0].text_lines == ["half a line, no LF yet"]
    assert sim.status_queries() == [4, 4]


@pytest.mark.parametrize(
    ("knob", "replies"),
    [
        (None, "12 12 12 12"),
        ("paper_near_end", "12 12 12 1E"),
        ("paper_out", "1A 32 12 7E"),
        ("cover_open", "1A 16 12 12"),
        ("offline", "1A 12 12 12"),
        ("cutter_error", "1A 52 1A 12"),
        ("garbage_status", "FF FF FF FF"),
    ],
)
def test_simulator_answers_dle_eot_with_the_byte_of_its_state(
    sim: PrinterSimulator, knob: str | None, replies: str
) -> None:
    if knob:
        setattr(sim, knob, True)
    with FileTransport(sim.url) as port:
        port.write(QUERIES)
        assert port.read(4, 1.0).hex(" ").upper() == replies


def test_silent_simulator_answers_nothing(sim: PrinterSimulator) -> None:
    sim.silent_status = True
    with FileTransport(sim.url) as port:
        port.write(QUERIES)
        assert port.read(1, 0.1) == b""
    assert sim.status_queries() == [1, 2, 3, 4]


def test_first_bytes_other_than_whole_queries_are_decoded_in_order(sim: PrinterSimulator) -> None:
    # Whole DLE EOT n queries first are answered without the decoder; a query split across
    # writes, or a job's bytes before one, go through it as before.
    with FileTransport(sim.url) as port:
        port.write(b"\x10\x04")
        assert port.read(1, 0.2) == b""  # half a query: nothing to answer yet
        port.write(b"\x04\x1b@a line\n\x10\x04\x01")
        assert port.read(2, 1.0) == b"\x12\x12"
        port.write(b"\x1dV\x00")
    assert sim.wait_for_documents(1)
    assert sim.received_documents()[0].text_lines == ["a line"]
    assert sim.status_queries() == [4, 1]
    assert sim.error is None


def test_bad_escpos_is_surfaced_as_the_simulator_error(sim: PrinterSimulator) -> None:
    with FileTransport(sim.url) as port:
        port.write(b"\x1b\xfe")  # no such command
        port.write(b"\x10\x04\x01")  # answered: decoding started afresh
        assert port.read(1, 1.0) == b"\x12"
    assert isinstance(sim.error, EscPosDecodeError)
    sim.error = None


def test_printer_without_status_is_driven_blind(sim: PrinterSimulator, receipt: Receipt) -> None:
    blind = dataclasses.replace(profile_by_name("kiosk-80"), has_status=False)
    sim.silent_status = True  # would make a status check fail
    with FileTransport(sim.url) as port:
        printer = ReceiptPrinter(port, blind)
        printer.print_receipt(receipt)
        assert printer.status() is None
    assert sim.wait_for_documents(1)
    assert sim.status_queries() == []
    assert printer.was_printed(receipt.job_id)


def test_stopped_simulator_is_an_unplugged_printer(tmp_path: Path, receipt: Receipt) -> None:
    with PrinterSimulator(tmp_path / "paper") as sim:
        url = sim.url
    port = FileTransport(url)
    printer = ReceiptPrinter(port, profile_by_name("kiosk-80"), after_print_wait=0)
    with pytest.raises(PrinterUnavailable):
        printer.print_receipt(receipt)
    assert not printer.was_printed(receipt.job_id)
