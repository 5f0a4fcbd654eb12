# mypy: disallow-untyped-defs, disallow-incomplete-defs, disallow-any-generics
# mypy: disallow-untyped-calls, disallow-untyped-decorators, disallow-subclassing-any
# mypy: warn-return-any, warn-unused-ignores, warn-redundant-casts, strict-equality
# mypy: no-implicit-reexport, extra-checks
# (`strict` cannot be set inline; these are its per-module flags, so `mypy --strict` is
# clean on this file even before pyproject's strict list names it.)
"""Sans-IO ISO/IEC 7816-4 APDU codec and the T=0 GET RESPONSE / wrong-Le logic.

Never touches a reader: bytes in, frozen objects out, and the T=0 exchange is a small
state machine fed the replies by whoever owns the transport (pyscard in `reader.py`, a
list of canned replies in tests).

Command APDU, short form only (the SSSE basic files never need extended lengths)::

    case 1   CLA INS P1 P2
    case 2   CLA INS P1 P2 Le                 Le 01..FF, 00 means 256
    case 3   CLA INS P1 P2 Lc data            Lc 01..FF = len(data)
    case 4   CLA INS P1 P2 Lc data Le

Response APDU::

    data (0..256 bytes) SW1 SW2

T=0 (ISO/IEC 7816-3 10.3, 7816-4 5.3.4); PC/SC passes these status words through and
pyscard does not act on them (docs/hardware.md section 3):

* ``61 xx``: xx more bytes are waiting; send GET RESPONSE ``00 C0 00 00 xx`` and append
  its data; repeat while the answer is ``61 xx`` again.
* ``6C xx``: the Le was wrong, the card has xx bytes; send the same command again with
  Le = xx (the ``6C`` reply carries no data to keep).

Recovery: a reply shorter than SW1 SW2 (PC/SC hands back an empty buffer when the card
vanishes mid-command) or longer than 256 + 2 bytes raises `ApduError`; a card that keeps
answering 61/6C is cut off after `MAX_ROUNDS` exchanges so a broken card cannot hang a
kiosk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from drivers.socialcard.errors import (
    ApduError,
    CardStatusError,
    ClassNotSupported,
    FileNotFound,
    InstructionNotSupported,
    RecordNotFound,
    SecurityStatusNotSatisfied,
    WrongLength,
    WrongParameters,
)

MAX_DATA: Final = 255  # Lc of a short command
MAX_LE: Final = 256  # Le of a short command, sent as 00
MAX_RESPONSE_DATA: Final = 256
# 61xx / 6Cxx rounds for one command. 64 GET RESPONSEs of 255 bytes are ~16 KiB, far more
# than any SSSE record; beyond that the card is looping.
MAX_ROUNDS: Final = 64

SW_OK: Final = 0x9000
SW1_MORE_DATA: Final = 0x61
SW1_WRONG_LE: Final = 0x6C
INS_GET_RESPONSE: Final = 0xC0

# Meanings of whole status words (ISO/IEC 7816-4 table 5-6), for logs and errors.
STATUS_WORDS: Final[dict[int, str]] = {
    0x9000: "success",
    0x6200: "warning, non-volatile memory unchanged",
    0x6281: "part of the returned data may be corrupted",
    0x6282: "end of file or record reached before Le bytes",
    0x6283: "selected file deactivated",
    0x6300: "warning, non-volatile memory changed",
    0x6400: "execution error, memory unchanged",
    0x6581: "memory failure",
    0x6700: "wrong length",
    0x6881: "logical channel not supported",
    0x6882: "secure messaging not supported",
    0x6981: "command incompatible with file structure",
    0x6982: "security status not satisfied",
    0x6983: "authentication method blocked",
    0x6985: "conditions of use not satisfied",
    0x6986: "command not allowed, no current EF",
    0x6A80: "incorrect parameters in the data field",
    0x6A81: "function not supported",
    0x6A82: "file or application not found",
    0x6A83: "record not found",
    0x6A84: "not enough memory space in the file",
    0x6A86: "incorrect parameters P1-P2",
    0x6A88: "referenced data not found",
    0x6B00: "wrong parameters P1-P2",
    0x6D00: "instruction code not supported or invalid",
    0x6E00: "class not supported",
    0x6F00: "no precise diagnosis",
}

# Status words with a class of their own; every other non-9000 word is a CardStatusError.
_ERROR_CLASSES: Final[dict[int, type[CardStatusError]]] = {
    0x6700: WrongLength,
    0x6982: SecurityStatusNotSatisfied,
    0x6A82: FileNotFound,
    0x6A83: RecordNotFound,
    0x6A86: WrongParameters,
    0x6B00: WrongParameters,
    0x6D00: InstructionNotSupported,
    0x6E00: ClassNotSupported,
}


def describe_sw(sw: int) -> str:
    """Return a short English meaning of a status word, ranges (61xx, 6Cxx, 63Cx) included."""
    if sw in STATUS_WORDS:
        return STATUS_WORDS[sw]
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw1 == SW1_MORE_DATA:
        return f"{sw2 or 256} more bytes available (GET RESPONSE)"
    if sw1 == SW1_WRONG_LE:
        return f"wrong Le, {sw2 or 256} bytes available"
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return f"verification failed, {sw2 & 0x0F} tries left"
    return "unlisted status word"


def status_error(sw: int, command: str = "") -> CardStatusError:
    """Return the typed error for a non-success status word (not raised here)."""
    cls = _ERROR_CLASSES.get(sw, CardStatusError)
    return cls(sw, describe_sw(sw), command)


def _byte(name: str, value: int) -> None:
    if not 0 <= value <= 0xFF:
        raise ValueError(f"{name} must be a byte, got {value}")


@dataclass(frozen=True)
class Command:
    """A command APDU; `le=None` means no response data is expected (case 1 or 3)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            _byte(name, getattr(self, name))
        if len(self.data) > MAX_DATA:
            raise ValueError(f"{len(self.data)} data bytes do not fit a short APDU")
        if self.le is not None and not 1 <= self.le <= MAX_LE:
            raise ValueError(f"Le must be 1..{MAX_LE}, got {self.le}")

    @property
    def case(self) -> int:
        """ISO/IEC 7816-3 case: 1 no data either way, 2 data out, 3 data in, 4 both."""
        if self.data:
            return 3 if self.le is None else 4
        return 1 if self.le is None else 2

    @property
    def header(self) -> str:
        """CLA INS P1 P2 as hex, for logs (never holds personal data)."""
        return bytes((self.cla, self.ins, self.p1, self.p2)).hex(" ").upper()

    def encode(self) -> bytes:
        """The bytes on the wire."""
        out = bytes((self.cla, self.ins, self.p1, self.p2))
        if self.data:
            out += bytes((len(self.data),)) + self.data
        if self.le is not None:
            out += bytes((self.le % MAX_LE,))
        return out

    def with_le(self, le: int) -> Command:
        """The same command asking for `le` bytes (0 means 256, as on the wire)."""
        return Command(self.cla, self.ins, self.p1, self.p2, self.data, le or MAX_LE)


