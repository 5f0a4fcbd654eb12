"""Mainland mobile numbers: 11 digits starting 13-19."""

from __future__ import annotations

import re

from pii.errors import InvalidPhone

_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def validate_mobile(raw: str) -> str:
    """Return the 11-digit mobile number (spaces, dashes and +86 removed) or raise."""
    number = re.sub(r"[\s-]", "", raw)
    if number.startswith("+86"):
        number = number[3:]
    # ASCII only: str.isdigit() also accepts "１" and "①" (typed input is NFKC-folded before).
    if not number.isascii() or not number.isdigit():
        raise InvalidPhone("format", "a mobile number has digits only")
    if len(number) != 11:
        raise InvalidPhone("length", "a mobile number has 11 digits")
    if not _MOBILE.fullmatch(number):
        raise InvalidPhone("prefix", "a mainland mobile number starts with 13 to 19")
    return number
