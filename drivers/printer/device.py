"""The receipt printer as the kiosk sees it: check status, write a job once, check again.

    print_receipt(r):  journal has r.job_id?  -> return (logged, nothing sent)
                       render(r)                 (an encoding error needs no printer)
                       status before             not ready -> PaperOut / CoverOpen /
                                                 PrinterOffline / PrinterFault /
                                                 PrinterStatusUnknown, no job bytes sent
                       write the job
                       status after              paper out -> PaperOutMidJob
                                                 other not ready -> JobInterrupted
                       journal.add(r.job_id)     only now does the job count as printed

Status is skipped, and the printer driven blind, when the profile says `has_status=False`
or the transport cannot carry replies (a regular file, a write-only device).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from typing import TYPE_CHECKING

from drivers.printer.errors import (
    CoverOpen,
    JobInterrupted,
    JournalError,
    NoBackChannel,
    PaperOut,
    PaperOutMidJob,
    PrinterError,
    PrinterFault,
    PrinterNotReady,
    PrinterOffline,
    PrinterStatusUnknown,
)
from drivers.printer.journal import DEFAULT_KEEP, JobJournal
from drivers.printer.profiles import PrinterProfile
from drivers.printer.protocol import (
    STATUS_QUERIES,
    PrinterState,
    PrinterStatus,
    decode_status,
    status_request,
    valid_reply,
)
from drivers.printer.transport import Transport
from pii import redact_id_numbers

if TYPE_CHECKING:  # the receipt model loads with the first receipt, not with the device
    from drivers.printer.receipt import Receipt

logger = logging.getLogger(__name__)

# Job ids remembered against double printing. A retry comes within a session, so a few
# hundred cover it; the bound keeps a kiosk that runs for months from growing without end.
REMEMBERED_JOBS = DEFAULT_KEEP
DIAGNOSTIC_RING = 32
# Real printers answer DLE EOT within milliseconds, also when offline.
STATUS_TIMEOUT = 0.5
# A printer is still printing from its buffer when the last byte has been sent; paper
# that runs out then shows only after. About 1 s prints an 80 mm receipt at 150-200 mm/s.
AFTER_PRINT_WAIT = 1.0
# Stale input (a late reply, automatic status back) read and dropped before a query.
_DRAIN_LIMIT = 4096

_NOT_READY: dict[PrinterState, type[PrinterNotReady]] = {
    PrinterState.PAPER_OUT: PaperOut,
    PrinterState.COVER_OPEN: CoverOpen,
    PrinterState.ERROR: PrinterFault,
    PrinterState.OFFLINE: PrinterOffline,
    PrinterState.UNKNOWN: PrinterStatusUnknown,
}


class ReceiptPrinter:
    """Prints receipts on one printer; a job_id already printed is not printed again.

    A job is remembered only after its bytes were all written and the printer still said
    it was fine afterwards. If the write fails or the printer stops mid-job, the job may
    have printed partly (we cannot know how much paper came out), and a retry prints it
    again in full: a second receipt is better than none.

    `journal_dir` keeps the printed job ids on disk (see journal.py) so that a kiosk
    restart does not reprint; without it they are remembered in memory only.
    """

    def __init__(
        self,
        transport: Transport,
        profile: PrinterProfile,
        *,
        journal_dir: str | os.PathLike[str] | None = None,
        status_timeout: float = STATUS_TIMEOUT,
        after_print_wait: float = AFTER_PRINT_WAIT,
    ) -> None:
        self.transport = transport
        self.profile = profile
        self.status_timeout = status_timeout
        self.after_print_wait = after_print_wait
        self._journal = JobJournal(journal_dir, keep=REMEMBERED_JOBS)
        self._recent: deque[str] = deque(maxlen=DIAGNOSTIC_RING)
        self._last_status: PrinterStatus | None = None
        self._blind = False  # the transport turned out to have no back channel
        # One job at a time: a double-tapped "print" must not interleave or duplicate.
        self._lock = threading.Lock()

    def print_receipt(self, receipt: Receipt) -> None:
        """Check, render and send `receipt`; a repeated job_id returns silently (logged)."""
        # The renderer (qrcode, PIL) loads with the first receipt, not with the kiosk's start.
        from drivers.printer.escpos_render import render

        job = redact_id_numbers(receipt.job_id)
        with self._lock:
            if receipt.job_id in self._journal:
                logger.info("printer.already_printed job_id=%s", job)
                self._recent.append(f"job={job} already_printed")
                return
            try:
                data = render(receipt, self.profile)
                self._check_before(job)
                self.transport.write(data)
                self._check_after(job)
                self._remember(receipt.job_id, job)
            except PrinterError as err:
                logger.warning("printer.job_failed job_id=%s error=%s", job, type(err).__name__)
                self._recent.append(f"job={job} failed {type(err).__name__}")
                raise
            logger.info(
                "printer.job_printed job_id=%s bytes=%d profile=%s",
                job,
                len(data),
                self.profile.name,
            )
            self._recent.append(f"job={job} printed bytes={len(data)}")

    def status(self) -> PrinterStatus | None:
        """Ask the printer now; None when it cannot answer (profile or transport says so).

        Raises PrinterUnavailable when the transport itself fails (unplugged, refused).
        """
        with self._lock:
            return self._query_status()

    @property
    def last_status(self) -> PrinterStatus | None:
        """The status read by the last check or `status()` call (None if none was read)."""
        return self._last_status

    def was_printed(self, job_id: str) -> bool:
        """True if `job_id` was printed completely (among the last REMEMBERED_JOBS)."""
        with self._lock:
            return job_id in self._journal

    def recent_jobs(self) -> list[str]:
        """The last outcomes, one line each, for diagnostics (ID numbers redacted)."""
        with self._lock:
            return list(self._recent)

    def _remember(self, job_id: str, job: str) -> None:
        try:
            self._journal.add(job_id)
        except JournalError as err:
            # The receipt is out: reporting a failure would make the kiosk print it again.
            # The job is remembered in memory; only a restart could reprint it.
            logger.error("printer.journal_write_failed job_id=%s error=%s", job, err)

    # -- status checks -----------------------------------------------------------------

    def _check_before(self, job: str) -> None:
        status = self._query_status()
        if status is None or status.ready:
            return
        error = _NOT_READY[status.state]
        logger.warning("printer.not_ready job_id=%s state=%s", job, status.state.value)
        raise error(
            f"printer not ready before job: {status.describe()}; nothing sent",
            status=status,
        )

    def _check_after(self, job: str) -> None:
        if self.after_print_wait > 0 and self._status_possible():
            time.sleep(self.after_print_wait)
        status = self._query_status()
        if status is None or status.ready:
            return
        if status.paper_out:
            logger.warning("printer.paper_out_mid_job job_id=%s", job)
            raise PaperOutMidJob(
                f"paper ran out during the job: {status.describe()}", status=status
            )
        logger.warning("printer.job_interrupted job_id=%s state=%s", job, status.state.value)
        raise JobInterrupted(f"printer not ready after the job: {status.describe()}", status=status)

    def _status_possible(self) -> bool:
        return self.profile.has_status and not self._blind

    def _query_status(self) -> PrinterStatus | None:
        """DLE EOT 1..4, one byte each; stops at the first missing or malformed reply."""
        if not self.profile.has_status or self._blind:
            return None
        try:
            self._drain()
        except NoBackChannel:
            logger.info("printer.status_unavailable reason=no_back_channel")
            self._blind = True
            return None
        replies: dict[int, bytes] = {}
        for n in STATUS_QUERIES:
            self.transport.write(status_request(n))
            replies[n] = self.transport.read(1, self.status_timeout)
            if valid_reply(replies[n]) is None:
                # Silence or garbage: a later reply could be this one's, arriving late.
                break
        status = decode_status(replies)
        self._last_status = status
        raw = " ".join("--" if r is None else f"{r:02X}" for r in status.replies)
        self._recent.append(f"status {raw} {status.state.value}")
        if status.paper_near_end and status.state is not PrinterState.PAPER_OUT:
            logger.warning("printer.paper_near_end")
        logger.debug("printer.status replies=%s state=%s", raw, status.state.value)
        return status

    def _drain(self) -> None:
        """Drop bytes that arrived unasked, so a reply is not mistaken for a stale byte."""
        dropped = 0
        while dropped < _DRAIN_LIMIT:
            stale = self.transport.read(256, 0)
            if not stale:
                break
            dropped += len(stale)
        if dropped:
            logger.info("printer.stale_input_dropped bytes=%d", dropped)