def parse_command(raw: bytes) -> Command:
    """Decode a short command APDU (the card's side); raise ApduError if malformed."""
    if len(raw) < 4:
        raise ApduError(f"command APDU of {len(raw)} bytes is shorter than its header")
    cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
    if len(raw) == 4:
        return Command(cla, ins, p1, p2)
    if len(raw) == 5:
        return Command(cla, ins, p1, p2, le=raw[4] or MAX_LE)
    lc = raw[4]
    if lc == 0:
        raise ApduError("extended-length command APDUs are not supported")
    if len(raw) == 5 + lc:
        return Command(cla, ins, p1, p2, bytes(raw[5:]))
    if len(raw) == 6 + lc:
        return Command(cla, ins, p1, p2, bytes(raw[5:-1]), le=raw[-1] or MAX_LE)
    raise ApduError(f"command APDU of {len(raw)} bytes does not match its Lc {lc}")


@dataclass(frozen=True)
class Response:
    """A response APDU: data and the status word."""

    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        """SW1 SW2 as one number, e.g. 0x9000."""
        return self.sw1 << 8 | self.sw2

    @property
    def ok(self) -> bool:
        """True for 9000."""
        return self.sw == SW_OK

    def encode(self) -> bytes:
        """The bytes on the wire."""
        return self.data + bytes((self.sw1, self.sw2))

    def check(self, command: str = "") -> bytes:
        """Return the data if the status is 9000, else raise its typed CardStatusError."""
        if not self.ok:
            raise status_error(self.sw, command)
        return self.data


def parse_response(raw: bytes) -> Response:
    """Decode a response APDU; raise ApduError if it cannot be one."""
    if len(raw) < 2:
        # PC/SC returns an empty buffer with success when the card vanishes mid-command.
        raise ApduError(f"response of {len(raw)} bytes has no status word")
    if len(raw) > MAX_RESPONSE_DATA + 2:
        raise ApduError(f"response of {len(raw)} bytes is longer than a short APDU allows")
    return Response(bytes(raw[:-2]), raw[-2], raw[-1])


def get_response(length: int) -> Command:
    """GET RESPONSE for `length` bytes (0 means 256): ``00 C0 00 00 xx``."""
    return Command(0x00, INS_GET_RESPONSE, 0x00, 0x00, le=length or MAX_LE)


class T0Exchange:
    """One command's whole T=0 exchange: what to send next, fed each reply in turn.

    Drive it as `transceive()` does: send `next_command`, pass the reply bytes to
    `receive()`, and repeat while it returns a `Command`. The final `Response` holds every
    piece of data the card sent, in order, and the card's last status word.
    """

    def __init__(self, command: Command, *, max_rounds: int = MAX_ROUNDS) -> None:
        self.command = command
        self.max_rounds = max_rounds
        self.next_command: Command | None = command
        self.rounds = 0
        self._collected = bytearray()

    def receive(self, raw: bytes) -> Command | Response:
        """Take one reply; return the next command to send or the finished response."""
        sent = self.next_command
        if sent is None:
            raise ApduError("the exchange is already finished")
        reply = parse_response(raw)
        self.rounds += 1
        if reply.sw1 in (SW1_MORE_DATA, SW1_WRONG_LE) and self.rounds >= self.max_rounds:
            self.next_command = None
            raise ApduError(f"card still asked for more after {self.rounds} exchanges")
        if reply.sw1 == SW1_MORE_DATA:
            # Some T=1 cards send data together with 61xx: keep it.
            self._collected += reply.data
            self.next_command = get_response(reply.sw2)
        elif reply.sw1 == SW1_WRONG_LE:
            if sent.le == (reply.sw2 or MAX_LE):
                # The card rejects the very Le it asked for: resending would loop.
                self.next_command = None
                raise status_error(reply.sw, sent.header)
            self.next_command = sent.with_le(reply.sw2)
        else:
            self.next_command = None
            return Response(bytes(self._collected) + reply.data, reply.sw1, reply.sw2)
        return self.next_command


Transmit = Callable[[bytes], bytes]


def transceive(command: Command, transmit: Transmit) -> Response:
    """Run `command` through `transmit` with the T=0 logic; return the final response."""
    exchange = T0Exchange(command)
    out: Command | Response = command
    while isinstance(out, Command):
        out = exchange.receive(transmit(out.encode()))
    return out
