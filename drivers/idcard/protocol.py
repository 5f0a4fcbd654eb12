"""Sans-IO codec for the serial SAM module of 2nd-generation resident ID card readers.

Never touches a port: bytes go in through `feed()`, frozen frame objects come out of
`next_frame()` or `NEED_DATA` when more bytes are needed (the h11 pattern).

Frame layout (docs/hardware.md section 1)::

    offset  0   1   2   3   4     5       6       7 ...                  7+LEN-1
          +---+---+---+---+---+-------+-------+-----------------------+-----+
          |AA |AA |AA |96 |69 |LEN_HI |LEN_LO | payload               | CHK |
          +---+---+---+---+---+-------+-------+-----------------------+-----+
          |<----- preamble ---->|<- big-endian ->|
                                |<------------- CHK = XOR of these --->|

    host -> reader payload:  CMD PARA [DATA]
    reader -> host payload:  SW1 SW2 SW3 [DATA]      (SW3 is the status, see `Status`)

    LEN counts every byte after the length field, CHK included, so a whole frame is
    7 + LEN bytes. The text+photo reply (30 01) is 1295 bytes, LEN = 0x0508; with the
    fingerprint (30 10) it is 2321 bytes, LEN = 0x090A.

Commands (CMD PARA [DATA]): reset SAM 10 FF, SAM status 11 FF, SAM ID 12 FF, find 20 01,
select 20 02, read text+photo 30 01, appended address 30 03, text+photo+fingerprint
30 10, baud rate 60 0x, max RF frame size 61 FF 50.

Recovery from line noise:

* garbage before a frame: bytes up to the next preamble are dropped and counted in
  `skipped_bytes`; a trailing partial preamble (``AA``, ``AA AA`` ...) is kept in case the
  rest of it is still on the wire, so memory stays bounded however long the noise lasts.
* garbage inside a frame: the checksum fails. Only the first preamble byte is dropped and
  the search starts again one byte later, so a real frame hidden inside the bytes the
  damaged length claimed is still found. Counted in `checksum_errors`.
* an absurd length (shorter than the smallest payload or longer than the largest reply
  the module can send) cannot be a frame start: resync the same way, counted in
  `length_errors`. This also stops a corrupted length from making us wait for 64 KiB.
* a frame cut short (card pulled, cable noise): `next_frame()` keeps answering NEED_DATA.
  Only the caller knows how long to wait, so on its own deadline it calls
  `abandon_partial()`, which treats the stalled start as garbage and rescans the rest.
* garbage after a frame is simply garbage before the next one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import reduce
from operator import xor
from typing import Final

PREAMBLE: Final = b"\xaa\xaa\xaa\x96\x69"
HEADER_SIZE: Final = len(PREAMBLE) + 2
# The largest reply is text+photo+fingerprint (30 10): LEN = 0x090A. Anything much larger
# is a corrupted length field, not a frame.
MAX_LEN: Final = 0x0A00
# SW1 SW2 SW3 CHK; CMD PARA CHK.
MIN_RESPONSE_LEN: Final = 4
MIN_COMMAND_LEN: Final = 3


class NeedData(enum.Enum):
    """Type of the `NEED_DATA` sentinel: the decoder needs more bytes to finish a frame."""

    NEED_DATA = "NEED_DATA"


NEED_DATA: Final = NeedData.NEED_DATA


class Status(enum.IntEnum):
    """SW3 status byte of a reader reply."""

    OK = 0x90
    CARD_FOUND = 0x9F
    NO_CARD = 0x80
    SELECT_FAILED = 0x81
    READ_FAILED = 0x41  # card moved out of the field during the read
    HOST_CHECKSUM = 0x10  # the reader got our frame with a bad checksum
    HOST_LENGTH = 0x11  # the reader got our frame with a bad length
    BAD_COMMAND = 0x21
    UNKNOWN_ERROR = 0x24
    CARD_REJECTED_READER = 0x31  # card failed to authenticate the reader
    READER_REJECTED_CARD = 0x32  # reader failed to authenticate the card
    VERIFY_ERROR = 0x33
    WRONG_CARD_TYPE = 0x40
    GET_CHALLENGE_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORISED = 0x66
    NO_CONTENT = 0x91  # [unverified] e.g. no appended address on the card


def checksum(body: bytes | bytearray | memoryview) -> int:
    """XOR of every byte: the CHK of a frame whose LEN_HI..last data byte is `body`."""
    return reduce(xor, body, 0)


def _frame(payload: bytes) -> bytes:
    length = len(payload) + 1
    if length > 0xFFFF:
        raise ValueError(f"payload of {len(payload)} bytes does not fit a 16-bit LEN")
    body = length.to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def _byte(name: str, value: int) -> int:
    if not 0 <= value <= 0xFF:
        raise ValueError(f"{name} must be one byte, got {value!r}")
    return value


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """Frame a host-to-reader command: preamble, LEN, CMD PARA DATA, CHK."""
    return _frame(bytes([_byte("cmd", cmd), _byte("para", para)]) + bytes(data))


def encode_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """Frame a reader-to-host reply (what the simulator sends): SW1 SW2 SW3 DATA."""
    return _frame(bytes([_byte("sw1", sw1), _byte("sw2", sw2), _byte("sw3", sw3)]) + data)


@dataclass(frozen=True)
class Command:
    """A host-to-reader command; the constants below are the ones the module knows."""

    cmd: int
    para: int
    data: bytes = b""

    def encode(self) -> bytes:
        """Return the whole frame for this command."""
        return encode_command(self.cmd, self.para, self.data)

    def same_as(self, other: Command) -> bool:
        """True if both name the same CMD PARA, whatever the data."""
        return (self.cmd, self.para) == (other.cmd, other.para)

    def __str__(self) -> str:
        return f"{self.cmd:02X} {self.para:02X}"


RESET_SAM: Final = Command(0x10, 0xFF)
SAM_STATUS: Final = Command(0x11, 0xFF)
SAM_ID: Final = Command(0x12, 0xFF)
FIND_CARD: Final = Command(0x20, 0x01)
SELECT_CARD: Final = Command(0x20, 0x02)
READ_TEXT_PHOTO: Final = Command(0x30, 0x01)
READ_ADDRESS: Final = Command(0x30, 0x03)
READ_TEXT_PHOTO_FINGERPRINT: Final = Command(0x30, 0x10)
# Data 0x50: the largest RF frame the module may use with the card.
MAX_RF_FRAME_SIZE: Final = Command(0x61, 0xFF, b"\x50")
SET_BAUDRATE_CMD: Final = 0x60

# Whole frames of the two read replies, for deadlines and benchmarks.
READ_REPLY_SIZE: Final = 1295
FINGERPRINT_REPLY_SIZE: Final = 2321

# PARA of 60 0x -> baud rate. 1..4 are in docs/hardware.md; 0 for the 115200 default is
# [unverified] (the usual vendor numbering).
BAUDRATE_CODES: Final[dict[int, int]] = {0x00: 115200, 0x01: 57600, 0x02: 38400, 0x03: 19200,
                                         0x04: 9600}  # fmt: skip
# Auto-detection tries the default first, then downwards.
AUTO_BAUDRATES: Final = (115200, 57600, 38400, 19200, 9600)


def set_baudrate(baudrate: int) -> Command:
    """Return the 60 0x command that switches the module to `baudrate`."""
    for para, rate in BAUDRATE_CODES.items():
        if rate == baudrate:
            return Command(SET_BAUDRATE_CMD, para)
    raise ValueError(f"the module supports {sorted(BAUDRATE_CODES.values())} baud, not {baudrate}")


def wire_time(size: int, baudrate: int) -> float:
    """Seconds `size` bytes take on an 8N1 line (10 bits a byte) at `baudrate`."""
    return size * 10 / baudrate


@dataclass(frozen=True, repr=False)
class Response:
    """A reader-to-host reply; `sw3` is the status, `data` what follows it."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    @property
    def status(self) -> Status | None:
        """The SW3 code as a `Status`, or None for a code docs/hardware.md does not list."""
        try:
            return Status(self.sw3)
        except ValueError:
            return None

    def encode(self) -> bytes:
        """Return the whole frame for this reply."""
        return encode_response(self.sw3, self.data, sw1=self.sw1, sw2=self.sw2)

    def __repr__(self) -> str:
        # data of a read reply is a person's text and photo: show its size only.
        return (
            f"Response(sw1=0x{self.sw1:02X}, sw2=0x{self.sw2:02X}, sw3=0x{self.sw3:02X}, "
            f"data=<{len(self.data)} bytes>)"
        )


