"""A virtual social security card for pcscd's vpcd reader: the test tool and the demo's card.

vpcd (vsmartcard-vpcd, loaded by pcscd from /etc/reader.conf.d/vpcd) listens on TCP 35963
for reader "Virtual PCD 00 00"; the card is the TCP client. Protocol (docs/hardware.md
section 3)::

    every message    LEN (2 bytes, big-endian) PAYLOAD
    vpcd -> card     PAYLOAD of 1 byte: 00 power off, 01 power on, 02 reset, 04 send ATR
                     PAYLOAD of more bytes: a C-APDU
    card -> vpcd     the ATR (after 04), or the R-APDU (data SW1 SW2) after a C-APDU

Connecting is inserting the card, closing the connection is pulling it out. pcscd polls
presence (04) about every 0.4 s, so it notices either within about half a second.

The card serves the SSSE files by running `ssse.BASIC_DATA` backwards: records are built
from a `SocialCardFixture` by `ssse.encode_value`, never copied from a capture. It behaves
like a T=0 card: answers to SELECT and replies longer than `chunk` bytes come as ``61 xx``
and are fetched with GET RESPONSE, `chunk` bytes at a time; a READ RECORD whose Le is not
the record's length gets ``6C xx``.

Fault knobs (plain attributes, change them at any time):

* ``remove_after_apdus``: answer this many C-APDUs, then pull the card out (close the
  socket) when the next one arrives, leaving it unanswered: a card pulled mid-read.
* ``wrong_le``: store text records unpadded, so the reader's table Le is wrong and the card
  answers ``6C xx`` (the resend path).
* ``chunk``: GET RESPONSE piece size; None answers in one piece with no ``61 xx``.
* ``ssse``: False makes a card without the SSSE application (a bank card, say).
* ``overrides``: ``{"name": b"..."}`` serves these raw values instead of the encoded ones.

If vpcd closes the connection (pcscd stopped) the card stays "in the reader" and connects
again once pcscd is back, until `remove()`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import struct
import threading
import time
from types import TracebackType

from drivers.socialcard.apdu import Command, parse_command
from drivers.socialcard.errors import ApduError
from drivers.socialcard.fixtures import FIXTURES, SocialCardFixture, fixture_by_name
from drivers.socialcard.ssse import (
    BASIC_DATA,
    SSSE_AID,
    Select,
    encode_record,
    encode_value,
    record_for,
)

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963  # reader "Virtual PCD 00 00"; 35964 is "Virtual PCD 00 01"
# T=0 only (T0 = 0x0A: no interface bytes, 10 historical bytes "ESTATIONVC", invented).
DEFAULT_ATR = bytes.fromhex("3B0A") + b"ESTATIONVC"

POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4
_HEADER = struct.Struct(">H")
_RECONNECT_PAUSE = 0.1

_SELECTS = tuple(step for step in BASIC_DATA if isinstance(step, Select))


def _sw(sw: int) -> bytes:
    return sw.to_bytes(2, "big")


class _Pulled(Exception):
    """The remove_after_apdus knob fired (internal)."""


class VirtualCard:
    """A synthetic social security card that plugs into vpcd over TCP."""

    def __init__(
        self,
        holder: SocialCardFixture = FIXTURES[0],
        *,
        host: str = VPCD_HOST,
        port: int = VPCD_PORT,
        atr: bytes = DEFAULT_ATR,
        chunk: int | None = 16,
        remove_after_apdus: int | None = None,
        wrong_le: bool = False,
        ssse: bool = True,
    ) -> None:
        self.holder = holder
        self.host = host
        self.port = port
        self.atr = atr
        self.chunk = chunk
        self.remove_after_apdus = remove_after_apdus
        self.wrong_le = wrong_le
        self.ssse = ssse
        self.overrides: dict[str, bytes] = {}
        # C-APDUs received since insert(), oldest first (commands hold no personal data).
        self.apdus: list[bytes] = []
        self.error: BaseException | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._lock = threading.Lock()
        self._power_reset()

    # -- insert / remove ---------------------------------------------------------------

    def insert(self, timeout: float = 5.0) -> None:
        """Connect to vpcd (the card goes into the reader); retry until `timeout`."""
        if self.inserted:
            return
        # A thread left over from a knob pull must be gone before the flags are reset.
        self.remove()
        self.apdus = []
        self.error = None
        self._stop.clear()
        self._connected.clear()
        self._thread = threading.Thread(target=self._run, name="virtual-card", daemon=True)
        self._thread.start()
        if not self._connected.wait(timeout):
            self.remove()
            raise TimeoutError(f"vpcd at {self.host}:{self.port} did not accept within {timeout}s")

    def remove(self) -> None:
        """Close the connection (the card comes out); safe to call twice."""
        self._stop.set()
        self._drop_socket()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    @property
    def inserted(self) -> bool:
        """True from insert() until remove() or a knob pulled the card."""
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def __enter__(self) -> VirtualCard:
        self.insert()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    # -- the card itself (pure: bytes in, bytes out) -----------------------------------

    def respond(self, raw: bytes) -> bytes:
        """Answer one C-APDU the way the card would."""
        try:
            command = parse_command(raw)
        except ApduError:
            return _sw(0x6700)
        if command.ins != 0xC0:
            self._pending = b""
        if command.cla != 0x00:
            return _sw(0x6E00)
        if command.ins == 0xA4:
            return self._select(command)
        if command.ins == 0xB2:
            return self._read_record(command)
        if command.ins == 0xC0:
            return self._get_response(command)
        return _sw(0x6D00)

    def _power_reset(self) -> None:
        self._app_selected = False
        self._current_ef: str | None = None
        self._pending = b""

    def _select(self, command: Command) -> bytes:
        for step in _SELECTS:
            if (step.command.p1, step.command.data) != (command.p1, command.data):
                continue
            if step.target == "SSSE":
                if not self.ssse:
                    break
                self._app_selected, self._current_ef = True, None
                # FCI: 6F { 84 DF name }, the answer a T=0 card keeps for GET RESPONSE.
                name = bytes((0x84, len(SSSE_AID))) + SSSE_AID
                return self._answer(bytes((0x6F, len(name))) + name, case3=True)
            if not self._app_selected:
                break
            self._current_ef = step.target
            return _sw(0x9000)
        return _sw(0x6A82)

    def _read_record(self, command: Command) -> bytes:
        if not self._app_selected:
            return _sw(0x6A82)
        sfi, mode = command.p2 >> 3, command.p2 & 0x07
        if mode != 0x04:
            return _sw(0x6A86)
        file = f"EF{sfi:02X}" if sfi else self._current_ef
        if file is None:
            return _sw(0x6986)
        record = record_for(file, command.p1)
        if record is None:
            return _sw(0x6A83)
        value = self.overrides.get(record.field)
        if value is None:
            value = encode_value(record, self.holder.values()[record.field], pad=not self.wrong_le)
        data = encode_record(record, value)
        if command.le != len(data):
            return _sw(0x6C00 | len(data) & 0xFF)
        return self._answer(data)

    def _answer(self, data: bytes, *, case3: bool = False) -> bytes:
        """Send `data` now, or keep it for GET RESPONSE the T=0 way."""
        if self.chunk is None:
            # No T=0 behaviour: a case 3 command gets no data back at all.
            return _sw(0x9000) if case3 else data + _sw(0x9000)
        if case3 or len(data) > self.chunk:
            self._pending = data
            return _sw(0x6100 | len(data) & 0xFF)
        return data + _sw(0x9000)

    def _get_response(self, command: Command) -> bytes:
        if not self._pending:
            return _sw(0x6985)
        size = min(command.le or 256, len(self._pending), self.chunk or 256)
        out, self._pending = self._pending[:size], self._pending[size:]
        if self._pending:
            return out + _sw(0x6100 | len(self._pending) & 0xFF)
        return out + _sw(0x9000)

    # -- the wire ----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                sock = self._connect()
                if sock is None:
                    return
                self._power_reset()
                try:
                    self._serve(sock)
                except _Pulled:
                    log.info("virtual_card_pulled apdus=%d", len(self.apdus))
                    self._stop.set()
                finally:
                    self._drop_socket()
                if not self._stop.is_set():
                    log.info("virtual_card_vpcd_closed; reconnecting")
        except Exception as err:  # top of a worker thread: keep it for the test to see
            log.exception("virtual_card_crashed")
            self.error = err
            self._stop.set()

    def _connect(self) -> socket.socket | None:
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
            except OSError:
                time.sleep(_RECONNECT_PAUSE)
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._stop.is_set():
                    sock.close()
                    return None
                self._sock = sock
            self._connected.set()
            return sock
        return None

    def _drop_socket(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
        if sock is not None:
            # shutdown() wakes a recv() blocked in the serving thread; close() alone may not.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _serve(self, sock: socket.socket) -> None:
        while True:
            message = self._receive(sock)
            if message is None:
                return
            if len(message) == 1:
                reply = self._control(message[0])
            else:
                if self.remove_after_apdus is not None and (
                    len(self.apdus) >= self.remove_after_apdus
                ):
                    self.apdus.append(message)
                    raise _Pulled
                self.apdus.append(message)
                reply = self.respond(message)
            if reply is not None:
                try:
                    sock.sendall(_HEADER.pack(len(reply)) + reply)
                except OSError:
                    return

    def _control(self, code: int) -> bytes | None:
        if code == GET_ATR:
            return self.atr
        if code in (POWER_OFF, POWER_ON, RESET):
            self._power_reset()
        return None

    @staticmethod
    def _receive(sock: socket.socket) -> bytes | None:
        header = _read_exactly(sock, _HEADER.size)
        if header is None:
            return None
        return _read_exactly(sock, _HEADER.unpack(header)[0])


# vpcd writes the length and the payload with two send() calls and leaves Nagle on, so the
# payload waits for our ACK of the length, which Linux delays by 40 ms: 14 APDUs took 0.8 s.
# Acking at once (re-armed before every recv, the flag does not stick) makes it 4 ms.
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        try:
            if _QUICKACK is not None:
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            chunk = sock.recv(size - len(buf))
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def main(argv: list[str] | None = None) -> None:
    """Insert a synthetic card into vpcd until interrupted (for the demo and by hand)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--holder", default=FIXTURES[0].name, help="fixture name")
    parser.add_argument("--port", type=int, default=VPCD_PORT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    with VirtualCard(fixture_by_name(args.holder), port=args.port) as card:
        log.info("virtual_card_inserted port=%d", args.port)
        with contextlib.suppress(KeyboardInterrupt):
            while card.inserted:
                time.sleep(0.5)


if __name__ == "__main__":
    main()
