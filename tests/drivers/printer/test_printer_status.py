"""DLE EOT n: request bytes, reply byte tables, malformed replies are unknown, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.printer.protocol import (
    STATUS_QUERIES,
    UNKNOWN_STATUS,
    PrinterState,
    decode_status,
    status_request,
    valid_reply,
)

HEALTHY = {1: b"\x12", 2: b"\x12", 3: b"\x12", 4: b"\x12"}


def with_reply(n: int, reply: bytes) -> dict[int, bytes]:
    return {**HEALTHY, n: reply}


@pytest.mark.parametrize(("n", "expected"), [(1, "10 04 01"), (2, "10 04 02"), (4, "10 04 04")])
def test_status_request_is_dle_eot_n(n: int, expected: str) -> None:
    assert status_request(n) == bytes.fromhex(expected)


@pytest.mark.parametrize("n", [0, 5, 0x31])
def test_status_request_outside_1_to_4_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match="1..4"):
        status_request(n)


# (replies n=1..4, state, facts that must hold)
STATE_TABLE = [
    ("12 12 12 12", PrinterState.READY, {"online": True, "paper_out": False}),
    ("12 12 12 1E", PrinterState.READY, {"paper_near_end": True, "paper_out": False}),
    ("1A 32 12 7E", PrinterState.PAPER_OUT, {"online": False, "paper_near_end": True}),
    # The two bytes docs/hardware.md gives for paper out, the others healthy.
    ("1A 12 12 7E", PrinterState.PAPER_OUT, {"paper_out": True}),
    ("1A 32 12 12", PrinterState.PAPER_OUT, {"paper_out": True}),  # stopped by paper end
    ("1A 16 12 12", PrinterState.COVER_OPEN, {"cover_open": True, "online": False}),
    ("1A 52 1A 12", PrinterState.ERROR, {"cutter_error": True}),
    ("1A 52 32 12", PrinterState.ERROR, {"unrecoverable_error": True}),
    ("1A 52 52 12", PrinterState.ERROR, {"auto_recoverable_error": True}),
    ("1A 12 12 12", PrinterState.OFFLINE, {"online": False, "cover_open": False}),
    ("3A 12 12 12", PrinterState.OFFLINE, {"online": False}),  # waiting for recovery
]


@pytest.mark.parametrize(("replies", "state", "facts"), STATE_TABLE)
def test_status_byte_table(replies: str, state: PrinterState, facts: dict[str, bool]) -> None:
    raw = bytes.fromhex(replies)
    status = decode_status({n: raw[n - 1 : n] for n in STATUS_QUERIES})
    assert status.state is state
    assert status.replies == tuple(raw)
    for name, value in facts.items():
        assert getattr(status, name) is value, name


@pytest.mark.parametrize(
    ("reply", "near_end", "out"),
    [("16", True, False), ("1A", True, False), ("32", False, True), ("52", False, True)],
)
def test_one_bit_of_a_sensor_pair_counts_as_set(reply: str, near_end: bool, out: bool) -> None:
    status = decode_status(with_reply(4, bytes.fromhex(reply)))
    assert (status.paper_near_end, status.paper_out) == (near_end, out)


@pytest.mark.parametrize(
    "reply",
    [
        b"",  # silence: python-escpos 3.1 calls this "paper adequate"
        b"\x12\x12",  # two bytes for one query
        b"\x13",  # bit 0 set
        b"\x10",  # bit 1 clear
        b"\x02",  # bit 4 clear
        b"\x92",  # bit 7 set
        b"\x00",
        b"\xff",
    ],
    ids=["empty", "two-bytes", "bit0", "bit1", "bit4", "bit7", "00", "FF"],
)
def test_malformed_or_empty_paper_reply_is_unknown_never_paper_ok(reply: bytes) -> None:
    assert valid_reply(reply) is None
    status = decode_status(with_reply(4, reply))
    assert status.paper_out is None
    assert status.paper_near_end is None
    assert status.state is PrinterState.UNKNOWN
    assert not status.ready
    assert "no valid reply to DLE EOT 4" in status.describe()


def test_malformed_reply_still_lets_a_known_fault_through() -> None:
    status = decode_status(with_reply(1, b"\xff") | {4: b"\x7e"})
    assert status.online is None
    assert status.state is PrinterState.PAPER_OUT


def test_no_replies_at_all_is_unknown() -> None:
    assert decode_status({}) == UNKNOWN_STATUS
    assert UNKNOWN_STATUS.state is PrinterState.UNKNOWN
    assert UNKNOWN_STATUS.describe() == "unknown (no valid reply to DLE EOT 1,2,3,4)"


def test_describe_names_paper_near_end() -> None:
    assert decode_status(with_reply(4, b"\x1e")).describe() == "ready, paper near end"


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(STATUS_QUERIES), st.binary(max_size=3)))
def test_fuzz_decoder_never_raises_and_ready_needs_four_valid_replies(
    replies: dict[int, bytes],
) -> None:
    status = decode_status(replies)
    valid = [valid_reply(replies.get(n, b"")) for n in STATUS_QUERIES]
    assert status.replies == tuple(valid)
    if status.ready:
        assert all(v is not None for v in valid)
        assert status.paper_out is False
        assert status.online is True


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(STATUS_QUERIES), st.integers(0, 255))
def test_fuzz_a_byte_with_wrong_fixed_bits_is_never_read(n: int, byte: int) -> None:
    status = decode_status(with_reply(n, bytes([byte])))
    fixed_ok = byte & 0b1001_0011 == 0b0001_0010
    assert (status.replies[n - 1] is not None) == fixed_ok
    if not fixed_ok:
        assert status.state is PrinterState.UNKNOWN
