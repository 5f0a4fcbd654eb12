"""Card data built the way a card stores it, for the simulator and tests: text blocks, reply
data, appended addresses (the layouts are drivers/idcard/card.py's)."""

from __future__ import annotations

from collections.abc import Mapping

from drivers.idcard.card import (
    ADDRESS_RECORD_SIZE,
    FLAG_FIELD,
    LAYOUTS,
    TEXT_SIZE,
    CardType,
    flag_of,
)

_SPACE = " ".encode("utf-16-le")  # a card pads its text fields with UTF-16 spaces


def _padded(encoded: bytes, width: int) -> bytes:
    return encoded + _SPACE * ((width - len(encoded)) // 2)


def _put(text: str, width: int, name: str) -> bytes:
    encoded = text.encode("utf-16-le")
    if len(encoded) > width:
        raise ValueError(f"{name} needs {len(encoded)} bytes, the field has {width}")
    return _padded(encoded, width)


def encode_block(
    card_type: CardType, values: Mapping[str, str], *, flag: str | None = None
) -> bytes:
    """Build a 256-byte text block the way a card of `card_type` stores it.

    Values are written as given, unchecked, so tests can build broken cards too; `flag`
    overrides the type's own flag (for cards of an unknown type).
    """
    layout = LAYOUTS[card_type]
    unknown = set(values) - {item.name for item in layout}
    if unknown:
        raise ValueError(f"{card_type} has no field {sorted(unknown)}")
    block = bytearray(_SPACE * (TEXT_SIZE // 2))
    rest = {name: text.encode("utf-16-le") for name, text in values.items()}
    for item in layout:
        encoded = rest.get(item.name, b"")
        chunk, rest[item.name] = encoded[: item.width], encoded[item.width :]
        block[item.offset : item.offset + item.width] = chunk + _SPACE * (
            (item.width - len(chunk)) // 2
        )
    overflow = sorted(name for name, encoded in rest.items() if encoded)
    if overflow:
        raise ValueError(f"{overflow} do not fit their fields")
    block[FLAG_FIELD.offset : FLAG_FIELD.offset + FLAG_FIELD.width] = _put(
        flag_of(card_type) if flag is None else flag, FLAG_FIELD.width, FLAG_FIELD.name
    )
    return bytes(block)


def build_blocks(*blocks: bytes) -> bytes:
    """Build reply data: each block's length (2 bytes, big-endian), then the blocks."""
    return b"".join(len(b).to_bytes(2, "big") for b in blocks) + b"".join(blocks)


def build_appended_address(records: tuple[str, ...]) -> bytes:
    """Build the data of a 30 03 reply from address records."""
    return b"".join(_put(r, ADDRESS_RECORD_SIZE, "appended_address") for r in records)
