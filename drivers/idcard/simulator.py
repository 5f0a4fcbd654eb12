"""A 2nd-generation ID card reader that speaks real frames over a pseudo-terminal.

No open-source emulator of the SAM module exists, so this one answers the commands the
driver sends, byte for byte, on the master side of `os.openpty()`. `.url` is a symlink
to the slave device in a private temp folder: it stays the same across `unplug()` and
`replug()` (each replug is a new pty with a new /dev/pts number), just as a udev rule
gives a real reader a stable /dev/idcard name.

Behaviour as real readers are described (docs/hardware.md section 1): find answers 9F with 4 data
bytes when a card is in the field and 80 otherwise; select needs a found card; read needs
a selected card; once a card has been read, find does not report it again until it leaves
the field and comes back (unless ``refinds_read_card`` models a module that does).

Baud rate: a pty carries bytes whatever speed is set on it, so the module's rate is
modelled. The simulator keeps its current rate (``baudrate``), changed by 60 0x after the
reply went out at the old rate, and looks at the speed the reader set on its end of the
pty (termios, shared by both ends): bytes sent at another speed are dropped unanswered, as
a real UART would see only framing errors. The rate survives unplug/replug [unverified:
whether real modules keep a changed rate over a power cycle].

Fault knobs (plain attributes, change them at any time):

* ``garbage_before`` / ``garbage_after``: bytes sent before / after every reply.
* ``garbage_inside``: ``(offset, bytes)`` inserted into every reply at that offset.
* ``corrupt_checksum``: every reply goes out with its CHK byte flipped.
* ``truncate_at``: every reply stops after this many bytes.
* ``damage_limit``: how many replies the three knobs above still damage (None: all).
* ``reject_commands``: this many next commands are answered SW3 10, as if our frame had
  arrived damaged.
* ``split_every``: send replies in chunks of this many bytes, ``split_pause`` seconds apart.
* ``silent``: receive commands and answer nothing.
* ``pull_at``: the card is pulled after this many bytes of a read reply (30 01 or 30 10)
  went out; the reply stops there and the card is out of the field.
* ``latency``: seconds to wait before answering (a real find takes about 0.1 s).
* ``forced_status``: ``{"30 01": 0x41}`` answers that command with that SW3 and no data,
  whatever the card state (SAM faults, a read failing with 41...); None: no answer at all.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import shutil
import tempfile
import termios
import threading
from collections import deque
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from drivers.idcard import protocol as p
from drivers.ptypair import RawPty

if TYPE_CHECKING:
    # The sample cards (drivers/idcard/fixtures.py, with the card's layout behind them) load
    # when a card is first presented or listed: a kiosk of simulators shows its menu first.
    from drivers.idcard.fixtures import IdCardFixture

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
_READS = (p.READ_TEXT_PHOTO, p.READ_TEXT_PHOTO_FINGERPRINT)
# termios attribute list: index of the output speed.
_OSPEED = 5


class IdCardSimulator:
    """Serves a simulated ID card reader on a pty; `.url` is what IdCardReader opens."""

    def __init__(
        self,
        cards: Sequence[IdCardFixture] | None = None,
        *,
        baudrate: int = 115200,
        sam_id: bytes = DEFAULT_SAM_ID,
    ) -> None:
        if baudrate not in _BAUD_CONSTANTS:
            raise ValueError(f"the module supports {sorted(_BAUD_CONSTANTS)} baud")
        # None: the sample cards (FIXTURES), read on first use (`cards`).
        self._cards = None if cards is None else list(cards)
        self.baudrate = baudrate
        self.sam_id = sam_id
        self.refinds_read_card = False
        self.garbage_before = b""
        self.garbage_after = b""
        self.garbage_inside: tuple[int, bytes] | None = None
        self.corrupt_checksum = False
        self.truncate_at: int | None = None
        self.damage_limit: int | None = None
        self.reject_commands = 0
        self.split_every: int | None = None
        # Long enough for the reader to see a partial frame between two chunks.
        self.split_pause = 0.002
        self.silent = False
        self.pull_at: int | None = None
        self.latency = 0.0
        self.forced_status: dict[str, int | None] = {}
        # The last commands received, as "CMD PARA" strings: lets tests assert the sequence.
        self.received: deque[str] = deque(maxlen=256)
        # Set if the serving thread died of a bug; the demo's health check can show it.
        self.error: BaseException | None = None
        self.reads_served = 0
        self.ignored_bytes = 0  # received at a baud rate other than the module's
        self.rf_frame_size: int | None = None

        self._lock = threading.Lock()
        self._card: IdCardFixture | None = None
        self._found = False
        self._selected = False
        self._read_done = False
        self._next_card = 0
        self._pty = RawPty(-1, -1, -1, -1)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._dir: str | None = None
        self.url = ""

    @property
    def cards(self) -> list[IdCardFixture]:
        """The cards `present` puts in the field in turn (the sample cards unless given)."""
        if self._cards is None:
            from drivers.idcard.fixtures import FIXTURES

            self._cards = list(FIXTURES)
        return self._cards

    @cards.setter
    def cards(self, cards: list[IdCardFixture]) -> None:
        self._cards = cards

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Create the stable `.url`, open a pty behind it and start answering."""
        if self._dir is not None:
            return
        self._dir = tempfile.mkdtemp(prefix="idcard-sim-")
        self.url = os.path.join(self._dir, "ttyIDCARD")
        self._plug()

    def stop(self) -> None:
        """Stop answering, close the pty and remove `.url`: to the reader, an unplug."""
        if self._dir is None:
            return
        self._unplug()
        shutil.rmtree(self._dir, ignore_errors=True)
        self._dir = None

    def unplug(self) -> None:
        """Pull the cable: the pty closes (the reader gets EIO) and `.url` disappears."""
        if self._dir is None:
            raise RuntimeError("the simulator is not started")
        self._unplug()

    def replug(self) -> None:
        """Plug the cable back: a fresh pty behind the same `.url`, module state reset."""
        if self._dir is None:
            raise RuntimeError("the simulator is not started")
        if self._thread is None:
            self._plug()

    @property
    def plugged(self) -> bool:
        """True while the pty is open and answered."""
        return self._thread is not None

    def _plug(self) -> None:
        # We keep the slave open ourselves so the master never sees EIO between two
        # sessions of the reader (closing and reopening the port is normal).
        self._pty = RawPty.open()
        attrs = termios.tcgetattr(self._pty.slave)
        attrs[4] = attrs[_OSPEED] = _BAUD_CONSTANTS[self.baudrate]
        termios.tcsetattr(self._pty.slave, termios.TCSANOW, attrs)
        staging = self.url + ".new"
        os.symlink(self._pty.slave_path, staging)
        os.replace(staging, self.url)
        with self._lock:
            # Power-on: the module remembers nothing of the card in the field.
            self._found = self._selected = self._read_done = False
        self._stop.clear()
        self.error = None
        self._thread = threading.Thread(target=self._run, name="idcard-sim", daemon=True)
        self._thread.start()

    def _unplug(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._pty.wake()
        self._thread.join(timeout=2.0)
        self._thread = None
        # The link goes first: a reader reopening .url must not reach a recycled pts number.
        with contextlib.suppress(OSError):
            os.unlink(self.url)
        self._pty.close()

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
            self._found = self._selected = self._read_done = False
            return card

    def remove(self) -> None:
        """Take the card out of the field."""
        with self._lock:
            self._card = None
            self._found = self._selected = self._read_done = False

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
                ready, _, _ = select.select([self._pty.master, self._pty.wake_r], [], [], 0.5)
                if self._pty.master not in ready:
                    continue
                data = os.read(self._pty.master, 4096)
                line_speed = termios.tcgetattr(self._pty.master)[_OSPEED]
            except BlockingIOError:
                continue
            except (OSError, termios.error):
                return
            if line_speed != _BAUD_CONSTANTS[self.baudrate]:
                # At the wrong rate a UART sees framing errors, never a frame.
                self.ignored_bytes += len(data)
                decoder.clear()
                continue
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
        name = str(command)
        if self.silent or (name in self.forced_status and self.forced_status[name] is None):
            return
        if self.latency:
            self._stop.wait(self.latency)
        cut: int | None = None
        with self._lock:
            forced = self.forced_status.get(name)
            sw3: int
            if self.reject_commands > 0:
                self.reject_commands -= 1
                sw3, data = p.Status.HOST_CHECKSUM, b""
            elif forced is not None:
                sw3, data = forced, b""
            else:
                sw3, data = self._state_machine(command)
            if any(command.same_as(r) for r in _READS) and sw3 == p.Status.OK:
                self.reads_served += 1
                if self.pull_at is not None:
                    # The citizen lifts the card during the read: it is gone from now on.
                    cut = self.pull_at
                    self._card = None
                    self._found = self._selected = self._read_done = False
        frame = self._damage(bytearray(p.encode_response(sw3, data)))
        if cut is None:
            frame += self.garbage_after
        else:
            frame = frame[:cut]
        if command.cmd == p.SET_BAUDRATE_CMD and sw3 == p.Status.OK:
            # The reply goes out at the old rate (a pty carries it at any); from then on only
            # the new one is heard. Set before the reply leaves: whoever has read the reply
            # (a test) must find the module at the new rate already.
            self.baudrate = p.BAUDRATE_CODES[command.para]
        self._send(self.garbage_before + bytes(frame))

    def _damage(self, frame: bytearray) -> bytearray:
        if not (self.garbage_inside or self.corrupt_checksum or self.truncate_at is not None):
            return frame
        if self.damage_limit is not None:
            if self.damage_limit <= 0:
                return frame
            self.damage_limit -= 1
        if self.corrupt_checksum:
            frame[-1] ^= 0xFF
        if self.garbage_inside:
            offset, junk = self.garbage_inside
            frame[offset:offset] = junk
        if self.truncate_at is not None:
            del frame[self.truncate_at :]
        return frame

    def _state_machine(self, command: p.Command) -> tuple[int, bytes]:
        """Return (SW3, data) for a command, updating the card state. Caller holds the lock."""
        s = p.Status
        card = self._card
        if command.same_as(p.FIND_CARD):
            if card is None or (self._read_done and not self.refinds_read_card):
                self._found = self._selected = False
                return s.NO_CARD, b""
            self._found = True
            return s.CARD_FOUND, b"\x00\x00\x00\x00"
        if command.same_as(p.SELECT_CARD):
            if card is None or not self._found:
                return s.SELECT_FAILED, b""
            self._selected = True
            return s.OK, b""
        if any(command.same_as(r) for r in _READS):
            if card is None or not self._selected:
                return s.READ_FAILED, b""
            self._found = self._selected = False
            self._read_done = True
            if command.same_as(p.READ_TEXT_PHOTO):
                return s.OK, card.read_reply_data()
            return s.OK, card.fingerprint_reply_data()
        if command.same_as(p.READ_ADDRESS):
            # [unverified] the module answers 30 03 only after the card's text was read.
            if card is None or not self._read_done:
                return s.READ_FAILED, b""
            data = card.appended_address_data()
            return (s.OK, data) if data else (s.NO_CONTENT, b"")
        if command.cmd == p.SET_BAUDRATE_CMD:
            ok = command.para in p.BAUDRATE_CODES and not command.data
            return (s.OK if ok else s.BAD_COMMAND), b""
        if command.same_as(p.MAX_RF_FRAME_SIZE):
            if len(command.data) != 1:
                return s.HOST_LENGTH, b""
            self.rf_frame_size = command.data[0]
            return s.OK, b""
        if command.same_as(p.RESET_SAM) or command.same_as(p.SAM_STATUS):
            return s.OK, b""
        if command.same_as(p.SAM_ID):
            return s.OK, self.sam_id
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
                written = os.write(self._pty.master, view)
            except BlockingIOError:
                # pty buffer full: nobody is reading the slave. Wait, but stay stoppable.
                select.select([], [self._pty.master], [], 0.1)
                continue
            except OSError:
                log.debug("idcard_sim_write_failed")
                return
            view = view[written:]
