"""A SAM module's serial line: the port, one command and its reply, the recent frames.

The port is opened by URL (`serial.serial_for_url`): /dev/ttyUSB0 on a kiosk, a pty (or a
symlink to one) in tests, ``loop://`` for a smoke test. After the port fails (unplugged) it
is closed and the next `open` opens the same URL again. A reply is read in whatever chunks
the port delivers until the codec has a whole, checksummed frame; the deadline is the
timeout plus the reply's own wire time at the current baud rate, and it moves on while
bytes keep arriving (up to a cap), so only `timeout` seconds without a byte end a reply.
A damaged reply to a command that is safe to repeat is fetched again. The last frames are
kept for diagnostics with personal data withheld. The device (drivers/idcard/reader.py)
holds its lock around every call: the line itself is not thread-safe.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

import serial

from drivers.idcard import protocol as p
from drivers.idcard.errors import ProtocolError, ReaderTimeout, ReaderUnavailable
from pii import redact_id_numbers

log = logging.getLogger(__name__)

# pyserial's POSIX backend lets termios.error (not an OSError) escape from flush calls on a
# port whose device vanished, e.g. a pty whose master closed or a USB adapter pulled out.
try:
    import termios

    _PORT_ERRORS: tuple[type[BaseException], ...] = (
        serial.SerialException,
        OSError,
        termios.error,
    )
except ImportError:  # pragma: no cover - Windows
    _PORT_ERRORS = (serial.SerialException, OSError)

# Each port.read() blocks at most this long, so deadlines are checked often without spinning.
_READ_SLICE = 0.05
# However slowly a reply keeps coming, it is given up after this long.
_MAX_REPLY_SECONDS = 30.0
# Header bytes of a read reply kept in the diagnostic buffer: preamble, LEN, SW1-3.
_READ_HEADER = 10
# Commands whose reply carries a citizen's text, photo or fingerprints.
_PERSONAL_REPLIES = (p.READ_TEXT_PHOTO, p.READ_TEXT_PHOTO_FINGERPRINT, p.READ_ADDRESS)
# Replies long enough that their wire time counts towards the deadline.
_LONG_REPLIES = {
    (p.READ_TEXT_PHOTO.cmd, p.READ_TEXT_PHOTO.para): p.READ_REPLY_SIZE,
    (p.READ_TEXT_PHOTO_FINGERPRINT.cmd, p.READ_TEXT_PHOTO_FINGERPRINT.para): (
        p.FINGERPRINT_REPLY_SIZE
    ),
}
# The reader saw our frame damaged on the line: sending it again is safe.
_RESEND_STATUSES = (p.Status.HOST_CHECKSUM, p.Status.HOST_LENGTH)


class ReplyCut(ProtocolError):
    """A reply started and stopped before its last byte (the device asks whether the card left)."""


class ReaderLine:
    """The serial port to a SAM module, and one command and its reply at a time."""

    def __init__(
        self, url: str, *, baudrate: int, timeout: float, retries: int, history: int
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        # Per command, on top of the reply's wire time. A text+photo read takes about 1 s.
        self.timeout = timeout
        # Extra attempts for commands that are safe to resend (never the read itself).
        self.retries = retries
        self._port: Any = None
        self._decoder = p.FrameDecoder()
        self._frames: deque[str] = deque(maxlen=history)

    def open(self) -> None:
        """Open the serial port at `baudrate`; raise ReaderUnavailable if missing or busy."""
        if self._port is not None:
            return
        try:
            self._port = serial.serial_for_url(
                self.url,
                baudrate=self.baudrate,
                timeout=_READ_SLICE,
                write_timeout=self.timeout,
            )
        except (serial.SerialException, OSError, ValueError) as err:
            raise ReaderUnavailable(f"cannot open ID card reader at {self.url}: {err}") from err
        self._decoder = p.FrameDecoder()
        log.info("idcard_open url=%s baudrate=%d", self.url, self.baudrate)

    def close(self) -> None:
        """Close the port; safe to call twice."""
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except _PORT_ERRORS:
                log.warning("idcard_close_failed url=%s", self.url)

    @property
    def is_open(self) -> bool:
        """True while the port is open."""
        return self._port is not None

    def set_port_baudrate(self, rate: int) -> None:
        """Move the port (not the module) to `rate`; ReaderUnavailable if it fails."""
        if self._port is None:
            raise ReaderUnavailable("the ID card reader port is not open")
        try:
            self._port.baudrate = rate
        except _PORT_ERRORS as err:
            self.close()
            raise ReaderUnavailable(f"cannot set {rate} baud on {self.url}: {err}") from err

    @property
    def recent_frames(self) -> list[str]:
        """The last frames on the line, oldest first, with personal data withheld."""
        return list(self._frames)

    def command(self, command: p.Command, *, resend: bool = True) -> p.Response:
        """Send a command and return its reply, resending on a damaged frame if allowed."""
        attempts = 1 + (self.retries if resend else 0)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                reply = self.exchange(command)
            except ProtocolError:
                if last:
                    raise
                log.warning("idcard_resend cmd=%s reason=bad_reply attempt=%d", command, attempt)
                continue
            if reply.sw3 in _RESEND_STATUSES and not last:
                log.warning("idcard_resend cmd=%s reason=sw3_%02X", command, reply.sw3)
                continue
            return reply
        raise AssertionError("unreachable: the last attempt returns or raises")

    def exchange(self, command: p.Command) -> p.Response:
        """Write one command and read until its reply frame is complete or time runs out."""
        port = self._port
        if port is None:
            raise ReaderUnavailable("the ID card reader port is not open")
        decoder = self._decoder
        # A late reply to an earlier, timed-out command must not answer this one.
        decoder.clear()
        errors_before = decoder.errors
        received = 0
        frame = command.encode()
        size = _LONG_REPLIES.get((command.cmd, command.para), 0)
        try:
            port.reset_input_buffer()
            port.write(frame)
            self._remember("tx", command, frame.hex(" "))
            started = time.monotonic()
            deadline = started + self.timeout + p.wire_time(size, self.baudrate)
            while True:
                reply = decoder.next_frame()
                if isinstance(reply, p.Response):
                    self._remember_reply(command, reply)
                    return reply
                if time.monotonic() >= deadline:
                    break
                chunk = port.read(port.in_waiting or 1)
                if chunk:
                    # A slow module still sending is not a dead one: the deadline follows
                    # the bytes (up to a cap, so an endless stream of noise still ends).
                    latest = min(started + _MAX_REPLY_SECONDS, time.monotonic() + self.timeout)
                    deadline = max(deadline, latest)
                received += len(chunk)
                decoder.feed(chunk)
        except _PORT_ERRORS as err:
            # Unplugged or failed: drop the port so the next call tries to open it afresh.
            self.close()
            raise ReaderUnavailable(f"serial I/O failed on {self.url}: {err}") from err
        return self._after_deadline(command, received, decoder.errors - errors_before)

    def _after_deadline(self, command: p.Command, received: int, bad_frames: int) -> p.Response:
        decoder = self._decoder
        # Bytes still held at the deadline are the start of a frame (or of its preamble)
        # that never finished: garbage alone would have been dropped already.
        cut = decoder.pending > 0
        # The stalled start may have been noise with a real frame behind it: rescan.
        while decoder.pending:
            decoder.abandon_partial()
            reply = decoder.next_frame()
            if isinstance(reply, p.Response):
                self._remember_reply(command, reply)
                return reply
        self._remember("rx", command, f"<no valid frame: {received} bytes, {bad_frames} bad>")
        if received == 0:
            log.warning("idcard_timeout cmd=%s timeout_s=%.2f", command, self.timeout)
            raise ReaderTimeout(f"no reply to {command} within {self.timeout:.2f} s")
        log.warning(
            "idcard_bad_reply cmd=%s bytes=%d bad_frames=%d cut=%s",
            command,
            received,
            bad_frames,
            cut,
        )
        if cut and bad_frames == 0:
            raise ReplyCut(f"reply to {command} stopped after {received} bytes")
        raise ProtocolError(
            f"{received} bytes but no valid reply to {command} ({bad_frames} damaged frames)"
        )

    def _remember_reply(self, command: p.Command, reply: p.Response) -> None:
        frame = reply.encode()
        if any(command.same_as(c) for c in _PERSONAL_REPLIES) and len(frame) > _READ_HEADER:
            # Name and ID number travel as UTF-16LE, which no regex on hex can find:
            # keep the header only.
            text = f"{frame[:_READ_HEADER].hex(' ')} <{len(frame) - _READ_HEADER} bytes withheld>"
        else:
            text = frame.hex(" ")
        self._remember("rx", command, text)

    def _remember(self, direction: str, command: p.Command, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        self._frames.append(f"{stamp} {direction} [{command}] {redact_id_numbers(text)}")
