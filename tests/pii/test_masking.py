from __future__ import annotations

import pytest

from pii import (
    InvalidPhone,
    mask_id_number,
    mask_name,
    mask_phone,
    redact_id_numbers,
    validate_mobile,
)


def test_id_number_mask_hides_region_and_birth_date() -> None:
    assert mask_id_number("11010519491231002X") == "110***********002X"


def test_name_mask_keeps_the_surname() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "李*"


def test_phone_mask() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_id_numbers_in_free_text_are_redacted() -> None:
    line = "read card id=11010519491231002X ok; serial 1234"
    assert redact_id_numbers(line) == "read card id=110***********002X ok; serial 1234"


@pytest.mark.parametrize("raw", ["138 1234 5678", "+8613812345678", "138-1234-5678"])
def test_mobile_numbers_are_normalised(raw: str) -> None:
    assert validate_mobile(raw) == "13812345678"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("1381234567", "length"), ("12812345678", "prefix"), ("138abc45678", "format")],
)
def test_bad_mobile_numbers_are_rejected(raw: str, reason: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        validate_mobile(raw)
    assert caught.value.reason == reason


def test_fullwidth_digits_are_not_a_mobile_number() -> None:
    with pytest.raises(InvalidPhone):
        validate_mobile("１３８１２３４５６７８")
