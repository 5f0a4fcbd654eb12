"""Synthetic resident ID cards for the simulator, the demo and tests.

Every person here is invented (the names say 测试), the region codes are real GB/T 2260
codes valid in the birth year, and each check character is computed by pii/, never typed.
Frames are built from these values by card.py, never copied from a capture.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from drivers.idcard.card import PHOTO_SIZE, build_read_reply, encode_text
from pii.idnumber import check_character


def placeholder_photo(seed: str) -> bytes:
    """Return 1024 deterministic bytes standing in for a wlt photo (not a decodable image)."""
    out = b""
    block = seed.encode("utf-8")
    while len(out) < PHOTO_SIZE:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:PHOTO_SIZE]


def make_id_number(region: str, birth_date: dt.date, sequence: int) -> str:
    """Return an 18-character ID number with its check character computed."""
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class IdCardFixture:
    """The clear values printed on one synthetic card (test data, not a person)."""

    name: str
    gender_code: str
    nation_code: str
    birth_date: dt.date
    address: str
    id_number: str
    authority: str
    valid_from: dt.date
    valid_to: dt.date | None
    photo: bytes
    flag: str = ""  # card type flag; "" is a resident ID card

    def text_block(self) -> bytes:
        """The 256-byte text block as stored on the card."""
        return encode_text(
            name=self.name,
            gender_code=self.gender_code,
            nation_code=self.nation_code,
            birth_date=self.birth_date,
            address=self.address,
            id_number=self.id_number,
            authority=self.authority,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            flag=self.flag,
        )

    def read_reply_data(self) -> bytes:
        """The data of the reader's 30 01 reply for this card."""
        return build_read_reply(self.text_block(), self.photo)

    def __repr__(self) -> str:
        return f"IdCardFixture(name={self.name!r})"


_JIA_BIRTH = dt.date(1990, 3, 7)
_YI_BIRTH = dt.date(1960, 5, 15)
_BING_BIRTH = dt.date(2008, 2, 29)

FIXTURES: tuple[IdCardFixture, ...] = (
    # A 20-year card; male, so an odd sequence number.
    IdCardFixture(
        name="测试甲",
        gender_code="1",
        nation_code="01",
        birth_date=_JIA_BIRTH,
        address="北京市朝阳区测试路1号",
        id_number=make_id_number("110105", _JIA_BIRTH, 1),
        authority="北京市公安局朝阳分局",
        valid_from=dt.date(2015, 6, 1),
        valid_to=dt.date(2035, 6, 1),
        photo=placeholder_photo("测试甲"),
    ),
    # Issued after 46: long-term (长期); female, even sequence; a long address.
    IdCardFixture(
        name="测试乙",
        gender_code="2",
        nation_code="08",
        birth_date=_YI_BIRTH,
        address="北京市西城区示例胡同2号院3号楼4单元501室",
        id_number=make_id_number("110102", _YI_BIRTH, 2),
        authority="北京市公安局西城分局",
        valid_from=dt.date(2010, 8, 1),
        valid_to=None,
        photo=placeholder_photo("测试乙"),
    ),
    # Born on a leap day, a 5-year card for a minor; sequence 019 gives check character X.
    IdCardFixture(
        name="测试·虚构丙",
        gender_code="1",
        nation_code="05",
        birth_date=_BING_BIRTH,
        address="新疆乌鲁木齐市天山区样例街道88号",
        id_number=make_id_number("650102", _BING_BIRTH, 19),
        authority="乌鲁木齐市公安局天山区分局",
        valid_from=dt.date(2023, 3, 1),
        valid_to=dt.date(2028, 3, 1),
        photo=placeholder_photo("测试·虚构丙"),
    ),
)


def fixture_by_name(name: str) -> IdCardFixture:
    """Return the fixture whose printed name is `name`; KeyError lists the known names."""
    for fixture in FIXTURES:
        if fixture.name == name:
            return fixture
    raise KeyError(f"no ID card fixture named {name!r}; known: {[f.name for f in FIXTURES]}")
