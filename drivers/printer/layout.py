"""Receipt text for a Chinese thermal printer: what may be printed, how wide it is, wrapping.

Width rule: in Kanji mode every character the codec turns into a 2- or 4-byte sequence is
drawn from the 24 x 24 dot GB font, a full-width cell of two Font A columns. That covers
everything `unicodedata.east_asian_width` calls W or F (hanzi, full-width punctuation such
as "：" and "￥") and also the ambiguous (A) ones like "·", "—" and "①" that a terminal
would draw narrow. Only ASCII is one column.
"""

from __future__ import annotations

import unicodedata

from drivers.printer.errors import ReceiptEncodingError

# Substitutes applied before encoding, kept small on purpose: each is a character people
# type that the GB font lacks but has an unambiguous look-alike for. "¥" U+00A5 is not in GBK
# and its GB18030 form is a 4-byte sequence most printers print as garbage, while "￥"
# U+FFE5 is the yuan sign Chinese readers expect. Any other unprintable character is an
# error instead of a silent "?": a receipt is a record (names, amounts, dates) and a quietly
# altered character can make it wrong; the kiosk then offers the on-screen QR receipt.
SUBSTITUTES: dict[str, str] = {
    "\u00a5": "\uffe5",  # ¥ -> ￥
    "\u00a0": " ",  # no-break space, often pasted from web pages
}


def char_width(ch: str) -> int:
    """Columns (Font A) one character occupies on the printer: 1 for ASCII, else 2."""
    return 1 if ord(ch) < 0x80 else 2


def display_width(text: str) -> int:
    """Columns (Font A) a string occupies on the printer."""
    return sum(char_width(ch) for ch in text)


def prepare_text(text: str, codec: str, *, block_index: int) -> str:
    """Apply SUBSTITUTES and check every character prints with `codec`, else raise."""
    out = "".join(SUBSTITUTES.get(ch, ch) for ch in text)
    for ch in out:
        if unicodedata.category(ch).startswith("C"):
            # Control and format characters would reach the printer as commands
            # (ESC, LF, ...) or as nothing at all.
            raise ReceiptEncodingError(
                f"block {block_index}: control or format character U+{ord(ch):04X}",
                block_index=block_index,
                char=ch,
            )
        if ord(ch) < 0x80:
            continue
        try:
            encoded = ch.encode(codec)
        except UnicodeEncodeError:
            raise ReceiptEncodingError(
                f"block {block_index}: U+{ord(ch):04X} is not printable with {codec}",
                block_index=block_index,
                char=ch,
            ) from None
        if len(encoded) == 1:
            # cp936-style single high bytes (0x80 for the euro sign) are not GB characters
            # and Kanji mode would read them as the start of a 2-byte sequence.
            raise ReceiptEncodingError(
                f"block {block_index}: U+{ord(ch):04X} has no GB double-byte form",
                block_index=block_index,
                char=ch,
            )
        if len(encoded) == 4 and not _is_rare_hanzi(ch):
            # GB18030 printer fonts add CJK extension ideographs (rare name characters)
            # in the 4-byte area, not emoji or other scripts that also encode there.
            raise ReceiptEncodingError(
                f"block {block_index}: U+{ord(ch):04X} has no glyph in GB18030 printer fonts",
                block_index=block_index,
                char=ch,
            )
    return out


def _is_rare_hanzi(ch: str) -> bool:
    code = ord(ch)
    return 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x3134F


def encode_text(text: str, codec: str) -> bytes:
    """Encode text already checked by prepare_text."""
    return text.encode(codec)


def wrap(text: str, columns: int) -> list[str]:
    """Split text into rows of at most `columns`, breaking ASCII words at spaces if possible."""
    if columns < 2:
        raise ValueError("need at least 2 columns to hold one Chinese character")
    rows: list[str] = []
    row = ""
    for ch in text:
        if display_width(row) + char_width(ch) > columns:
            cut = row.rfind(" ")
            if ch != " " and ch.isascii() and row[-1:].isascii() and cut > 0:
                # Keep an ASCII word whole: move it to the next row.
                rows.append(row[:cut].rstrip())
                row = row[cut + 1 :]
            else:
                rows.append(row.rstrip())
                row = ""
            if ch == " " and not row:
                continue
        row += ch
    rows.append(row.rstrip())
    return rows


def key_value_rows(key: str, value: str, columns: int) -> list[str]:
    """Key at the left margin, value flush right; too long for one row: value below, right."""
    gap = columns - display_width(key) - display_width(value)
    if gap >= 1:
        return [key + " " * gap + value]
    rows = wrap(key, columns)
    for part in wrap(value, columns):
        rows.append(" " * (columns - display_width(part)) + part)
    return rows
