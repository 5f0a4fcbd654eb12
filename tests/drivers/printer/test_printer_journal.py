"""The printed-jobs journal: survives a restart, stores no job id in clear, survives a torn line."""

from __future__ import annotations

import hashlib
import logging
import stat
from pathlib import Path

import pytest

from drivers.printer import FileTransport, Receipt, ReceiptPrinter, profile_by_name
from drivers.printer.errors import JournalError
from drivers.printer.journal import JOURNAL_FILE, JobJournal

CLEAR_ID = "11010519491231002X"


def test_printed_job_ids_survive_a_new_journal_on_the_same_directory(tmp_path: Path) -> None:
    JobJournal(tmp_path).add("job-1")
    again = JobJournal(tmp_path)
    assert "job-1" in again
    assert "job-2" not in again


def test_journal_file_is_private_and_holds_hashes_not_job_ids(tmp_path: Path) -> None:
    JobJournal(tmp_path).add(f"session-{CLEAR_ID}")
    path = tmp_path / JOURNAL_FILE
    text = path.read_text()
    assert CLEAR_ID not in text
    assert text == hashlib.sha256(f"session-{CLEAR_ID}".encode()).hexdigest() + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_line_torn_by_a_crash_is_skipped_and_the_next_line_starts_fresh(
    tmp_path: Path,
) -> None:
    journal = JobJournal(tmp_path)
    journal.add("job-1")
    with (tmp_path / JOURNAL_FILE).open("a") as f:
        f.write("3fa9c0")  # power cut in the middle of a line
    reloaded = JobJournal(tmp_path)
    assert "job-1" in reloaded
    assert len(reloaded) == 1
    reloaded.add("job-2")
    again = JobJournal(tmp_path)
    assert "job-1" in again
    assert "job-2" in again
    assert len(again) == 2


def test_journal_keeps_the_newest_jobs_and_compacts_its_file(tmp_path: Path) -> None:
    journal = JobJournal(tmp_path, keep=3)
    for n in range(7):
        journal.add(f"job-{n}")
    lines = (tmp_path / JOURNAL_FILE).read_text().splitlines()
    assert len(lines) <= 6
    reloaded = JobJournal(tmp_path, keep=3)
    assert [f"job-{n}" in reloaded for n in range(7)] == [False] * 4 + [True] * 3


def test_memory_only_journal_writes_nothing(tmp_path: Path) -> None:
    journal = JobJournal()
    journal.add("job-1")
    assert "job-1" in journal
    assert list(tmp_path.iterdir()) == []


def test_journal_directory_that_is_a_file_is_a_journal_error(tmp_path: Path) -> None:
    blocker = tmp_path / "journal"
    blocker.write_text("not a directory")
    with pytest.raises(JournalError, match="cannot read print journal"):
        JobJournal(blocker)


def test_journal_write_failure_after_printing_is_logged_not_a_second_receipt(
    tmp_path: Path, receipt: Receipt, caplog: pytest.LogCaptureFixture
) -> None:
    journal_dir = tmp_path / "journal"
    out = tmp_path / "paper.bin"
    printer = ReceiptPrinter(
        FileTransport(out), profile_by_name("kiosk-80"), journal_dir=journal_dir
    )
    (journal_dir / JOURNAL_FILE).mkdir()  # the file cannot be opened for appending
    with caplog.at_level(logging.ERROR, logger="drivers.printer"):
        printer.print_receipt(receipt)
        printer.print_receipt(receipt)
    assert "printer.journal_write_failed" in caplog.text
    assert printer.was_printed(receipt.job_id)
    assert out.read_bytes().count(b"\x1dV") == 1  # one cut: printed once
