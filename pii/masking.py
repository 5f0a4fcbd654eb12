"""Masking for screens, receipts and logs: one rule each, used everywhere."""

from __future__ import annotations

import re

# 18-character ID numbers anywhere in free text (logs, frame dumps).
_ID_IN_TEXT = re.compile(r"(?<![0-9])[1-9]\d{16}[\dXx](?![0-9])")


def mask_id_number(number: str) -> str:
    """Keep the first 3 and last 4 characters: region and birth date stay hidden."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_name(name: str) -> str:
    """Keep the surname character only: 张三丰 -> 张**."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(number: str) -> str:
    """Keep the first 3 and last 4 digits: 138****5678."""
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def redact_id_numbers(text: str) -> str:
    """Mask every ID number found in free text."""
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
