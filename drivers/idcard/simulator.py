"""A 2nd-generation ID card reader that speaks real frames over a pseudo-terminal.

No open-source emulator of the SAM module exists, so this one answers the commands the
driver sends, byte for byte, on the master side of `os.openpty()`; the driver opens
`.url` (the slave device path) exactly as it opens /dev/ttyUSB0 on a kiosk.

Behaviour copied from real readers (HARDWARE.md section 1): find answers 9F with 4 data
bytes when a card is in the field and 80 otherwise; select needs a found card; once a card
has been read, find does not report it again until it leaves the field and comes back.

Fault knobs (plain attributes, change them at any time):

* ``garbage_before``: bytes sent before every reply.
* ``split_every``: send replies in chunks of this many bytes, ``split_pause`` seconds apart.
* ``silent``: receive commands and answer nothing.
* ``pull_at``: the card is pulled after this many bytes of the 30 01 reply went out; the
  reply stops there and the card is out of the field.
* ``corrupt_checksum``: every reply goes out with its CHK byte flipped.
* ``latency``: seconds to wait before answering (a real find takes about 0.1 s).
* ``forced_status``: ``{"30 01": 0x41}`` answers that command with that SW3 and no data,
  whatever the card state (SAM faults, a read failing with 41...).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import termios
import threading
import tty
from collections import deque
from collections.abc import Sequence
from types import TracebackType

from drivers.idcard import protocol as p
from drivers.idcard.fixtures import FIXTURES, IdCardFixture

log = logging.getLogger(__name__)

# Invented SAM ID bytes: 05.01-20240101-0000001234-0000005678 with format_sam_id.
DEFAULT_SAM_ID = (
    (5).to_bytes(2, "little")
    + (1).to_bytes(2, "little")
    + (20240101).to_bytes(4, "little")
    + (1234).to_bytes(4, "little")
    + (5678).to_bytes(4, "little")
)
_BAUD_CONSTANTS = {
    115200: termios.B115200,
    57600: termios.B57600,
    38400: termios.B38400,
    19200: termios.B19200,
    9600: termios.B9600,
}


class IdCardSimulator:
    """Serves a simulated ID card reader on a pty; `.url` is what IdCardReader opens."""

    def __init__(
        self,
        cards: Sequence[IdCardFixture] = FIXTURES,
        *,
        baudrate: int = 115200,
        sam_id: bytes = DEFAULT_SAM_ID,
    ) -> None:
        if baudrate not in _BAUD_CONSTANTS:
            raise ValueError(f"the module supports {sorted(_BAUD_CONSTANTS)} baud")
        self.cards = list(cards)
        self.baudrate = baudrate
        self.sam_id = sam_id
        self.garbage_before = b""
        self.split_every: int | None = None
        # Long enough for the reader to see a partial frame between two chunks.
        self.split_pause = 0.002
        self.silent = False
        self.pull_at: int | None = None
        self.corrupt_checksum = False
        self.latency = 0.0
        self.forced_status: dict[str, int] = {}
        # The last commands received, as "CMD PARA" strings: lets tests assert the sequence.
        self.received: deque[str] = deque(maxlen=256)
        # Set if the serving thread died of a bug; the demo's health check can show it.
        self.error: BaseException | None = None
        self.reads_served = 0

        self._lock = threading.Lock()
        self._card: IdCardFixture | None = None
        self._found = False
        self._selected = False
        self._already_read = False
        self._next_card = 0
        self._master = -1
        self._slave = -1
        self._wake_r = -1
        self._wake_w = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Open the pty pair and start answering on a daemon thread."""
        if self._thread is not None:
            return
        self._master, self._slave = os.openpty()
        # A pty starts in cooked mode with echo: our own replies would come back to us and
        # bytes like 0x0D would be translated. Raw on both ends.
        tty.setraw(self._master)
        tty.setraw(self._slave)
        speed = _BAUD_CONSTANTS[self.baudrate]
        attrs = termios.tcgetattr(self._slave)
        attrs[4] = attrs[5] = speed
        termios.tcsetattr(self._slave, termios.TCSANOW, attrs)
        os.set_blocking(self._master, False)
        self.url = os.ttyname(self._slave)
        # We keep the slave open ourselves so the master never sees EIO between two
        # sessions of the reader (closing and reopening the port is normal).
        self._wake_r, self._wake_w = os.pipe()
        self._stop.clear()
        self.error = None
        self._thread = threading.Thread(target=self._run, name="idcard-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop answering and close the pty: to the reader this looks like an unplug."""
        if self._thread is None:
            return
        self._stop.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        self._thread.join(timeout=2.0)
        self._thread = None
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._master = self._slave = self._wake_r = self._wake_w = -1

    def __enter__(self) -> IdCardSimulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the card in the field ---------------------------------------------------------

    def present(self, card: IdCardFixture | None = None) -> IdCardFixture:
        """Put a card in the field (the next one of `cards` if none given) and return it."""
        with self._lock:
            if card is None:
                if not self.cards:
                    raise ValueError("this simulator has no cards to present")
                card = self.cards[self._next_card % len(self.cards)]
                self._next_card += 1
            self._card = card
            self._found = self._selected = self._already_read = False
            return card

    def remove(self) -> None:
        """Take the card out of the field."""
        with self._lock:
            self._card = None
            self._found = self._selected = self._already_read = False

    @property
    def card_in_field(self) -> IdCardFixture | None:
        """The card currently on the reader, if any."""
        return self._card

    # -- serving -----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._serve()
        except Exception as err:  # top of a worker thread: log it and keep it visible
            log.exception("idcard_sim_crashed")
            self.error = err

    def _serve(self) -> None:
        decoder = p.CommandDecoder()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._master, self._wake_r], [], [], 0.5)
                if self._master not in ready:
                    continue
                data = os.read(self._master, 4096)
            except BlockingIOError:
                continue
            except OSError:
                return
            decoder.feed(data)
            while True:
                checksum_errors = decoder.checksum_errors
                length_errors = decoder.length_errors
                command = decoder.next_frame()
                # The module answers a damaged host frame with SW3 10 or 11.
                if decoder.checksum_errors > checksum_errors:
                    self._send(p.encode_response(p.Status.HOST_CHECKSUM))
                if decoder.length_errors > length_errors:
                    self._send(p.encode_response(p.Status.HOST_LENGTH))
                if isinstance(command, p.NeedData):
                    break
                self._answer(command)

    def _answer(self, command: p.Command) -> None:
        self.received.append(str(command))
        if self.silent:
            return
        if self.latency:
            self._stop.wait(self.latency)
        cut: int | None = None
        with self._lock:
            forced = self.forced_status.get(str(command))
            sw3, data = (forced, b"") if forced is not None else self._state_machine(command)
            if command.same_as(p.READ_TEXT_PHOTO) and sw3 == p.Status.OK:
                self.reads_served += 1
                if self.pull_at is not None:
                    # The citizen lifts the card during the read: it is gone from now on.
                    cut = self.pull_at
                    self._card = None
                    self._found = self._selected = self._already_read = False
        frame = bytearray(p.encode_response(sw3, data))
        if self.corrupt_checksum:
            frame[-1] ^= 0xFF
        if cut is not None:
            frame = frame[:cut]
        self._send(self.garbage_before + bytes(frame))

    def _state_machine(self, command: p.Command) -> tuple[int, bytes]:
        """Return (SW3, data) for a command, updating the card state. Caller holds the lock."""
        s = p.Status
        if command.same_as(p.FIND_CARD):
            if self._card is None or self._already_read:
                self._found = self._selected = False
                return s.NO_CARD, b""
            self._found = True
            return s.CARD_FOUND, b"\x00\x00\x00\x00"
        if command.same_as(p.SELECT_CARD):
            if self._card is None or not self._found:
                return s.SELECT_FAILED, b""
            self._selected = True
            return s.OK, b""
        if command.same_as(p.READ_TEXT_PHOTO):
            if self._card is None or not self._selected:
                return s.READ_FAILED, b""
            self._found = self._selected = False
            self._already_read = True
            return s.OK, self._card.read_reply_data()
        if command.same_as(p.READ_ADDRESS):
            return s.NO_CONTENT, b""
        if command.same_as(p.RESET_SAM) or command.same_as(p.SAM_STATUS):
            return s.OK, b""
        if command.same_as(p.SAM_ID):
            return s.OK, self.sam_id
        # Fingerprint reads and baud changes are not simulated yet.
        return s.BAD_COMMAND, b""

    def _send(self, frame: bytes) -> None:
        step = self.split_every or len(frame) or 1
        for start in range(0, len(frame), step):
            if start and self._stop.wait(self.split_pause):
                return
            self._write_all(frame[start : start + step])

    def _write_all(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view and not self._stop.is_set():
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                # pty buffer full: nobody is reading the slave. Wait, but stay stoppable.
                select.select([], [self._master], [], 0.1)
                continue
            except OSError:
                log.debug("idcard_sim_write_failed")
                return
            view = view[written:]
