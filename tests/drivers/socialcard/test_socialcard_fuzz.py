"""Random bytes into every parser: only the driver's own errors may come out.

Bounded (a few hundred examples each, no deadline) so the whole file runs in seconds.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.socialcard import apdu as a
from drivers.socialcard import ssse
from drivers.socialcard.errors import SocialCardError
from drivers.socialcard.fixtures import FIXTURES
from drivers.socialcard.virtual_card import VirtualCard

FUZZ = settings(max_examples=400, deadline=None)
replies = st.lists(st.binary(max_size=40), max_size=20)


@FUZZ
@given(st.binary(max_size=300))
def test_random_response_bytes_parse_or_raise_apdu_error(raw: bytes) -> None:
    try:
        response = a.parse_response(raw)
    except a.ApduError:
        return
    assert response.encode() == raw


@FUZZ
@given(st.binary(max_size=300))
def test_random_command_bytes_parse_to_a_command_that_encodes_back(raw: bytes) -> None:
    try:
        command = a.parse_command(raw)
    except a.ApduError:
        return
    assert command.encode() == raw


@FUZZ
@given(st.sampled_from(ssse.BASIC_DATA), replies)
def test_a_t0_exchange_fed_random_replies_ends_in_a_response_or_our_error(
    step: ssse.Select | ssse.ReadRecord, canned: list[bytes]
) -> None:
    def transmit(raw: bytes) -> bytes:
        return canned.pop(0) if canned else b"\x90\x00"

    try:
        response = a.transceive(step.command, transmit)
    except SocialCardError:
        return
    assert response.sw1 not in (0x61, 0x6C)


@FUZZ
@given(st.sampled_from(ssse.RECORDS), st.binary(max_size=40))
def test_random_record_bytes_decode_or_raise_card_data_error(
    record: ssse.ReadRecord, data: bytes
) -> None:
    try:
        value = ssse.decode_value(record, ssse.parse_record(record, data))
    except SocialCardError:
        return
    assert isinstance(value, str | dt.date)


@FUZZ
@given(st.sampled_from(ssse.RECORDS), st.binary(min_size=1, max_size=30))
def test_well_framed_records_with_random_values_decode_or_raise_card_data_error(
    record: ssse.ReadRecord, value: bytes
) -> None:
    framed = bytes((record.tag, len(value))) + value
    try:
        ssse.decode_value(record, ssse.parse_record(record, framed))
    except SocialCardError:
        return


@settings(max_examples=200, deadline=None)
@given(replies)
def test_the_whole_read_fed_random_replies_gives_a_card_or_our_error(canned: list[bytes]) -> None:
    def transmit(raw: bytes) -> bytes:
        return canned.pop(0) if canned else b"\x90\x00"

    try:
        card = ssse.read_basic_data(transmit)
    except SocialCardError:
        return
    assert card.id_number.reveal()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ssse.RECORDS), st.binary(max_size=40))
def test_a_card_with_one_random_record_is_read_whole_or_refused(
    record: ssse.ReadRecord, value: bytes
) -> None:
    virtual = VirtualCard(FIXTURES[0])
    virtual.overrides[record.field] = value
    try:
        card = ssse.read_basic_data(virtual.respond)
    except SocialCardError:
        return
    assert card.id_number.reveal() == FIXTURES[0].id_number


@FUZZ
@given(st.binary(max_size=300))
def test_the_virtual_card_answers_any_bytes_with_a_status_word(raw: bytes) -> None:
    virtual = VirtualCard(FIXTURES[0])
    virtual.respond(ssse.BASIC_DATA[0].command.encode())
    assert len(virtual.respond(raw)) >= 2
