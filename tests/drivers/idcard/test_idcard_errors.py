"""The error tree: one root, a code on each class that the kiosk's catalog turns into words."""

from __future__ import annotations

import re

import pytest

from drivers.errors import DriverError
from drivers.idcard import errors as e
from drivers.idcard.protocol import Status
from kiosk.messages import for_error

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
    assert err.code.startswith("idcard.")
    assert CJK.search(for_error(err).zh)


def test_each_failure_has_its_own_code_and_message() -> None:
    errors = [cls("log text") for cls in SIMPLE]
    errors += [
        e.CardDataError("name", "empty"),
        e.UnsupportedCardType("Z"),
        e.SamFault(0x60),
        e.CardRejected(0x81),
    ]
    codes = [err.code for err in errors]
    messages = [for_error(err).zh for err in errors]
    assert len(set(codes)) == len(codes)
    assert len(set(messages)) == len(messages)


@pytest.mark.parametrize(
    ("status", "fixable_by_citizen"),
    [(0x81, True), (0x31, True), (0x40, True), (0x60, False), (0x66, False), (0x24, False)],
)
def test_status_errors_tell_the_citizen_whether_retrying_helps(
    status: int, fixable_by_citizen: bool
) -> None:
    err = e.status_error(status, "select")
    assert ("重新放置" in for_error(err).zh) is fixable_by_citizen
    assert f"0x{status:02X}" in str(err)
    assert "select" in str(err)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (Status.NO_CARD, e.NoCard),
        (Status.READ_FAILED, e.CardMoved),
        (Status.SELECT_FAILED, e.CardRejected),
        (Status.CARD_REJECTED_READER, e.CardRejected),
        (Status.READER_REJECTED_CARD, e.CardRejected),
        (Status.VERIFY_ERROR, e.CardRejected),
        (Status.WRONG_CARD_TYPE, e.CardRejected),
        (Status.GET_CHALLENGE_FAILED, e.CardRejected),
        (Status.HOST_CHECKSUM, e.CommandRejected),
        (Status.HOST_LENGTH, e.CommandRejected),
        (Status.BAD_COMMAND, e.CommandRejected),
        (Status.UNKNOWN_ERROR, e.SamFault),
        (Status.SAM_SELF_TEST_FAILED, e.SamFault),
        (Status.SAM_NOT_AUTHORISED, e.SamFault),
        (Status.NO_CONTENT, e.NoContent),
    ],
)
def test_every_error_status_of_the_fact_sheet_maps_to_a_typed_error(
    status: Status, cls: type[e.IdCardError]
) -> None:
    err = e.status_error(status, "read")
    assert type(err) is cls
    assert f"0x{status:02X}" in str(err)
    if isinstance(err, e.ReaderStatusError):
        assert (err.status, err.command) == (status, "read")


def test_every_status_but_the_two_successes_has_a_mapping() -> None:
    successes = {Status.OK, Status.CARD_FOUND}
    for status in set(Status) - successes:
        assert type(e.status_error(status)) is not e.ReaderStatusError, status.name


def test_unlisted_status_code_still_makes_a_readable_error() -> None:
    err = e.status_error(0x55)
    assert type(err) is e.ReaderStatusError
    assert "UNLISTED" in str(err)
    assert err.status == 0x55
    assert "工作人员" in for_error(err).zh


def test_every_possible_sw3_byte_makes_an_id_card_error() -> None:
    for code in range(256):
        err = e.status_error(code, "find")
        assert isinstance(err, e.IdCardError)
        assert f"0x{code:02X}" in str(err)
