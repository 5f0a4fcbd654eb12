"""Card text blocks written by hand from docs/hardware.md's widths, independent of card.py's
tables, and the fixture cards the card tests read (test_idcard_card_*.py).
"""

from __future__ import annotations

import datetime as dt

from drivers.idcard.fixtures import (
    IdCardFixture,
    fixture_by_name,
)

JIA = fixture_by_name("测试甲")
YI = fixture_by_name("测试乙")
GANG = fixture_by_name("测试港")
TAI = fixture_by_name("测试台")
WAI = fixture_by_name("测试外")
YONG = fixture_by_name("测试永")


def u16(text: str, width: int, pad: str = " ") -> bytes:
    """One field written by hand: UTF-16LE, padded to its width."""
    raw = text.encode("utf-16-le")
    assert len(raw) <= width
    return raw + pad.encode("utf-16-le") * ((width - len(raw)) // 2)


def ymd(day: dt.date | None) -> str:
    """A date as the card writes it: YYYYMMDD, or 长期 (long term) for none."""
    return "长期" if day is None else f"{day:%Y%m%d}"


def hand_block(f: IdCardFixture, pad: str = " ", flag: str | None = None) -> bytes:
    """Each layout straight from the widths in docs/hardware.md, independent of card.py's tables."""
    flag = f.flag if flag is None else flag
    if f.flag == "I":
        return (
            u16(f.english_name, 120, pad)
            + u16(f.gender_code, 2, pad)
            + u16(f.id_number, 30, pad)
            + u16(f.nationality, 6, pad)
            + u16(f.name, 30, pad)
            + u16(ymd(f.valid_from), 16, pad)
            + u16(ymd(f.valid_to), 16, pad)
            + u16(ymd(f.birth_date), 16, pad)
            + u16(f.card_version, 4, pad)
            + u16(f.authority_code, 8, pad)
            + u16(flag, 2, pad)
            + u16("", 6, pad)
        )
    if f.flag == "Y":
        english = f.english_name.encode("utf-16-le")
        return (
            u16(f.name, 30, pad)
            + u16(f.gender_code, 2, pad)
            + u16(f"{f.renewal_count:02d}", 4, pad)
            + u16(ymd(f.birth_date), 16, pad)
            + u16(english[:70].decode("utf-16-le"), 70, pad)
            + u16(f.id_number, 36, pad)
            + u16("", 30, pad)
            + u16(ymd(f.valid_from), 16, pad)
            + u16(ymd(f.valid_to), 16, pad)
            + u16(english[70:].decode("utf-16-le"), 22, pad)
            + u16(f.nationality, 6, pad)
            + u16(flag, 2, pad)
            + u16(f.associated_id, 6, pad)
        )
    head = (
        u16(f.name, 30, pad)
        + u16(f.gender_code, 2, pad)
        + u16(f.nation_code, 4, pad)
        + u16(ymd(f.birth_date), 16, pad)
        + u16(f.address, 70, pad)
        + u16(f.id_number, 36, pad)
        + u16(f.authority, 30, pad)
        + u16(ymd(f.valid_from), 16, pad)
        + u16(ymd(f.valid_to), 16, pad)
    )
    if f.flag == "J":
        return (
            head
            + u16(f.travel_permit_number, 18, pad)
            + u16(f"{f.issue_count:02d}", 4, pad)
            + u16("", 6, pad)
            + u16(flag, 2, pad)
            + u16("", 6, pad)
        )
    return head + u16("", 28, pad) + u16(flag, 2, pad) + u16("", 6, pad)


def with_field(block: bytes, offset: int, width: int, text: str) -> bytes:
    """`block` with the field at `offset` (`width` bytes) rewritten to `text`."""
    out = bytearray(block)
    out[offset : offset + width] = u16(text, width)
    return bytes(out)
