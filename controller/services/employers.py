"""Employers of a county (企业用工信息): credit codes, pinyin initials, the kiosks' list.

An employer is identified within its county by its unified social credit code (统一社会信用
代码, GB 32100-2015: 18 characters, the last a checksum over the other 17, which
python-stdnum computes). Kiosks get each as `wire.EmployerItem`: name, code, region and the
pinyin initials of the name (made here with pypinyin, so the kiosk's picker can match
"szjy" to 深圳就业 without a dictionary of its own). Contact person and phone stay on the
controller.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, ValidationError

from controller.models import Employer
from wire import EmployerItem

MAX_EMPLOYERS = 200  # what one content page holds (wire.ContentPage)
_INITIAL = re.compile(r"[a-z0-9]")


class CreditCodeRefused(ValueError):
    """A unified social credit code that is malformed or whose check character is wrong."""


def check_credit_code(raw: str) -> str:
    """The code in its stored form (upper case, no spaces); CreditCodeRefused if invalid."""
    code = re.sub(r"[\s-]", "", raw).upper()
    try:
        return str(uscc.validate(code))
    except InvalidChecksum as err:
        expected = uscc.calc_check_digit(code[:17])
        raise CreditCodeRefused(
            f"{code}: the check character is {code[17]}, the first 17 characters give {expected}"
        ) from err
    except ValidationError as err:
        raise CreditCodeRefused(
            f"{code or '(empty)'}: 18 characters of 0-9 and A-Z without I, O, S, V, Z"
        ) from err


def initials(name: str) -> str:
    """Pinyin initials of a name, lower-case: 深圳就业 -> "szjy"; letters and digits kept."""
    first_letters = lazy_pinyin(name, style=Style.FIRST_LETTER)
    letters = "".join(part.lower() for part in first_letters)
    return "".join(_INITIAL.findall(letters))[:64]


def as_item(employer: Employer) -> EmployerItem:
    """What a kiosk gets of an employer: no contact data."""
    return EmployerItem(
        id=employer.code,
        name=employer.name,
        credit_code=employer.credit_code,
        region_code=employer.region_code,
        initials=employer.initials,
    )


def employers_for(session: Session, regions: list[str]) -> list[EmployerItem]:
    """The employers of the counties in `regions`, by initials (the picker's order)."""
    found = (
        select(Employer)
        .where(Employer.region_code.in_(regions))
        .order_by(Employer.initials, Employer.id)
        .limit(MAX_EMPLOYERS)
    )
    return [as_item(employer) for employer in session.scalars(found)]
