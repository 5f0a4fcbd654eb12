"""ReceiptPrinter on the simulator: status before and after a job, once only across restarts."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from drivers.printer import (
    CoverOpen,
    JobInterrupted,
    PaperOut,
    PaperOutMidJob,
    PrinterFault,
    PrinterNotReady,
    PrinterOffline,
    PrinterState,
    PrinterStatusUnknown,
    Receipt,
    ReceiptPrinter,
    Transport,
    open_transport,
    profile_by_name,
    render,
)
from drivers.printer.simulator import PrinterSimulator
from kiosk.messages import for_error
from tests.drivers.printer.conftest import URL

KIOSK_80 = profile_by_name("kiosk-80")
QUERIES = b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


def test_status_of_a_healthy_printer_is_ready(sim_printer: ReceiptPrinter) -> None:
    status = sim_printer.status()
    assert status is not None
    assert status.state is PrinterState.READY
    assert status.replies == (0x12, 0x12, 0x12, 0x12)


def test_paper_out_before_printing_raises_paper_out_and_sends_no_job_bytes(
    sim: PrinterSimulator, sim_printer: ReceiptPrinter, receipt: Receipt
) -> None:
    sim.paper_out = True
    with pytest.raises(PaperOut) as info:
        sim_printer.print_receipt(receipt)
    assert "缺纸" in for_error(info.value).zh
    assert "二维码" in for_error(info.value).zh
    assert info.value.status.paper_out is True
    assert sim.received_bytes() == QUERIES  # the queries, not one byte of the receipt
    assert sim.received_documents() == []
    assert not sim_printer.was_printed(receipt.job_id)


@pytest.mark.parametrize(
    ("knob", "error", "words"),
    [
        ("cover_open", CoverOpen, "仓盖"),
        ("offline", PrinterOffline, "未就绪"),
        ("cutter_error", PrinterFault, "故障"),
    ],
)
def test_printer_not_ready_raises_a_typed_error_and_sends_no_job_bytes(
    sim: PrinterSimulator,
    sim_printer: ReceiptPrinter,
    receipt: Receipt,
    knob: str,
    error: type[PrinterNotReady],
    words: str,
) -> None:
    setattr(sim, knob, True)
    with pytest.raises(error) as info:
        sim_printer.print_receipt(receipt)
    assert words in for_error(info.value).zh
    assert sim.received_bytes() == QUERIES
    assert not sim_printer.was_printed(receipt.job_id)
    setattr(sim, knob, False)  # fixed by staff: the same job prints
    sim_printer.print_receipt(receipt)
    assert sim.wait_for_documents(1)


@pytest.mark.parametrize("knob", ["garbage_status", "silent_status"])
def test_malformed_or_missing_status_is_unknown_and_nothing_is_printed(
    sim: PrinterSimulator, sim_printer: ReceiptPrinter, receipt: Receipt, knob: str
) -> None:
    setattr(sim, knob, True)
    started = time.monotonic()
    with pytest.raises(PrinterStatusUnknown) as info:
        sim_printer.print_receipt(receipt)
    assert info.value.status.state is PrinterState.UNKNOWN
    # One unanswered query is enough: the rest are not asked.
    assert sim.received_bytes() == b"\x10\x04\x01"
    assert time.monotonic() - started < 1.0
    assert not sim_printer.was_printed(receipt.job_id)


def test_paper_near_end_still_prints_and_is_reported(
    sim: PrinterSimulator,
    sim_printer: ReceiptPrinter,
    receipt: Receipt,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sim.paper_near_end = True
    with caplog.at_level(logging.WARNING, logger="drivers.printer"):
        sim_printer.print_receipt(receipt)
    assert sim_printer.was_printed(receipt.job_id)
    assert sim_printer.last_status is not None
    assert sim_printer.last_status.paper_near_end is True
    assert "printer.paper_near_end" in caplog.text


def test_paper_out_in_the_middle_of_a_receipt_is_paper_out_mid_job_and_a_retry_prints_once(
    sim: PrinterSimulator, sim_printer: ReceiptPrinter, receipt: Receipt
) -> None:
    sim.paper_out_after_bytes = len(QUERIES) + 200  # the title and a few lines come out
    with pytest.raises(PaperOutMidJob) as info:
        sim_printer.print_receipt(receipt)
    assert "电子回执" in for_error(info.value).zh
    assert not sim_printer.was_printed(receipt.job_id)
    torn = sim.received_documents()
    assert len(torn) == 1
    assert torn[0].cuts == ()
    assert torn[0].qr_codes == ()
    assert "就业服务回执" in torn[0].text_lines[0]

    with pytest.raises(PaperOut):  # still empty: the retry waits for staff
        sim_printer.print_receipt(receipt)
    sim.paper_out = False  # paper refilled
    sent_before_refill = len(sim.received_bytes())
    sim_printer.print_receipt(receipt)
    sim_printer.print_receipt(receipt)  # a double tap after success prints nothing more

    documents = sim.received_documents()
    assert len(documents) == 2
    assert [qr.text for qr in documents[1].qr_codes] == [URL]
    assert len(documents[1].cuts) == 1
    assert sim_printer.was_printed(receipt.job_id)
    assert sim.received_bytes()[sent_before_refill:].count(render(receipt, KIOSK_80)) == 1


def test_printed_job_is_not_reprinted_after_a_restart(
    sim: PrinterSimulator, journal_dir: Path, receipt: Receipt
) -> None:
    def new_printer() -> ReceiptPrinter:
        transport = open_transport(f"serial:{sim.url}")
        return ReceiptPrinter(transport, KIOSK_80, journal_dir=journal_dir, after_print_wait=0)

    first = new_printer()
    first.print_receipt(receipt)
    first.transport.close()
    sent = sim.received_bytes()

    restarted = new_printer()  # a kiosk restart: new process state, same journal
    assert restarted.was_printed(receipt.job_id)
    restarted.print_receipt(receipt)
    restarted.transport.close()
    assert sim.received_bytes() == sent  # not even a status query
    assert len(sim.received_documents()) == 1


def test_after_print_wait_lets_a_slow_printer_report_paper_out(
    sim: PrinterSimulator, receipt: Receipt
) -> None:
    # A real printer still prints from its buffer after the last byte arrived: the paper
    # runs out later. Here it runs out 0.1 s after the job, while the driver waits.
    with open_transport(f"file:{sim.url}") as transport:
        printer = ReceiptPrinter(transport, KIOSK_80, after_print_wait=0.3)
        timer = threading.Timer(0.1, setattr, (sim, "paper_out", True))
        timer.start()
        with pytest.raises(PaperOutMidJob):
            printer.print_receipt(receipt)
        timer.join()
    assert not printer.was_printed(receipt.job_id)


class CoverOpenedDuringTheJob:
    """A transport whose printer has its cover opened while the job's bytes go out."""

    def __init__(self, inner: Transport, sim: PrinterSimulator) -> None:
        self.inner = inner
        self.sim = sim

    def write(self, data: bytes) -> None:
        if len(data) > 3:  # the job, not a status query
            self.sim.cover_open = True
        self.inner.write(data)

    def read(self, n: int, timeout: float) -> bytes:
        return self.inner.read(n, timeout)

    def close(self) -> None:
        self.inner.close()


def test_cover_opened_during_the_job_is_job_interrupted_and_not_marked_printed(
    sim: PrinterSimulator, receipt: Receipt
) -> None:
    transport = CoverOpenedDuringTheJob(open_transport(f"serial:{sim.url}"), sim)
    printer = ReceiptPrinter(transport, KIOSK_80, after_print_wait=0)
    with pytest.raises(JobInterrupted) as info:
        printer.print_receipt(receipt)
    assert not isinstance(info.value, PaperOutMidJob)
    assert info.value.status.state is PrinterState.COVER_OPEN
    assert "不完整" in for_error(info.value).zh
    assert not printer.was_printed(receipt.job_id)
    transport.close()
