"""The error tree: one root, a citizen-facing zh-CN message on each class."""

from __future__ import annotations

import re

import pytest

from drivers.errors import DriverError
from drivers.idcard import errors as e

CJK = re.compile(r"[\u4e00-\u9fff]")
SIMPLE = [
    e.IdCardError,
    e.NoCard,
    e.CardMoved,
    e.ReaderTimeout,
    e.ProtocolError,
    e.ReaderUnavailable,
]


@pytest.mark.parametrize("cls", SIMPLE)
def test_every_error_is_an_id_card_and_driver_error_with_a_chinese_message(
    cls: type[e.IdCardError],
) -> None:
    err = cls("log text")
    assert isinstance(err, e.IdCardError)
    assert isinstance(err, DriverError)
    assert CJK.search(err.user_message)


def test_each_failure_has_its_own_message() -> None:
    messages = [cls.user_message for cls in SIMPLE]
    messages += [
        e.CardDataError("name", "empty").user_message,
        e.UnsupportedCardType("I").user_message,
    ]
    assert len(set(messages)) == len(messages)


@pytest.mark.parametrize(
    ("status", "fixable_by_citizen"),
    [(0x81, True), (0x31, True), (0x40, True), (0x60, False), (0x66, False), (0x24, False)],
)
def test_status_errors_tell_the_citizen_whether_retrying_helps(
    status: int, fixable_by_citizen: bool
) -> None:
    err = e.ReaderStatusError(status, "select")
    assert ("重新放置" in err.user_message) is fixable_by_citizen
    assert f"0x{status:02X}" in str(err)


def test_unlisted_status_code_still_makes_a_readable_error() -> None:
    err = e.ReaderStatusError(0x55)
    assert "UNLISTED" in str(err)
    assert err.status == 0x55
