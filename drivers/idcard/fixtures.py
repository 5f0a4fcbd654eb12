"""Synthetic cards of all four types for the simulator, the demo and tests.

Every person here is invented (the names say 测试 / TEST), region codes are real GB/T 2260
codes valid in the birth year, and every check character is computed by pii/, never
typed. Frames are built from these values by card.py, never copied from a capture. The
first fixture is a resident ID card: the demo and the kiosk tests tap it by default.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from drivers.idcard.card import (
    CARD_TYPE_FLAGS,
    FINGERPRINT_SIZE,
    LAYOUTS,
    LONG_TERM,
    PHOTO_SIZE,
    CardType,
)
from drivers.idcard.card_build import build_appended_address, build_blocks, encode_block
from pii.idnumber import check_character, make_id_number


def synthetic_bytes(seed: str, size: int) -> bytes:
    """Return `size` deterministic bytes derived from `seed` (not an image, not a print)."""
    out = b""
    block = seed.encode("utf-8")
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:size]


def placeholder_photo(seed: str) -> bytes:
    """Return 1024 deterministic bytes standing in for a wlt photo (not a decodable image)."""
    return synthetic_bytes(seed, PHOTO_SIZE)


def placeholder_fingerprint(seed: str) -> bytes:
    """Return 1024 deterministic bytes standing in for two fingerprint templates."""
    return synthetic_bytes("fingerprint:" + seed, FINGERPRINT_SIZE)


def make_foreigner_2023_number(place: str, country: str, birth_date: dt.date, seq: int) -> str:
    """Return a 2023 permanent residence number: 9, place, country code, birth date, check."""
    first17 = f"9{place}{country}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def make_foreigner_2017_number(nationality: str, place: str, birth_date: dt.date) -> str:
    """Return a 2017 card number: 3 letters and 12 digits (inner structure [unverified])."""
    return f"{nationality}{place}{birth_date:%y%m%d}0001"


@dataclass(frozen=True, kw_only=True)
class IdCardFixture:
    """The clear values printed on one synthetic card (test data, not a person).

    `name` is the Chinese name (unique, used by `fixture_by_name`); fields a card type
    does not have are left at their defaults and never written.
    """

    name: str
    gender_code: str
    birth_date: dt.date
    id_number: str
    valid_from: dt.date
    valid_to: dt.date | None
    photo: bytes
    nation_code: str = ""
    address: str = ""
    authority: str = ""
    flag: str = ""  # card type flag; "" is a resident ID card
    english_name: str = ""
    nationality: str = ""
    travel_permit_number: str = ""
    issue_count: int = 0
    card_version: str = ""
    authority_code: str = ""
    renewal_count: int = 0
    associated_id: str = ""
    fingerprint: bytes = b""  # empty: the card holds no fingerprints
    appended_addresses: tuple[str, ...] = ()

    @property
    def card_type(self) -> CardType:
        """The type this card's flag names (resident layout for an unknown flag)."""
        return CARD_TYPE_FLAGS.get(self.flag, CardType.RESIDENT)

    def text_values(self) -> dict[str, str]:
        """The text of every field this card type's layout has."""
        values = {
            "name": self.name,
            "gender": self.gender_code,
            "nation": self.nation_code,
            "birth_date": f"{self.birth_date:%Y%m%d}",
            "address": self.address,
            "id_number": self.id_number,
            "authority": self.authority,
            "valid_from": f"{self.valid_from:%Y%m%d}",
            "valid_to": LONG_TERM if self.valid_to is None else f"{self.valid_to:%Y%m%d}",
            "english_name": self.english_name,
            "nationality": self.nationality,
            "travel_permit_number": self.travel_permit_number,
            "issue_count": f"{self.issue_count:02d}",
            "card_version": self.card_version,
            "authority_code": self.authority_code,
            "renewal_count": f"{self.renewal_count:02d}",
            "associated_id": self.associated_id,
        }
        names = {item.name for item in LAYOUTS[self.card_type]}
        return {key: value for key, value in values.items() if key in names}

    def text_block(self) -> bytes:
        """The 256-byte text block as stored on the card."""
        return encode_block(self.card_type, self.text_values(), flag=self.flag)

    def read_reply_data(self) -> bytes:
        """The data of the reader's 30 01 reply for this card."""
        return build_blocks(self.text_block(), self.photo)

    def fingerprint_reply_data(self) -> bytes:
        """The data of the reader's 30 10 reply (fingerprint length 0 if the card has none)."""
        return build_blocks(self.text_block(), self.photo, self.fingerprint)

    def appended_address_data(self) -> bytes:
        """The data of the reader's 30 03 reply ("" when there is no appended address)."""
        return build_appended_address(self.appended_addresses)

    def __repr__(self) -> str:
        return f"IdCardFixture(name={self.name!r}, card_type={str(self.card_type)!r})"


