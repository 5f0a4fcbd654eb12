"""ESC/POS bytes -> what a Chinese thermal printer would put on paper (standard mode only).

The interpreter is sans-IO: `EscPosDecoder.feed(bytes)` returns the items completed so far
and keeps an incomplete command for the next call (a command split across USB or serial
reads is normal); `close()` says whether the stream ended cleanly. `decode()` does both.
It is the basis of the printer simulator, so it is strict where a lenient printer would
hide a bug in what we send.

Byte stream, as understood here:

    text      20-7E (ASCII); in Kanji mode (after FS &) also GB sequences:
              81-FE 40-7E|80-FE  or (gb18030) 81-FE 30-39 81-FE 30-39
    controls  LF print line | CR, NUL ignored | HT to next 8-column stop
    commands  ESC x .. / GS x .. / FS x .. / DLE x .., each with its documented length;
              GS ( k (2D codes), GS ( x, GS v 0 (raster) and GS 8 L carry their length

Recovery: none, on purpose. Garbage before, inside or after a command raises
EscPosDecodeError with the absolute offset of the byte that made no sense:
- a control byte outside the table, or an ESC/GS/FS/DLE command we do not know: the length
  of what follows is unknown, so nothing after it can be trusted;
- a byte 80-FF outside Kanji mode: the printer would print it from its single-byte code
  page, which for our receipts means Chinese sent without FS & (python-escpos's bug);
- an invalid GB sequence in Kanji mode, a raster size out of range, page mode (ESC L);
- `close()` inside a command or a GB sequence (truncated stream).
Commands that are known but do not change the printed result (code page, density, drawer
kick, barcode) are skipped by their length; barcodes are therefore not drawn.

`decode()` stops there. An incremental consumer that must go on (the printer simulator,
which still has to answer status queries) may call `feed()` again after the error: the
byte that made no sense has been dropped, and `err.events` holds the items completed
before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.printer.errors import EscPosDecodeError
from drivers.printer.escpos_commands import (
    ALIGN_BY_PARAM,
    EC_BY_PARAM,
    ESC_SKIP,
    ESC_WITH_ONE_PARAMETER,
    FS_SKIP,
    GS_PAREN_FUNCTIONS,
    GS_SKIP,
)
from drivers.printer.printed import (
    Align,
    DecodedEvent,
    EcLevel,
    PaperCut,
    PaperFeed,
    PrintedDocument,
    PrintedImage,
    PrintedQr,
    StatusRequest,
    TextLine,
    TextRun,
)

LF, CR, HT, NUL, FF = 0x0A, 0x0D, 0x09, 0x00, 0x0C
ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
TAB_COLUMNS = 8  # default horizontal tab stops: every 8 columns (Epson power-on value)

# Raster image limits from the GS v 0 definition: 1-128 bytes per row, 1-4095 rows.
RASTER_MAX_WIDTH_BYTES = 128
RASTER_MAX_ROWS = 4095


def decode(data: bytes, codec: str = "gb18030", *, columns: int | None = None) -> PrintedDocument:
    """Interpret a complete ESC/POS byte stream; raise EscPosDecodeError on anything else."""
    decoder = EscPosDecoder(codec, columns=columns)
    events = decoder.feed(data) + decoder.close()
    return PrintedDocument(tuple(e for e in events if not isinstance(e, StatusRequest)))


class _NeedData(Exception):
    """The command at the cursor is not complete yet."""


@dataclass
class _Style:
    align: Align = "left"
    bold: bool = False
    underline: bool = False
    ank_width: int = 1
    ank_height: int = 1
    kanji_width: int = 1
    kanji_height: int = 1
    kanji_mode: bool = False
    qr_module: int = 3  # GS ( k power-on module size
    qr_ec: EcLevel = "L"
    qr_data: bytes | None = None


@dataclass
class _Cell:
    ch: str
    columns: int
    run: TextRun  # style carrier; text is filled in at flush


@dataclass
class EscPosDecoder:
    """Incremental ESC/POS interpreter; `columns` enables the printer's automatic line wrap."""

    codec: str = "gb18030"
    columns: int | None = None
    _buf: bytearray = field(default_factory=bytearray, init=False, repr=False)
    _base: int = field(default=0, init=False)  # stream offset of _buf[0]
    _style: _Style = field(default_factory=_Style, init=False)
    _cells: list[_Cell] = field(default_factory=list, init=False, repr=False)
    _line_align: Align = field(default="left", init=False)
    _out: list[DecodedEvent] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        "".encode(self.codec)  # an unknown codec fails here, not at the first Chinese line
        if self.codec.replace("-", "").lower() not in ("gb18030", "gbk"):
            raise ValueError("Kanji mode decoding supports gb18030 and gbk")

    def feed(self, data: bytes) -> list[DecodedEvent]:
        """Take more bytes; return the items and status requests they completed."""
        self._buf += data
        pos = 0
        try:
            while pos < len(self._buf):
                try:
                    pos = self._step(pos)
                except _NeedData:
                    break
        except EscPosDecodeError as err:
            # Resync point: drop up to and including the offending byte, hand over what
            # was complete before it, keep the rest for the next feed().
            skip = err.offset - self._base + 1
            del self._buf[:skip]
            self._base += skip
            err.events = list(self._take())
            raise
        del self._buf[:pos]
        self._base += pos
        return self._take()

    def close(self) -> list[DecodedEvent]:
        """End of stream: raise if it stopped inside a command, print any pending line."""
        if self._buf:
            raise EscPosDecodeError("stream ends inside a command or character", self._base)
        if self._cells:
            self._flush_line()
        return self._take()

    # -- helpers -------------------------------------------------------------------------

    def _take(self) -> list[DecodedEvent]:
        out, self._out = self._out, []
        return out

    def _need(self, pos: int, count: int) -> bytes:
        """The `count` bytes at pos, or _NeedData."""
        if pos + count > len(self._buf):
            raise _NeedData
        return bytes(self._buf[pos : pos + count])

    def _fail(self, reason: str, pos: int) -> EscPosDecodeError:
        return EscPosDecodeError(reason, self._base + pos)

    def _flush_line(self, *, wrapped: bool = False) -> None:
        runs: list[TextRun] = []
        for cell in self._cells:
            last = runs[-1] if runs else None
            if last is not None and _same_style(last, cell.run):
                runs[-1] = TextRun(
                    last.text + cell.ch,
                    last.bold,
                    last.underline,
                    last.width,
                    last.height,
                )
            else:
                runs.append(cell.run)
        # A blank line takes the alignment in force now; a line with text, the one at its start.
        align = self._line_align if self._cells else self._style.align
        self._out.append(TextLine(tuple(runs), align, wrapped))
        self._cells = []

    def _flush_pending(self) -> None:
        """Images, codes and cuts start on a fresh line: print what is buffered first."""
        if self._cells:
            self._flush_line()

    def _put_char(self, ch: str) -> None:
        style = self._style
        if ord(ch) < 0x80:
            width, height, columns = style.ank_width, style.ank_height, 1
        else:
            width, height, columns = style.kanji_width, style.kanji_height, 2
        columns *= width
        if self.columns is not None and self._cells:
            used = sum(c.columns for c in self._cells)
            if used + columns > self.columns:
                self._flush_line(wrapped=True)
        if not self._cells:
            self._line_align = style.align  # ESC a takes effect at the start of a line
        run = TextRun(ch, style.bold, style.underline, width, height)
        self._cells.append(_Cell(ch, columns, run))

    # -- the interpreter -----------------------------------------------------------------

    def _step(self, pos: int) -> int:
        byte = self._buf[pos]
        if byte == LF:
            self._flush_line()
            return pos + 1
        if byte in (CR, NUL):
            return pos + 1
        if byte == FF:
            self._flush_pending()
            return pos + 1
        if byte == HT:
            used = sum(c.columns for c in self._cells)
            for _ in range(TAB_COLUMNS - used % TAB_COLUMNS):
                self._put_char(" ")
            return pos + 1
        if byte == ESC:
            return self._esc(pos)
        if byte == GS:
            return self._gs(pos)
        if byte == FS:
            return self._fs(pos)
        if byte == DLE:
            return self._dle(pos)
        if byte < 0x20 or byte == 0x7F:
            raise self._fail(f"unknown control byte 0x{byte:02X}", pos)
        if byte < 0x80:
            self._put_char(chr(byte))
            return pos + 1
        if not self._style.kanji_mode:
            raise self._fail(f"byte 0x{byte:02X} outside Kanji mode (text needs FS & first)", pos)
        return self._kanji_char(pos)

    def _kanji_char(self, pos: int) -> int:
        lead = self._buf[pos]
        if not 0x81 <= lead <= 0xFE:
            raise self._fail(f"0x{lead:02X} cannot start a GB character", pos)
        second = self._need(pos, 2)[1]
        length = 4 if 0x30 <= second <= 0x39 else 2
        raw = self._need(pos, length)
        try:
            ch = raw.decode(self.codec)
        except UnicodeDecodeError:
            raise self._fail(f"invalid {self.codec} sequence {raw.hex(' ')}", pos) from None
        if len(ch) != 1:
            raise self._fail(f"invalid {self.codec} sequence {raw.hex(' ')}", pos)
        self._put_char(ch)
        return pos + length

    def _esc(self, pos: int) -> int:
        cmd = self._need(pos, 2)[1]
        style = self._style
        if cmd == ord("@"):
            # Initialise: buffered, unprinted data is discarded and every mode reset.
            self._cells = []
            self._style = _Style()
            return pos + 2
        if cmd in ESC_SKIP:
            self._need(pos, 2 + ESC_SKIP[cmd])
            return pos + 2 + ESC_SKIP[cmd]
        if cmd == ord("D"):
            return self._esc_tabs(pos)
        if cmd == ord("*"):
            return self._esc_bit_image(pos)
        if cmd in (ord("i"), ord("m")):
            self._flush_pending()
            self._out.append(PaperCut(partial=True))
            return pos + 2
        if cmd == ord("L"):
            raise self._fail("page mode (ESC L) is not supported", pos)
        if cmd not in ESC_WITH_ONE_PARAMETER:
            raise self._fail(f"unknown command ESC 0x{cmd:02X}", pos)
        n = self._need(pos, 3)[2]
        if cmd == ord("a"):
            if n in ALIGN_BY_PARAM:
                style.align = ALIGN_BY_PARAM[n]
        elif cmd in (ord("E"), ord("G")):
            style.bold = bool(n & 1)
        elif cmd == ord("-"):
            style.underline = n in (1, 2, 49, 50)
        elif cmd == ord("!"):
            # ESC ! sizes only ANK characters; Kanji keep their size (the reason titles
            # use GS !).
            style.ank_width = 2 if n & 0x20 else 1
            style.ank_height = 2 if n & 0x10 else 1
            style.bold = bool(n & 0x08)
            style.underline = bool(n & 0x80)
        elif cmd == ord("d"):
            # Print the buffer and feed n lines: the same as n line feeds.
            if n == 0:
                self._flush_pending()
            for _ in range(n):
                self._flush_line()
        else:  # ESC J n: print, then feed n dots
            self._flush_pending()
            self._out.append(PaperFeed(n))
        return pos + 3

    def _esc_tabs(self, pos: int) -> int:
        # ESC D n1 ... nk NUL, k <= 32
        for i in range(pos + 2, pos + 2 + 33):
            if self._need(i, 1)[0] == NUL:
                return i + 1
        raise self._fail("ESC D tab list longer than 32 positions", pos)

    def _esc_bit_image(self, pos: int) -> int:
        m, n_low, n_high = self._need(pos, 5)[2:5]
        per_column = {0: 1, 1: 1, 32: 3, 33: 3}.get(m)
        if per_column is None:
            raise self._fail(f"ESC * mode {m} unknown", pos)
        length = 5 + per_column * (n_low + 256 * n_high)
        self._need(pos, length)
        return pos + length

    def _gs(self, pos: int) -> int:
        cmd = self._need(pos, 2)[1]
        if cmd in GS_SKIP:
            self._need(pos, 2 + GS_SKIP[cmd])
            return pos + 2 + GS_SKIP[cmd]
        if cmd == ord("!"):
            n = self._need(pos, 3)[2]
            if not n & 0x88:  # out-of-range sizes are ignored by the printer
                width, height = (n >> 4) + 1, (n & 0x07) + 1
                style = self._style
                style.ank_width = style.kanji_width = width
                style.ank_height = style.kanji_height = height
            return pos + 3
        if cmd == ord("V"):
            return self._gs_cut(pos)
        if cmd == ord("v"):
            return self._gs_raster(pos)
        if cmd == ord("("):
            return self._gs_paren(pos)
        if cmd == ord("8"):
            header = self._need(pos, 7)
            if header[2] != ord("L"):
                raise self._fail("unknown command GS 8", pos)
            length = 7 + int.from_bytes(header[3:7], "little")
            self._need(pos, length)
            return pos + length
        if cmd == ord("k"):
            return self._gs_barcode(pos)
        raise self._fail(f"unknown command GS 0x{cmd:02X}", pos)

    def _gs_cut(self, pos: int) -> int:
        m = self._need(pos, 3)[2]
        if m in (0, 1, 48, 49):
            length, feed = 3, 0
        elif m in (65, 66, 97, 98, 103, 104):
            length = 4
            feed = self._need(pos, 4)[3] if m in (65, 66) else 0
        else:
            raise self._fail(f"GS V mode {m} unknown", pos)
        self._flush_pending()
        if feed:
            self._out.append(PaperFeed(feed))
        self._out.append(PaperCut(partial=m in (1, 49, 66, 98, 104)))
        return pos + length

    def _gs_raster(self, pos: int) -> int:
        header = self._need(pos, 8)
        if header[2] != ord("0"):
            raise self._fail("unknown command GS v", pos)
        mode = header[3]
        if mode not in (0, 1, 2, 3, 48, 49, 50, 51):
            raise self._fail(f"GS v 0 mode {mode} unknown", pos)
        width_bytes = header[4] + 256 * header[5]
        rows = header[6] + 256 * header[7]
        if not (1 <= width_bytes <= RASTER_MAX_WIDTH_BYTES and 1 <= rows <= RASTER_MAX_ROWS):
            raise self._fail(f"GS v 0 size {width_bytes} x {rows} out of range", pos)
        length = 8 + width_bytes * rows
        raster = self._need(pos, length)[8:]
        self._flush_pending()
        mode &= 0x03
        self._out.append(
            PrintedImage(
                width_bytes,
                rows,
                raster,
                scale_x=2 if mode & 1 else 1,
                scale_y=2 if mode & 2 else 1,
                align=self._style.align,
            )
        )
        return pos + length

    def _gs_paren(self, pos: int) -> int:
        header = self._need(pos, 5)
        function = header[2]
        if function not in GS_PAREN_FUNCTIONS:
            raise self._fail(f"unknown command GS ( 0x{function:02X}", pos)
        length = header[3] + 256 * header[4]
        body = self._need(pos, 5 + length)[5:]
        if function == ord("k"):
            self._two_d_code(body, pos)
        return pos + 5 + length

    def _two_d_code(self, body: bytes, pos: int) -> None:
        if len(body) < 2:
            raise self._fail("GS ( k without cn and fn", pos)
        cn, fn, params = body[0], body[1], body[2:]
        if cn != ord("1"):
            return  # PDF417, MaxiCode, DataMatrix...: not drawn
        style = self._style
        if fn == ord("C") and params and 1 <= params[0] <= 16:
            style.qr_module = params[0]
        elif fn == ord("E") and params and params[0] in EC_BY_PARAM:
            style.qr_ec = EC_BY_PARAM[params[0]]
        elif fn == ord("P"):
            if not params or params[0] != ord("0"):
                raise self._fail("GS ( k QR store without m = 48", pos)
            style.qr_data = params[1:]
        elif fn == ord("Q"):
            # Printing with nothing stored prints nothing.
            if style.qr_data:
                self._flush_pending()
                self._out.append(
                    PrintedQr(style.qr_data, style.qr_module, style.qr_ec, style.align)
                )
        # fn A (model) and R (size query) change nothing we draw.

    def _gs_barcode(self, pos: int) -> int:
        m = self._need(pos, 3)[2]
        if m <= 6:
            # Function A: data ends with NUL.
            for i in range(pos + 3, pos + 3 + 256):
                if self._need(i, 1)[0] == NUL:
                    return i + 1
            raise self._fail("GS k barcode data without NUL", pos)
        if 65 <= m <= 79:
            n = self._need(pos, 4)[3]
            self._need(pos, 4 + n)
            return pos + 4 + n
        raise self._fail(f"GS k barcode system {m} unknown", pos)

    def _fs(self, pos: int) -> int:
        cmd = self._need(pos, 2)[1]
        style = self._style
        if cmd == ord("&"):
            style.kanji_mode = True
            return pos + 2
        if cmd == ord("."):
            style.kanji_mode = False
            return pos + 2
        if cmd in FS_SKIP:
            self._need(pos, 2 + FS_SKIP[cmd])
            return pos + 2 + FS_SKIP[cmd]
        if cmd == ord("!"):
            n = self._need(pos, 3)[2]
            style.kanji_width = 2 if n & 0x04 else 1
            style.kanji_height = 2 if n & 0x08 else 1
            style.underline = bool(n & 0x80)
            return pos + 3
        if cmd == ord("W"):
            n = self._need(pos, 3)[2]
            style.kanji_width = style.kanji_height = 2 if n & 1 else 1
            return pos + 3
        raise self._fail(f"unknown command FS 0x{cmd:02X}", pos)

    def _dle(self, pos: int) -> int:
        cmd = self._need(pos, 2)[1]
        if cmd == 0x04:  # DLE EOT n: real-time status
            n = self._need(pos, 3)[2]
            self._out.append(StatusRequest(n))
            return pos + 3
        if cmd == 0x05:  # DLE ENQ n: real-time request
            self._need(pos, 3)
            return pos + 3
        if cmd == 0x14:  # DLE DC4 fn a b: pulse (fn 1) or power-off (fn 2)
            fn = self._need(pos, 5)[2]
            if fn not in (1, 2):
                raise self._fail(f"DLE DC4 function {fn} unknown", pos)
            return pos + 5
        raise self._fail(f"unknown command DLE 0x{cmd:02X}", pos)


def _same_style(a: TextRun, b: TextRun) -> bool:
    return (a.bold, a.underline, a.width, a.height) == (b.bold, b.underline, b.width, b.height)
