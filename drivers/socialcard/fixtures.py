"""Synthetic social security cardholders for the virtual card, the demo and tests.

Every person here is invented (the names say 测试), the region codes are real GB/T 2260
codes valid in the birth year, and each ID number's check character is computed by pii/,
never typed. Card numbers start with T (test) and are not in any issuer's range. The
records a card sends are built from these values by `ssse.encode_value`, never copied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pii.idnumber import make_id_number


@dataclass(frozen=True)
class SocialCardFixture:
    """The clear values stored on one synthetic card (test data, not a person)."""

    name: str
    card_number: str
    id_number: str
    sex_code: str  # GB/T 2261.1
    nation_code: str  # GB 3304
    birth_date: dt.date

    def values(self) -> dict[str, str | dt.date]:
        """The value of each `ssse.RECORDS` field, as the card stores it before encoding."""
        return {
            "card_number": self.card_number,
            "id_number": self.id_number,
            "name": self.name,
            "sex": self.sex_code,
            "nation": self.nation_code,
            "birth_date": self.birth_date,
        }

    def __repr__(self) -> str:
        return f"SocialCardFixture(name={self.name!r})"


_JIA_BIRTH = dt.date(1990, 3, 7)
_YI_BIRTH = dt.date(1960, 5, 15)
_BING_BIRTH = dt.date(2008, 2, 29)

FIXTURES: tuple[SocialCardFixture, ...] = (
    # Male, so an odd sequence number.
    SocialCardFixture(
        name="测试甲",
        card_number="T00000001",
        id_number=make_id_number("110105", _JIA_BIRTH, 1),
        sex_code="1",
        nation_code="01",
        birth_date=_JIA_BIRTH,
    ),
    # Female, even sequence number; nation 08 (壮).
    SocialCardFixture(
        name="测试乙",
        card_number="T00000002",
        id_number=make_id_number("110102", _YI_BIRTH, 2),
        sex_code="2",
        nation_code="08",
        birth_date=_YI_BIRTH,
    ),
    # A name that fills all 30 GBK bytes (no NUL padding), middle dots included; born on a
    # leap day; sequence 019 gives the check character X.
    SocialCardFixture(
        name="测试·阿卜杜热依木江·买买提江",
        card_number="T0000003X",
        id_number=make_id_number("650102", _BING_BIRTH, 19),
        sex_code="1",
        nation_code="05",
        birth_date=_BING_BIRTH,
    ),
)


def fixture_by_name(name: str) -> SocialCardFixture:
    """Return the fixture whose name is `name`; KeyError lists the known names."""
    for fixture in FIXTURES:
        if fixture.name == name:
            return fixture
    raise KeyError(f"no social card fixture named {name!r}; known: {[f.name for f in FIXTURES]}")
