"""The ID card reader device: a serial port, the codec, and the find/select/read dance.

Owns timeouts, retries and turning every failure into an `IdCardError` that says who was
wrong. The port is opened by URL (`serial.serial_for_url`): /dev/ttyUSB0 on a kiosk, the
slave side of a pty in tests, ``loop://`` for a smoke test.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from types import TracebackType
from typing import Any

import serial

from drivers.idcard import protocol as p
from drivers.idcard.card import IdCard, parse_read_reply
from drivers.idcard.errors import (
    CardMoved,
    IdCardError,
    NoCard,
    ProtocolError,
    ReaderStatusError,
    ReaderTimeout,
    ReaderUnavailable,
)
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
# Header bytes of a read reply kept in the diagnostic buffer: preamble, LEN, SW1-3.
_READ_HEADER = 10
# Commands whose reply carries a citizen's text or photo.
_PERSONAL_REPLIES = (p.READ_TEXT_PHOTO, p.READ_TEXT_PHOTO_FINGERPRINT, p.READ_ADDRESS)
# The reader saw our frame damaged on the line: sending it again is safe.
_RESEND_STATUSES = (p.Status.HOST_CHECKSUM, p.Status.HOST_LENGTH)


class _ReplyCut(ProtocolError):
    """A reply started and stopped before its last byte (reader-internal)."""


class IdCardReader:
    """A serial SAM module reading 2nd-generation resident ID cards."""

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 115200,
        timeout: float = 2.0,
        retries: int = 1,
        poll_interval: float = 0.1,
        history: int = 32,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        # Per command. The text+photo read takes about 1 s on real modules.
        self.timeout = timeout
        # Extra attempts for commands that are safe to resend (never the read itself).
        self.retries = retries
        self.poll_interval = poll_interval
        self._port: Any = None
        self._decoder = p.FrameDecoder()
        self._lock = threading.RLock()
        self._frames: deque[str] = deque(maxlen=history)

    # -- port lifecycle ----------------------------------------------------------------

    def open(self) -> None:
        """Open the serial port; raise ReaderUnavailable if it is missing or busy."""
        with self._lock:
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
        with self._lock:
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

    def __enter__(self) -> IdCardReader:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- public operations -------------------------------------------------------------

    def read_card(self, wait: float = 0.0) -> IdCard:
        """Find, select and read the card in the field, polling up to `wait` seconds for one.

        Raises NoCard if none appeared, CardMoved if it left during the read, and other
        IdCardError subclasses for the reader, the line or the card's data. Never returns
        part of a card.
        """
        with self._lock:
            self.open()
            started = time.monotonic()
            self._find_and_select(started + wait)
            try:
                reply = self._command(p.READ_TEXT_PHOTO, resend=False)
            except _ReplyCut as err:
                raise self._explain_cut() from err
            if reply.sw3 == p.Status.READ_FAILED:
                raise CardMoved("reader reported the card moved during the read (SW3 0x41)")
            if reply.sw3 != p.Status.OK:
                raise ReaderStatusError(reply.sw3, "read")
            card = parse_read_reply(reply.data)
            log.info(
                "idcard_read_ok card_type=%s elapsed_ms=%d",
                card.card_type,
                (time.monotonic() - started) * 1000,
            )
            return card

    def sam_id(self) -> str:
        """Return the SAM module's ID, formatted like vendor tools print it."""
        with self._lock:
            self.open()
            reply = self._command(p.SAM_ID)
            if reply.sw3 != p.Status.OK:
                raise ReaderStatusError(reply.sw3, "SAM ID")
            if len(reply.data) != 16:
                raise ProtocolError(f"SAM ID reply has {len(reply.data)} data bytes, not 16")
            return p.format_sam_id(reply.data)

    def check_sam(self) -> None:
        """Ask the SAM for its status; raise ReaderStatusError unless it is healthy."""
        with self._lock:
            self.open()
            reply = self._command(p.SAM_STATUS)
            if reply.sw3 != p.Status.OK:
                raise ReaderStatusError(reply.sw3, "SAM status")

    def reset(self) -> None:
        """Reset the SAM module."""
        with self._lock:
            self.open()
            reply = self._command(p.RESET_SAM)
            if reply.sw3 != p.Status.OK:
                raise ReaderStatusError(reply.sw3, "reset")

    @property
    def recent_frames(self) -> list[str]:
        """The last frames on the line, oldest first, with personal data withheld."""
        return list(self._frames)

    # -- the dance ---------------------------------------------------------------------

    def _find_and_select(self, deadline: float) -> None:
        while True:
            found = self._command(p.FIND_CARD)
            if found.sw3 == p.Status.CARD_FOUND:
                selected = self._command(p.SELECT_CARD)
                if selected.sw3 == p.Status.OK:
                    return
                # Select fails while a card is still sliding into place: keep polling.
                if time.monotonic() >= deadline:
                    raise ReaderStatusError(selected.sw3, "select")
            elif found.sw3 != p.Status.NO_CARD:
                raise ReaderStatusError(found.sw3, "find")
            elif time.monotonic() >= deadline:
                raise NoCard("no card in the field")
            time.sleep(max(0.0, min(self.poll_interval, deadline - time.monotonic())))

    def _explain_cut(self) -> IdCardError:
        """A read reply stopped mid-frame: was the card pulled, or did the line fail?"""
        probe = self._exchange(p.FIND_CARD)
        if probe.sw3 == p.Status.NO_CARD:
            return CardMoved("read reply stopped mid-frame and the card is gone")
        return ProtocolError("read reply stopped mid-frame while a card stayed in the field")

    # -- one command, one reply --------------------------------------------------------

    def _command(self, command: p.Command, *, resend: bool = True) -> p.Response:
        """Send a command and return its reply, resending on a damaged frame if allowed."""
        attempts = 1 + (self.retries if resend else 0)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                reply = self._exchange(command)
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

    def _exchange(self, command: p.Command) -> p.Response:
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
        try:
            port.reset_input_buffer()
            port.write(frame)
            self._remember("tx", command, frame.hex(" "))
            deadline = time.monotonic() + self.timeout
            while True:
                reply = decoder.next_frame()
                if isinstance(reply, p.Response):
                    self._remember_reply(command, reply)
                    return reply
                if time.monotonic() >= deadline:
                    break
                chunk = port.read(port.in_waiting or 1)
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
            raise _ReplyCut(f"reply to {command} stopped after {received} bytes")
        raise ProtocolError(
            f"{received} bytes but no valid reply to {command} ({bad_frames} damaged frames)"
        )

    # -- diagnostics -------------------------------------------------------------------

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
