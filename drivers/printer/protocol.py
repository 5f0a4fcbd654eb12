"""Real-time status `DLE EOT n`: the request bytes and the one-byte replies, decoded.

Sans-IO: the device class writes `status_request(n)`, reads what came back and hands the
bytes to `decode_status`; nothing here touches a port.

    request   10 04 n         n = 1 printer, 2 offline cause, 3 error cause, 4 paper sensor
    reply     one byte        bit  7 6 5 4 3 2 1 0
                                   0 x x 1 x x 1 0     fixed: bit0=0 bit1=1 bit4=1 bit7=0

    n=1  bit3 offline              bit5 waiting for online recovery
    n=2  bit2 cover open           bit5 printing stopped by paper end    bit6 error occurred
    n=3  bit3 autocutter error     bit5 unrecoverable error              bit6 auto-recoverable
    n=4  bits 2+3 paper near end   bits 5+6 paper end

Healthy printers answer 0x12 to each; out of paper: n=1 0x1A (offline), n=4 0x7E. The printer
answers even when offline, so silence means "not connected" (or a printer that cannot
answer, which its profile says with `has_status=False`), never "fine".

Recovery from bad replies: an empty reply, a reply of more than one byte, or a byte whose
fixed bits are wrong is not a status, and every fact that query would have given stays
unknown (None). Nothing here raises on reply bytes. python-escpos 3.1 reads an empty reply
as "paper adequate"; here it is "unknown", and `PrinterStatus.state` is only READY when all
four replies were valid and clean.

The sensor pairs (n=4 bits 2+3 and 5+6) are documented as set together. Where a printer sets
only one bit of a pair, the pair counts as set: a false "paper out" costs a citizen a paper
receipt, a false "paper OK" costs a half-printed one.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

DLE_EOT = b"\x10\x04"
STATUS_QUERIES = (1, 2, 3, 4)

FIXED_MASK = 0b1001_0011  # bits 7, 4, 1, 0
FIXED_VALUE = 0b0001_0010  # bit 4 and bit 1 set, bits 7 and 0 clear
HEALTHY_REPLY = 0x12

# n=1 printer status
OFFLINE_BIT = 0x08
# n=2 offline cause
COVER_OPEN_BIT = 0x04
PAPER_END_STOP_BIT = 0x20
# n=3 error cause
CUTTER_ERROR_BIT = 0x08
UNRECOVERABLE_ERROR_BIT = 0x20
AUTO_RECOVERABLE_ERROR_BIT = 0x40
# n=4 roll paper sensor
PAPER_NEAR_END_BITS = 0x0C
PAPER_END_BITS = 0x60


class PrinterState(enum.StrEnum):
    """What a printer can do now, the most serious condition first."""

    READY = "ready"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    ERROR = "error"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrinterStatus:
    """The decoded answers to DLE EOT 1-4; each fact is True, False or None (unknown).

    `replies` holds the valid reply byte of each query n=1..4, None where the reply was
    missing or malformed (for diagnostics and logs).
    """

    online: bool | None = None
    cover_open: bool | None = None
    paper_near_end: bool | None = None
    paper_out: bool | None = None
    cutter_error: bool | None = None
    unrecoverable_error: bool | None = None
    auto_recoverable_error: bool | None = None
    replies: tuple[int | None, int | None, int | None, int | None] = (None, None, None, None)

    @property
    def state(self) -> PrinterState:
        """One word for the kiosk: READY only when every reply was valid and clean."""
        errors = (self.cutter_error, self.unrecoverable_error, self.auto_recoverable_error)
        if self.paper_out:
            return PrinterState.PAPER_OUT
        if self.cover_open:
            return PrinterState.COVER_OPEN
        if any(errors):
            return PrinterState.ERROR
        if self.online is False:
            return PrinterState.OFFLINE
        if None in self.replies:
            return PrinterState.UNKNOWN
        return PrinterState.READY

    @property
    def ready(self) -> bool:
        """True when the printer is known to be able to print now."""
        return self.state is PrinterState.READY

    def describe(self) -> str:
        """A short English line for logs and the self-test, e.g. "ready, paper near end"."""
        text = self.state.value.replace("_", " ")
        if self.paper_near_end and self.state is not PrinterState.PAPER_OUT:
            text += ", paper near end"
        if self.state is PrinterState.UNKNOWN:
            missing = [
                str(n) for n, r in zip(STATUS_QUERIES, self.replies, strict=True) if r is None
            ]
            text += f" (no valid reply to DLE EOT {','.join(missing)})"
        return text


UNKNOWN_STATUS = PrinterStatus()


def status_request(n: int) -> bytes:
    """The bytes of `DLE EOT n` (n = 1..4)."""
    if n not in STATUS_QUERIES:
        raise ValueError(f"DLE EOT n takes n = 1..4, not {n}")
    return DLE_EOT + bytes([n])


def valid_reply(reply: bytes) -> int | None:
    """The status byte if `reply` is exactly one byte of the form 0xx1xx10, else None."""
    if len(reply) != 1 or reply[0] & FIXED_MASK != FIXED_VALUE:
        return None
    return reply[0]


def decode_status(replies: Mapping[int, bytes]) -> PrinterStatus:
    """Decode the replies to DLE EOT n, keyed by n; a missing key is an unanswered query."""
    r1, r2, r3, r4 = (valid_reply(replies.get(n, b"")) for n in STATUS_QUERIES)
    return PrinterStatus(
        online=_negate(_bit(r1, OFFLINE_BIT)),
        cover_open=_bit(r2, COVER_OPEN_BIT),
        paper_near_end=_bit(r4, PAPER_NEAR_END_BITS),
        # Either source is enough: n=2 says printing stopped for it, n=4 is the sensor.
        paper_out=_either(_bit(r2, PAPER_END_STOP_BIT), _bit(r4, PAPER_END_BITS)),
        cutter_error=_bit(r3, CUTTER_ERROR_BIT),
        unrecoverable_error=_bit(r3, UNRECOVERABLE_ERROR_BIT),
        auto_recoverable_error=_bit(r3, AUTO_RECOVERABLE_ERROR_BIT),
        replies=(r1, r2, r3, r4),
    )


def _bit(byte: int | None, mask: int) -> bool | None:
    return None if byte is None else bool(byte & mask)


def _negate(value: bool | None) -> bool | None:
    return None if value is None else not value


def _either(a: bool | None, b: bool | None) -> bool | None:
    """Three-valued OR: True if either is True, unknown if either is unknown, else False."""
    if a or b:
        return True
    if a is None or b is None:
        return None
    return False
