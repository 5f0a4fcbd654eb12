"""Hardware self-test: each device checked, one structured report.

Used by the technician's provisioning tool now and by the kiosk's maintenance screen later;
it only calls the drivers' public APIs, so it proves what a citizen's visit would use.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from drivers.errors import DriverError
from drivers.idcard import IdCardReader
from drivers.printer import (
    Cut,
    FileTransport,
    KeyValue,
    Line,
    Receipt,
    ReceiptPrinter,
    Title,
    profile_by_name,
)


@dataclass(frozen=True)
class Check:
    """One device's result: ok or faulted, what was seen, how long it took."""

    device: str
    ok: bool
    detail: str
    millis: int


@dataclass(frozen=True)
class Report:
    """All checks of one self-test run."""

    started_at: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every device passed."""
        return all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, object]:
        """The report as plain data, for JSON."""
        return {
            "started_at": self.started_at,
            "ok": self.ok,
            "checks": [asdict(c) for c in self.checks],
        }


def check_idcard(url: str, *, baudrate: int = 115200) -> Check:
    """Open the reader, ask the SAM for its status and its ID."""
    started = time.monotonic()
    try:
        with IdCardReader(url, baudrate=baudrate) as reader:
            reader.check_sam()
            detail = f"SAM {reader.sam_id()} at {url}"
        ok = True
    except DriverError as err:
        ok, detail = False, f"{type(err).__name__}: {err}"
    return Check("idcard", ok, detail, int((time.monotonic() - started) * 1000))


def check_open_idcard(reader: IdCardReader | None) -> Check:
    """Ask a reader the kiosk already holds open for its SAM status and ID.

    A running kiosk owns the serial port: opening it a second time would fight it for the
    bytes, so its maintenance screen checks through the reader it has.
    """
    started = time.monotonic()
    if reader is None:
        return Check("idcard", False, "reader not started", 0)
    try:
        reader.check_sam()
        ok, detail = True, f"SAM {reader.sam_id()}"
    except DriverError as err:
        ok, detail = False, f"{type(err).__name__}: {err}"
    return Check("idcard", ok, detail, int((time.monotonic() - started) * 1000))


def run_checks(
    checks: Sequence[Callable[[], Check]],
    progress: Callable[[int, int, Check], None] | None = None,
) -> Report:
    """Run `checks` in order; `progress(done, total, check)` after each, for a progress bar."""
    report = Report(started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    for done, check in enumerate(checks, start=1):
        result = check()
        report.checks.append(result)
        if progress is not None:
            progress(done, len(checks), result)
    return report


def check_printer(path: str, *, profile: str = "kiosk-80") -> Check:
    """Print a short test receipt on the printer at `path`."""
    started = time.monotonic()
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    receipt = Receipt(
        job_id=f"selftest-{stamp}",
        blocks=(Title("打印自检"), Line("Printer self-test"), KeyValue("时间", stamp), Cut()),
    )
    try:
        with FileTransport(path) as transport:
            ReceiptPrinter(transport, profile_by_name(profile)).print_receipt(receipt)
        ok, detail = True, f"test receipt sent to {path} ({profile})"
    except DriverError as err:
        ok, detail = False, f"{type(err).__name__}: {err}"
    return Check("printer", ok, detail, int((time.monotonic() - started) * 1000))
