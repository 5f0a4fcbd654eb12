"""The error tree: one root under DriverError, a code on each class that the kiosk's catalog
turns into words, and PC/SC return codes sorted into the class that says who was wrong."""

from __future__ import annotations

import re

import pytest
from smartcard import scard

from drivers.errors import DriverError
from drivers.socialcard import errors as e
from drivers.socialcard import pcsc
from kiosk.messages import for_error, text

CJK = re.compile(r"[\u4e00-\u9fff]")
CITIZEN_FACING = [
    e.SocialCardError,
    e.PcscUnavailable,
    e.NoReader,
    e.NoCard,
    e.CardRemoved,
    e.UnsupportedCard,
    e.ApduError,
]


@pytest.mark.parametrize("cls", CITIZEN_FACING)
def test_every_error_is_a_driver_error_with_a_chinese_message(cls: type[e.SocialCardError]) -> None:
    err = cls("log text")
    assert isinstance(err, DriverError)
    assert err.code.startswith("socialcard.")
    assert CJK.search(for_error(err).zh)


def test_each_failure_has_its_own_code_and_message() -> None:
    errors = [cls("log text") for cls in CITIZEN_FACING]
    errors += [
        e.ReaderFailure("x"),
        e.CardDataError("name", "empty"),
        e.CardStatusError(0x6A83, "record not found"),
    ]
    codes = [err.code for err in errors]
    messages = [for_error(err).zh for err in errors]
    assert len(set(codes)) == len(codes)
    assert len(set(messages)) == len(messages)


def test_no_card_tells_the_citizen_to_insert_it_and_removal_to_keep_it_in() -> None:
    assert "插入" in text(e.NoCard.code).zh
    assert "不要拔卡" in text(e.CardRemoved.code).zh
    assert "工作人员" in text(e.PcscUnavailable.code).zh


@pytest.mark.parametrize(
    ("code", "connected", "cls"),
    [
        (scard.SCARD_E_NO_SERVICE, False, e.PcscUnavailable),
        (scard.SCARD_E_SERVICE_STOPPED, False, e.PcscUnavailable),
        (scard.SCARD_F_COMM_ERROR, True, e.PcscUnavailable),
        (scard.SCARD_W_SECURITY_VIOLATION, False, e.PcscUnavailable),
        (scard.SCARD_E_NO_READERS_AVAILABLE, False, e.NoReader),
        (scard.SCARD_E_UNKNOWN_READER, False, e.NoReader),
        (scard.SCARD_E_READER_UNAVAILABLE, True, e.NoReader),
        (scard.SCARD_E_NO_SMARTCARD, False, e.NoCard),
        (scard.SCARD_W_REMOVED_CARD, False, e.NoCard),
        (scard.SCARD_W_REMOVED_CARD, True, e.CardRemoved),
        (scard.SCARD_W_UNPOWERED_CARD, True, e.CardRemoved),
        (scard.SCARD_W_UNRESPONSIVE_CARD, False, e.UnsupportedCard),
        (scard.SCARD_E_SHARING_VIOLATION, False, e.ReaderFailure),
        (scard.SCARD_E_NOT_TRANSACTED, True, e.ReaderFailure),
    ],
)
def test_pcsc_return_codes_become_the_error_that_says_who_was_wrong(
    code: int, connected: bool, cls: type[e.SocialCardError]
) -> None:
    err = pcsc.error_for(code, "SCardSomething", connected=connected)
    assert type(err) is cls
    assert f"0x{pcsc.code(code):08X}" in str(err)


def test_card_data_error_names_the_field_and_reason() -> None:
    err = e.CardDataError("birth_date", "impossible date")
    assert (err.field, err.reason) == ("birth_date", "impossible date")
    assert "birth_date" in str(err)