def format_sam_id(raw: bytes) -> str:
    """Format the 16 data bytes of a SAM ID reply the way vendor tools print it.

    [unverified] layout: two 16-bit and three 32-bit little-endian numbers,
    printed as ``05.01-20101010-0012345678-1234567890``.
    """
    if len(raw) != 16:
        raise ValueError(f"a SAM ID has 16 bytes, got {len(raw)}")
    a, b = (int.from_bytes(raw[i : i + 2], "little") for i in (0, 2))
    c, d, e = (int.from_bytes(raw[i : i + 4], "little") for i in (4, 8, 12))
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"


class _FrameScanner:
    """Finds checksummed frames in a byte stream; see the module docstring for recovery."""

    def __init__(self, *, min_len: int, max_len: int) -> None:
        self._buf = bytearray()
        self._min_len = min_len
        self._max_len = max_len
        self.frames = 0
        self.skipped_bytes = 0
        self.checksum_errors = 0
        self.length_errors = 0

    def feed(self, data: bytes) -> None:
        """Append bytes received from the line."""
        self._buf += data

    @property
    def pending(self) -> int:
        """Bytes held that are not yet part of a returned frame."""
        return len(self._buf)

    @property
    def in_frame(self) -> bool:
        """True while a frame has started (whole preamble seen) but is not complete."""
        return self._buf.startswith(PREAMBLE)

    @property
    def errors(self) -> int:
        """Frames lost to a bad checksum or an impossible length."""
        return self.checksum_errors + self.length_errors

    def abandon_partial(self) -> None:
        """Give up on a frame that stopped arriving and rescan what followed its start."""
        if self._buf:
            del self._buf[:1]
            self.skipped_bytes += 1

    def clear(self) -> None:
        """Forget buffered bytes (before a new command, so a late reply cannot match it)."""
        self.skipped_bytes += len(self._buf)
        self._buf.clear()

    def _skip(self, count: int) -> None:
        del self._buf[:count]
        self.skipped_bytes += count

    def _next_payload(self) -> bytes | None:
        buf = self._buf
        while True:
            start = buf.find(PREAMBLE)
            if start < 0:
                # Keep a trailing partial preamble: its other bytes may still be on the wire.
                keep = next(
                    (k for k in range(len(PREAMBLE) - 1, 0, -1) if buf.endswith(PREAMBLE[:k])),
                    0,
                )
                self._skip(len(buf) - keep)
                return None
            if start:
                self._skip(start)
            if len(buf) < HEADER_SIZE:
                return None
            length = int.from_bytes(buf[5:7], "big")
            if not self._min_len <= length <= self._max_len:
                self.length_errors += 1
                self._skip(1)
                continue
            total = HEADER_SIZE + length
            if len(buf) < total:
                return None
            if checksum(memoryview(buf)[5 : total - 1]) != buf[total - 1]:
                self.checksum_errors += 1
                self._skip(1)
                continue
            payload = bytes(buf[HEADER_SIZE : total - 1])
            del buf[:total]
            self.frames += 1
            return payload


class FrameDecoder(_FrameScanner):
    """Decodes reader-to-host replies; `next_frame()` gives a Response or NEED_DATA."""

    def __init__(self, *, max_len: int = MAX_LEN) -> None:
        super().__init__(min_len=MIN_RESPONSE_LEN, max_len=max_len)

    def next_frame(self) -> Response | NeedData:
        """Return the next complete, checksummed reply, or NEED_DATA."""
        payload = self._next_payload()
        if payload is None:
            return NEED_DATA
        return Response(payload[0], payload[1], payload[2], payload[3:])


class CommandDecoder(_FrameScanner):
    """Decodes host-to-reader commands (the simulator's side of the line)."""

    def __init__(self, *, max_len: int = MAX_LEN) -> None:
        super().__init__(min_len=MIN_COMMAND_LEN, max_len=max_len)

    def next_frame(self) -> Command | NeedData:
        """Return the next complete, checksummed command, or NEED_DATA."""
        payload = self._next_payload()
        if payload is None:
            return NEED_DATA
        return Command(payload[0], payload[1], payload[2:])
