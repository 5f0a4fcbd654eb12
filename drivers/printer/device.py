"""The receipt printer as the kiosk sees it: render a receipt, write it once per job."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque

from drivers.printer.errors import PrinterError
from drivers.printer.escpos_render import render
from drivers.printer.profiles import PrinterProfile
from drivers.printer.receipt import Receipt
from drivers.printer.transport import Transport
from pii import redact_id_numbers

logger = logging.getLogger(__name__)

# Job ids remembered against double printing. A retry comes within a session, so a few
# hundred cover it; the bound keeps a kiosk that runs for months from growing without end.
REMEMBERED_JOBS = 1000
DIAGNOSTIC_RING = 32


class ReceiptPrinter:
    """Prints receipts on one printer; a job_id already printed is not printed again.

    A job is remembered only after its bytes were all written. If the write fails the job
    may have printed partly (we cannot know how much paper came out), and a retry prints
    it again in full: a second receipt is better than none.
    """

    def __init__(self, transport: Transport, profile: PrinterProfile) -> None:
        self.transport = transport
        self.profile = profile
        self._printed: OrderedDict[str, None] = OrderedDict()
        self._recent: deque[str] = deque(maxlen=DIAGNOSTIC_RING)
        # One job at a time: a double-tapped "print" must not interleave or duplicate.
        self._lock = threading.Lock()

    def print_receipt(self, receipt: Receipt) -> None:
        """Render and send `receipt`; a repeated job_id returns silently (logged)."""
        job = redact_id_numbers(receipt.job_id)
        with self._lock:
            if receipt.job_id in self._printed:
                logger.info("printer.already_printed job_id=%s", job)
                self._recent.append(f"job={job} already_printed")
                return
            try:
                data = render(receipt, self.profile)
                self.transport.write(data)
            except PrinterError as err:
                logger.warning("printer.job_failed job_id=%s error=%s", job, type(err).__name__)
                self._recent.append(f"job={job} failed {type(err).__name__}")
                raise
            self._printed[receipt.job_id] = None
            while len(self._printed) > REMEMBERED_JOBS:
                self._printed.popitem(last=False)
            logger.info(
                "printer.job_printed job_id=%s bytes=%d profile=%s",
                job,
                len(data),
                self.profile.name,
            )
            self._recent.append(f"job={job} printed bytes={len(data)}")

    def was_printed(self, job_id: str) -> bool:
        """True if `job_id` was printed completely (among the last REMEMBERED_JOBS)."""
        with self._lock:
            return job_id in self._printed

    def recent_jobs(self) -> list[str]:
        """The last outcomes, one line each, for diagnostics (ID numbers redacted)."""
        with self._lock:
            return list(self._recent)
