"""Random and mutated input for the card parsers and the codec: only IdCardError escapes.

Bounded for the test command: about 500 examples each, no deadline (a loaded CI machine
must not turn slowness into failure). The codec's own stream fuzzers live beside its
byte tables in test_idcard_protocol.py.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.idcard import protocol as p
from drivers.idcard.card import (
    LAYOUTS,
    TEXT_SIZE,
    IdCard,
    parse_appended_address,
    parse_fingerprint_reply,
    parse_read_reply,
    parse_text,
)
from drivers.idcard.errors import IdCardError, status_error
from drivers.idcard.fixtures import FIXTURES

FUZZ = settings(max_examples=500, deadline=None)
fixtures = st.sampled_from(FIXTURES)


def outcome(parse: Callable[[bytes], object], data: bytes) -> object:
    """Call `parse`; the package's own error is a fine outcome, anything else fails."""
    try:
        return parse(data)
    except IdCardError as err:
        failure = err
    assert str(failure)  # every error can be logged
    return failure


def mutate(block: bytes, offset: int, junk: bytes) -> bytes:
    out = bytearray(block)
    out[offset : offset + len(junk)] = junk
    return bytes(out[: len(block)])


@FUZZ
@given(st.binary(min_size=TEXT_SIZE, max_size=TEXT_SIZE))
def test_random_text_blocks_raise_only_id_card_errors(block: bytes) -> None:
    outcome(parse_text, block)


@FUZZ
@given(fixtures, st.integers(0, TEXT_SIZE - 1), st.binary(min_size=1, max_size=40))
def test_valid_blocks_with_random_bytes_written_in_raise_only_id_card_errors(
    fixture: object, offset: int, junk: bytes
) -> None:
    outcome(parse_text, mutate(fixture.text_block(), offset, junk))  # type: ignore[attr-defined]


@FUZZ
@given(fixtures, st.data())
def test_valid_blocks_with_random_text_in_one_field_raise_only_id_card_errors(
    fixture: object, data: st.DataObject
) -> None:
    block = fixture.text_block()  # type: ignore[attr-defined]
    field = data.draw(st.sampled_from(LAYOUTS[fixture.card_type]))  # type: ignore[attr-defined]
    text = data.draw(st.text(max_size=field.width // 2))
    raw = text.encode("utf-16-le", errors="surrogatepass")[: field.width]
    result = outcome(parse_text, mutate(block, field.offset, raw.ljust(field.width, b"\x00")))
    if isinstance(result, IdCard):
        assert result.card_type == fixture.card_type  # type: ignore[attr-defined]


@FUZZ
@given(st.binary(max_size=1400))
def test_random_read_reply_data_raises_only_id_card_errors(data: bytes) -> None:
    outcome(parse_read_reply, data)
    outcome(parse_fingerprint_reply, data)
    outcome(parse_appended_address, data)


@FUZZ
@given(fixtures, st.lists(st.integers(0, 0xFFFF), min_size=3, max_size=3))
def test_read_replies_with_random_length_fields_raise_only_id_card_errors(
    fixture: object, lengths: list[int]
) -> None:
    data = fixture.fingerprint_reply_data()  # type: ignore[attr-defined]
    header = b"".join(n.to_bytes(2, "big") for n in lengths)
    outcome(parse_fingerprint_reply, header + data[6:])
    outcome(parse_read_reply, header[:4] + data[6:])


@FUZZ
@given(st.lists(st.binary(max_size=300), max_size=12))
def test_random_line_bytes_through_codec_and_parser_raise_only_id_card_errors(
    chunks: list[bytes],
) -> None:
    decoder = p.FrameDecoder()
    for chunk in chunks:
        decoder.feed(chunk)
        while isinstance(reply := decoder.next_frame(), p.Response):
            outcome(parse_read_reply, reply.data)
            if reply.sw3 not in (p.Status.OK, p.Status.CARD_FOUND):
                assert isinstance(status_error(reply.sw3), IdCardError)


@FUZZ
@given(st.lists(st.binary(max_size=64), max_size=40))
def test_random_bytes_give_the_simulators_decoder_only_commands_or_need_data(
    chunks: list[bytes],
) -> None:
    decoder = p.CommandDecoder()
    for chunk in chunks:
        decoder.feed(chunk)
        while (command := decoder.next_frame()) is not p.NEED_DATA:
            assert isinstance(command, p.Command)
        assert decoder.pending < p.HEADER_SIZE + p.MAX_LEN
