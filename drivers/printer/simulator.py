"""A receipt printer that reads real ESC/POS from a pty and puts its "paper" in PNG files.

The driver opens `.url` (the slave side of `os.openpty()`) exactly as it opens /dev/ttyUSB0
or /dev/usb/lp0 on a kiosk; the simulator reads the master side, feeds the bytes to
`EscPosDecoder`, and renders each piece of paper, one PNG per cut, with `render_png` into
`folder`. `received_documents()` and `last_png()` give what came out.

Real-time status: `DLE EOT n` is answered at once with the byte a printer in the current
state sends (see protocol.py), also in the middle of a job and while offline, because
decoding is incremental: the query is answered as soon as the bytes before it are parsed.

Fault knobs (plain attributes, change them at any time):

* ``paper_near_end``: the near-end sensor trips (the printer still prints).
* ``paper_out``: no paper; the printer is offline and prints nothing.
* ``paper_out_after_bytes``: the paper runs out after this many more bytes arrive
  (counted from when the knob is set): what was decoded from the bytes before prints, the
  piece of paper is torn off as it is (its own PNG, no cut), and ``paper_out`` turns on.
* ``cover_open``, ``offline``, ``cutter_error``: the printer is offline and prints nothing.
* ``garbage_status``: status queries get a malformed byte (0xFF).
* ``silent_status``: status queries get no reply.

Unlike some real printers, data that arrives while the printer cannot print is dropped,
not kept in a buffer to print after recovery. ESC/POS the decoder rejects sets `.error`
(the sender was wrong) and decoding goes on after the offending byte; `.error` also holds
any exception that stopped the serving thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from drivers.printer.errors import EscPosDecodeError
from drivers.printer.profiles import PrinterProfile, profile_by_name
from drivers.printer.protocol import (
    AUTO_RECOVERABLE_ERROR_BIT,
    COVER_OPEN_BIT,
    CUTTER_ERROR_BIT,
    DLE_EOT,
    HEALTHY_REPLY,
    OFFLINE_BIT,
    PAPER_END_BITS,
    PAPER_END_STOP_BIT,
    PAPER_NEAR_END_BITS,
)
from drivers.ptypair import RawPty

if TYPE_CHECKING:
    # The decoder (eleven frozen dataclasses) loads with the first bytes received, not with
    # a kiosk of simulators before its menu.
    from drivers.printer.escpos_decode import EscPosDecoder
    from drivers.printer.printed import PrintedDocument, PrintedItem

log = logging.getLogger(__name__)

GARBAGE_REPLY = b"\xff"  # fixed bits 0 and 7 set: what line noise at a wrong baud rate gives
ERROR_OCCURRED_BIT = AUTO_RECOVERABLE_ERROR_BIT  # n=2 bit 6 shares its value with n=3 bit 6


class PrinterSimulator:
    """Serves a simulated ESC/POS printer on a pty; `.url` is what the driver opens."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        profile: PrinterProfile | None = None,
        *,
        render: bool = True,
    ) -> None:
        self.folder = Path(folder)
        self.profile = profile or profile_by_name("kiosk-80")
        self.render = render
        self.paper_near_end = False
        self.paper_out = False
        self.cover_open = False
        self.offline = False
        self.cutter_error = False
        self.garbage_status = False
        self.silent_status = False
        # Set if decoding or the serving thread failed; tests assert it stays None.
        self.error: BaseException | None = None
        self.url = ""

        self._bytes_until_paper_out: int | None = None
        self._decoder: EscPosDecoder | None = None  # made with the first bytes received
        self._items: list[PrintedItem] = []
        self._documents: list[PrintedDocument] = []
        self._pngs: list[Path] = []
        self._received = bytearray()
        self._queries: list[int] = []
        self._changed = threading.Condition()
        self._pty = RawPty(-1, -1, -1, -1)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- knobs and results ---------------------------------------------------------------

    @property
    def paper_out_after_bytes(self) -> int | None:
        """Bytes still to arrive before the paper runs out; None: it does not run out."""
        return self._bytes_until_paper_out

    @paper_out_after_bytes.setter
    def paper_out_after_bytes(self, count: int | None) -> None:
        if count is not None and count < 0:
            raise ValueError("paper_out_after_bytes must be >= 0")
        self._bytes_until_paper_out = count

    @property
    def can_print(self) -> bool:
        """True when paper is in, the cover closed, the printer online and without error."""
        return not (self.paper_out or self.cover_open or self.offline or self.cutter_error)

    def status_byte(self, n: int) -> int:
        """The reply to DLE EOT n that a printer in this state sends."""
        byte = HEALTHY_REPLY
        if n == 1 and not self.can_print:
            byte |= OFFLINE_BIT
        elif n == 2:
            byte |= COVER_OPEN_BIT if self.cover_open else 0
            byte |= PAPER_END_STOP_BIT if self.paper_out else 0
            byte |= ERROR_OCCURRED_BIT if self.cutter_error else 0
        elif n == 3 and self.cutter_error:
            byte |= CUTTER_ERROR_BIT
        elif n == 4:
            # The near-end sensor sits before the end sensor: an empty roll trips both.
            byte |= PAPER_NEAR_END_BITS if self.paper_near_end or self.paper_out else 0
            byte |= PAPER_END_BITS if self.paper_out else 0
        return byte

    def received_bytes(self) -> bytes:
        """Every byte the driver sent, status queries included."""
        with self._changed:
            return bytes(self._received)

    def status_queries(self) -> list[int]:
        """The n of every DLE EOT n received, in order."""
        with self._changed:
            return list(self._queries)

    def received_documents(self) -> list[PrintedDocument]:
        """Each piece of paper that came out: ended by a cut, or torn off at paper out."""
        with self._changed:
            return list(self._documents)

    def pngs(self) -> list[Path]:
        """The PNG of each received document, in order (empty with render=False)."""
        with self._changed:
            return list(self._pngs)

    def last_png(self) -> Path | None:
        """The PNG of the last document, or None."""
        with self._changed:
            return self._pngs[-1] if self._pngs else None

    def wait_for_documents(self, count: int, timeout: float = 5.0) -> bool:
        """Block until `count` documents came out (True) or `timeout` passed (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._documents) >= count, timeout)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Open the pty pair and start serving on a daemon thread."""
        if self._thread is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        # Holding the slave open keeps the master from reading EIO while the driver has
        # the port closed between jobs.
        self._pty = RawPty.open()
        self.url = self._pty.slave_path
        self._stop.clear()
        self.error = None
        self._thread = threading.Thread(target=self._run, name="printer-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the pty: to the driver this looks like an unplug."""
        if self._thread is None:
            return
        self._stop.set()
        self._pty.wake()
        self._thread.join(timeout=5.0)
        self._thread = None
        self._pty.close()

    def __enter__(self) -> PrinterSimulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- serving -------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            poller = select.poll()
            poller.register(self._pty.master, select.POLLIN)
            poller.register(self._pty.wake_r, select.POLLIN)
            while not self._stop.is_set():
                ready = {fd for fd, _ in poller.poll()}
                if self._pty.wake_r in ready or self._stop.is_set():
                    return
                try:
                    chunk = os.read(self._pty.master, 65536)
                except BlockingIOError:
                    continue
                self._receive(chunk)
        except Exception as err:  # top of the worker thread: surface, do not die silently
            log.exception("printer_sim.crashed")
            self.error = err

    def _receive(self, chunk: bytes) -> None:
        with self._changed:
            self._received += chunk
        while chunk:
            left = self._bytes_until_paper_out
            if left is None or left > len(chunk):
                if left is not None:
                    self._bytes_until_paper_out = left - len(chunk)
                self._feed(chunk)
                return
            self._feed(chunk[:left])
            chunk = chunk[left:]
            self._run_out_of_paper()

    def _feed(self, data: bytes) -> None:
        if self._decoder is None and _only_status_queries(data):
            # Only whole queries came before, so nothing is half-decoded: what the decoder
            # would make of these bytes is one StatusRequest each. A driver's start queries
            # the status; the decoder waits for the first bytes that are more.
            for at in range(0, len(data), 3):
                self._answer(data[at + 2])
            return
        from drivers.printer.printed import (
            PaperCut,
            PaperFeed,
            PrintedImage,
            PrintedQr,
            StatusRequest,
            TextLine,
        )

        if self._decoder is None:
            self._decoder = self._new_decoder()
        events: list[object] = []
        while True:
            try:
                events += self._decoder.feed(data)
                break
            except EscPosDecodeError as err:
                # The sender was wrong: surface it, skip the bad byte and go on, as a
                # printer would (it prints garbage but still answers real-time commands).
                log.warning("printer_sim.bad_escpos error=%s", err)
                self.error = err
                events += err.events
                data = b""
        for event in events:
            if isinstance(event, StatusRequest):
                self._answer(event.n)
            elif self.can_print and isinstance(
                event, (TextLine, PrintedQr, PrintedImage, PaperFeed, PaperCut)
            ):
                self._print(event)

    def _answer(self, n: int) -> None:
        with self._changed:
            self._queries.append(n)
        if self.silent_status or n not in (1, 2, 3, 4):
            return
        reply = GARBAGE_REPLY if self.garbage_status else bytes([self.status_byte(n)])
        with contextlib.suppress(BlockingIOError):  # nobody reads replies: they are lost
            os.write(self._pty.master, reply)

    def _print(self, item: PrintedItem) -> None:
        from drivers.printer.printed import PaperCut

        self._items.append(item)
        if isinstance(item, PaperCut):
            self._tear_off()

    def _run_out_of_paper(self) -> None:
        self._bytes_until_paper_out = None
        self.paper_out = True
        log.info("printer_sim.paper_out")
        if self._items:
            self._tear_off()

    def _tear_off(self) -> None:
        from drivers.printer.printed import PrintedDocument

        doc = PrintedDocument(tuple(self._items))
        self._items = []
        png = None
        if self.render:
            # PIL and qrcode load with the first piece of paper, not with the demo's start.
            from drivers.printer.preview import render_png

            number = len(self._documents) + 1
            png = render_png(
                doc, self.folder / f"receipt-{number:04d}.png", dots_width=self.profile.dots_width
            )
        with self._changed:
            self._documents.append(doc)
            if png is not None:
                self._pngs.append(png)
            self._changed.notify_all()

    def _new_decoder(self) -> EscPosDecoder:
        from drivers.printer.escpos_decode import EscPosDecoder

        return EscPosDecoder(self.profile.codec, columns=self.profile.columns)


def _only_status_queries(data: bytes) -> bool:
    """True when `data` is whole `DLE EOT n` queries (n = 1..4) and nothing else."""
    return (
        bool(data)
        and len(data) % 3 == 0
        and all(
            data[at : at + 2] == DLE_EOT and data[at + 2] in (1, 2, 3, 4)
            for at in range(0, len(data), 3)
        )
    )
