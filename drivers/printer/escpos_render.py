"""Receipt -> ESC/POS bytes for one printer profile.

python-escpos's `Dummy` printer encodes the standard commands (ESC @, ESC a, ESC E, GS !,
GS ( k, GS v 0, ESC d, GS V) and records the bytes. Text does not go through its `text()`:
that sends any string with a CJK ideograph as GB18030 without entering Kanji mode, turns
strings of full-width punctuation into "?", and may insert code-page switches. Each text row
is written raw instead:

    [FS &]  row encoded with the profile codec  [FS .]  LF      (FS & / FS . only if non-ASCII)

Titles are enlarged with GS ! 0x11: many Chinese printers ignore ESC ! double size for
Kanji. Sizes are reset with GS ! 0x00 as well, because python-escpos's "normal size" is
ESC ! 0, which on those printers leaves Kanji at double size.
"""

from __future__ import annotations

import math
import re
from typing import Any

import qrcode
import qrcode.constants
from qrcode.exceptions import DataOverflowError

from drivers.printer.errors import ReceiptEncodingError, UnmaskedPersonalData
from drivers.printer.layout import encode_text, key_value_rows, prepare_text, wrap
from drivers.printer.profiles import PrinterProfile
from drivers.printer.receipt import (
    Block,
    Cut,
    Feed,
    KeyValue,
    Line,
    QrCode,
    Receipt,
    Rule,
    Title,
)
from pii import InvalidIdNumber, validate_id_number

FS_KANJI_ON = b"\x1c\x26"  # FS &
FS_KANJI_OFF = b"\x1c\x2e"  # FS .
LF = b"\n"

# Quiet zone around a QR code, in modules (ISO/IEC 18004 asks for 4).
QR_QUIET_MODULES = 4
# Below 3 dots (0.375 mm at 203 dpi) per module phone cameras stop reading thermal prints.
QR_MIN_MODULE_DOTS = 3
# Default line feed is about 30 dots (1/6 inch): used to give native QR codes a quiet zone.
LINE_DOTS = 30
QR_ECLEVEL_M = 1  # python-escpos escpos.constants.QR_ECLEVEL_M; ESC/POS sends 48 + 1

_CLEAR_ID_CANDIDATE = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


def render(receipt: Receipt, profile: PrinterProfile) -> bytes:
    """Return the ESC/POS bytes that print `receipt` on a printer described by `profile`."""
    _refuse_clear_id_numbers(receipt)
    printer = _new_dummy(profile)
    printer.hw("INIT")  # ESC @: clears modes a previous, interrupted job may have left
    blocks = receipt.blocks
    if not blocks or not isinstance(blocks[-1], Cut):
        # A kiosk receipt always ends cut (or fed past the tear bar): the citizen cannot
        # reach into the housing to tear it off.
        blocks = (*blocks, Cut())
    for index, block in enumerate(blocks):
        _render_block(printer, block, index, profile)
    data: bytes = printer.output
    return data


