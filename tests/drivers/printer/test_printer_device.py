"""ReceiptPrinter: renders, writes once per job_id, remembers a job only when it printed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.printer import (
    FileTransport,
    PrinterUnavailable,
    Receipt,
    ReceiptPrinter,
    decode,
    profile_by_name,
    render,
)

KIOSK_80 = profile_by_name("kiosk-80")


def test_receipt_is_written_as_rendered(receipt: Receipt, tmp_path: Path) -> None:
    out = tmp_path / "printer.bin"
    ReceiptPrinter(FileTransport(out), KIOSK_80).print_receipt(receipt)
    assert out.read_bytes() == render(receipt, KIOSK_80)


def test_same_job_id_printed_twice_writes_once(
    receipt: Receipt, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "printer.bin"
    printer = ReceiptPrinter(FileTransport(out), KIOSK_80)
    with caplog.at_level(logging.INFO, logger="drivers.printer"):
        printer.print_receipt(receipt)
        printer.print_receipt(receipt)
    assert out.read_bytes() == render(receipt, KIOSK_80)
    assert len(decode(out.read_bytes()).cuts) == 1
    assert "printer.already_printed job_id=job-0001" in caplog.text


def test_different_job_ids_both_print(
    make_receipt: Callable[[str], Receipt], tmp_path: Path
) -> None:
    out = tmp_path / "printer.bin"
    printer = ReceiptPrinter(FileTransport(out), KIOSK_80)
    printer.print_receipt(make_receipt("a"))
    printer.print_receipt(make_receipt("b"))
    assert len(decode(out.read_bytes()).cuts) == 2


def test_failed_job_is_not_remembered_so_a_retry_prints(receipt: Receipt, tmp_path: Path) -> None:
    out = tmp_path / "later" / "printer.bin"  # directory missing: the write fails
    printer = ReceiptPrinter(FileTransport(out), KIOSK_80)
    with pytest.raises(PrinterUnavailable):
        printer.print_receipt(receipt)
    assert not printer.was_printed(receipt.job_id)
    out.parent.mkdir()
    printer.print_receipt(receipt)
    assert printer.was_printed(receipt.job_id)
    assert out.read_bytes() == render(receipt, KIOSK_80)
    assert [line.split()[-1] for line in printer.recent_jobs()] == [
        "PrinterUnavailable",
        f"bytes={out.stat().st_size}",
    ]


def test_logs_and_diagnostics_hold_no_id_number(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    job = Receipt("session-11010519491231002X", ())  # a careless caller's job id
    printer = ReceiptPrinter(FileTransport(tmp_path / "p.bin"), KIOSK_80)
    with caplog.at_level(logging.INFO, logger="drivers.printer"):
        printer.print_receipt(job)
        printer.print_receipt(job)
    assert "11010519491231002X" not in caplog.text
    assert not any("11010519491231002X" in line for line in printer.recent_jobs())