_JIA_BIRTH = dt.date(1990, 3, 7)
_YI_BIRTH = dt.date(1960, 5, 15)
_BING_BIRTH = dt.date(2008, 2, 29)
_GANG_BIRTH = dt.date(1985, 11, 20)
_TAI_BIRTH = dt.date(1979, 1, 31)
_WAI_BIRTH = dt.date(1972, 7, 4)
_YONG_BIRTH = dt.date(1995, 12, 1)

FIXTURES: tuple[IdCardFixture, ...] = (
    # A 20-year card; male, so an odd sequence number; fingerprints on the chip.
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
        fingerprint=placeholder_fingerprint("测试甲"),
    ),
    # Issued after 46: long-term (长期); female, even sequence; a long address that has
    # moved since (an appended address on the chip).
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
        appended_addresses=("北京市海淀区样本路9号",),
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
    # A Hong Kong resident's residence permit: region 810000, no nation, a pass number.
    IdCardFixture(
        name="测试港",
        gender_code="2",
        birth_date=_GANG_BIRTH,
        address="广东省深圳市福田区示范大道6号",
        id_number=make_id_number("810000", _GANG_BIRTH, 4),
        authority="深圳市公安局福田分局",
        valid_from=dt.date(2024, 9, 1),
        valid_to=dt.date(2029, 9, 1),
        photo=placeholder_photo("测试港"),
        flag="J",
        travel_permit_number="H00000001",
        issue_count=1,
    ),
    # A Taiwan resident's residence permit, issued twice, 8-digit pass number.
    IdCardFixture(
        name="测试台",
        gender_code="1",
        birth_date=_TAI_BIRTH,
        address="福建省厦门市思明区样板路3号",
        id_number=make_id_number("830000", _TAI_BIRTH, 7),
        authority="厦门市公安局思明分局",
        valid_from=dt.date(2022, 1, 10),
        valid_to=dt.date(2027, 1, 10),
        photo=placeholder_photo("测试台"),
        flag="J",
        travel_permit_number="00000002",
        issue_count=2,
    ),
    # A 2017 foreigner's permanent residence card with a Chinese name.
    IdCardFixture(
        name="测试外",
        gender_code="1",
        birth_date=_WAI_BIRTH,
        id_number=make_foreigner_2017_number("CAN", "11", _WAI_BIRTH),
        valid_from=dt.date(2018, 5, 2),
        valid_to=dt.date(2028, 5, 2),
        photo=placeholder_photo("测试外"),
        flag="I",
        english_name="TESTER, SAMPLE EXAMPLE",
        nationality="CAN",
        card_version="01",
        authority_code="1500",
    ),
    # A 2023 foreigner's permanent residence card: an English name long enough to run
    # into its continuation field.
    IdCardFixture(
        name="测试永",
        gender_code="2",
        birth_date=_YONG_BIRTH,
        id_number=make_foreigner_2023_number("31", "250", _YONG_BIRTH, 2),
        valid_from=dt.date(2024, 1, 15),
        valid_to=dt.date(2034, 1, 15),
        photo=placeholder_photo("测试永"),
        flag="Y",
        english_name="EXAMPLE-TESTPERSON, MARIE CLAIRE ANNE SOPHIE",
        nationality="FRA",
    ),
)


def fixture_by_name(name: str) -> IdCardFixture:
    """Return the fixture whose printed name is `name`; KeyError lists the known names."""
    for fixture in FIXTURES:
        if fixture.name == name:
            return fixture
    raise KeyError(f"no ID card fixture named {name!r}; known: {[f.name for f in FIXTURES]}")