def _render_block(printer: Any, block: Block, index: int, profile: PrinterProfile) -> None:
    codec = profile.codec
    if isinstance(block, Title):
        text = prepare_text(block.text, codec, block_index=index)
        printer.set(align="center", bold=True, custom_size=True, width=2, height=2)
        for row in wrap(text, profile.columns // 2):
            _text_row(printer, row, codec)
        printer.set(align="left", bold=False, custom_size=True, width=1, height=1)
    elif isinstance(block, Line):
        text = prepare_text(block.text, codec, block_index=index)
        printer.set(align=block.align)
        for row in wrap(text, profile.columns):
            _text_row(printer, row, codec)
        if block.align != "left":
            printer.set(align="left")
    elif isinstance(block, KeyValue):
        key = prepare_text(block.key, codec, block_index=index)
        value = prepare_text(block.value, codec, block_index=index)
        for row in key_value_rows(key, value, profile.columns):
            _text_row(printer, row, codec)
    elif isinstance(block, Rule):
        _text_row(printer, "-" * profile.columns, codec)
    elif isinstance(block, QrCode):
        _render_qr(printer, block, index, profile)
    elif isinstance(block, Feed):
        if block.lines:
            printer.print_and_feed(block.lines)
    elif isinstance(block, Cut):
        # With the cutter feature off in the escpos profile this is only ESC d 6, which
        # brings the last line past the tear bar.
        printer.cut()
    else:  # pragma: no cover - the Block union is closed
        raise TypeError(f"not a receipt block: {type(block).__name__}")


def _text_row(printer: Any, row: str, codec: str) -> None:
    data = encode_text(row, codec)
    if data.isascii():
        printer._raw(data + LF)
    else:
        printer._raw(FS_KANJI_ON + data + FS_KANJI_OFF + LF)


def _render_qr(printer: Any, block: QrCode, index: int, profile: PrinterProfile) -> None:
    size, qr = _fit_qr(block, index, profile)
    printer.set(align="center")
    if profile.native_qr:
        # The printer draws no quiet zone: blank lines above and below give it one.
        quiet_lines = math.ceil(QR_QUIET_MODULES * size / LINE_DOTS)
        printer.print_and_feed(quiet_lines)
        printer.qr(block.data, ec=QR_ECLEVEL_M, size=size, native=True)
        printer.print_and_feed(quiet_lines)
    else:
        # The raster carries its own quiet zone (border). It is not padded to the paper
        # width (python-escpos `center=True`): that would make it 576 dots wide, about
        # 16 KB instead of 3-5 KB, slow on a 9600-baud serial printer. ESC a 1 centres it.
        image = qr.make_image(fill_color="black", back_color="white").get_image()
        printer.image(image.convert("RGB"), impl="bitImageRaster", center=False)
    printer.set(align="left")


def _fit_qr(block: QrCode, index: int, profile: PrinterProfile) -> tuple[int, Any]:
    """Largest module size <= block.size whose code and quiet zone fit the paper.

    Only the version (hence the module count) is needed to choose the size, and finding it
    is cheap; building the matrix (8 mask patterns scored) is 90 % of a receipt's render
    time, so it is done only for a raster QR, which draws the matrix itself. For a native
    QR the version assumes byte mode throughout, the largest any firmware encoding of the
    data yields: the printer never draws a bigger code than the size was chosen for.
    """
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=QR_QUIET_MODULES,
    )
    try:
        qr.add_data(block.data.encode("utf-8"), optimize=0 if profile.native_qr else 20)
        modules = 17 + 4 * qr.best_fit()
        if not profile.native_qr:
            qr.make(fit=True)
    except DataOverflowError as err:
        raise ReceiptEncodingError(
            f"block {index}: QR data too long for any QR version", block_index=index
        ) from err
    span = modules + 2 * QR_QUIET_MODULES
    size = min(block.size, profile.dots_width // span)
    if size < QR_MIN_MODULE_DOTS:
        raise ReceiptEncodingError(
            f"block {index}: QR code of {modules} modules does not fit "
            f"{profile.dots_width} dots at a readable size",
            block_index=index,
        )
    qr.box_size = size
    return size, qr


def _new_dummy(profile: PrinterProfile) -> Any:
    """A python-escpos recording printer with our paper width and cutter."""
    # Imported here, not at module level: importing python-escpos calls
    # logging.basicConfig() and makes a temporary directory, which must not happen when
    # the kiosk (or the simulator, which only decodes) merely imports drivers.printer.
    from escpos.capabilities import Profile as EscposProfile
    from escpos.printer import Dummy

    escpos_profile = EscposProfile(
        columns=profile.columns,
        features={
            "paperFullCut": profile.cutter,
            "paperPartCut": False,
            "qrCode": profile.native_qr,
            "bitImageRaster": True,
            "highDensity": True,
        },
    )
    # Copy, never mutate: profile_data is shared by every python-escpos default profile.
    # Giving the width in pixels lets image() reject a too-wide image and stops it
    # printing a warning to stdout.
    data = dict(EscposProfile.profile_data)
    data["media"] = {
        "dpi": 203,
        "width": {"mm": profile.paper_width_mm, "pixels": profile.dots_width},
    }
    escpos_profile.profile_data = data
    return Dummy(profile=escpos_profile)


def _block_texts(block: Block) -> tuple[str, ...]:
    if isinstance(block, Title | Line):
        return (block.text,)
    if isinstance(block, KeyValue):
        return (block.key, block.value)
    if isinstance(block, QrCode):
        return (block.data,)
    return ()


def _refuse_clear_id_numbers(receipt: Receipt) -> None:
    """Last guard before paper: a valid ID number in clear means a caller forgot to mask."""
    for index, block in enumerate(receipt.blocks):
        for text in _block_texts(block):
            for match in _CLEAR_ID_CANDIDATE.finditer(text):
                try:
                    validate_id_number(match.group(0))
                except InvalidIdNumber:
                    continue  # an order number or similar, not an ID number
                raise UnmaskedPersonalData(
                    f"block {index} holds an unmasked ID number", block_index=index
                )
