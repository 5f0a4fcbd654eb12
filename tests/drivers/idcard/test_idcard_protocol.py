"""The sans-IO codec: byte tables, resync after noise, and random input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.idcard import protocol as p
from drivers.idcard.fixtures import FIXTURES

PRE = bytes([0xAA, 0xAA, 0xAA, 0x96, 0x69])


def ref_xor(data: bytes) -> int:
    """Reference checksum written independently of the codec."""
    acc = 0
    for byte in data:
        acc ^= byte
    return acc


def ref_frame(payload: bytes) -> bytes:
    """Reference framing: LEN counts payload + CHK; CHK covers LEN_HI..payload."""
    length = bytes([(len(payload) + 1) >> 8, (len(payload) + 1) & 0xFF])
    return PRE + length + payload + bytes([ref_xor(length + payload)])


def find_reply(sw3: int = 0x9F) -> bytes:
    return ref_frame(bytes([0x00, 0x00, sw3]) + b"\x00\x00\x00\x00")


def drain(decoder: p.FrameDecoder) -> list[p.Response]:
    out = []
    while isinstance(frame := decoder.next_frame(), p.Response):
        out.append(frame)
    return out


# -- encoding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "cmd", "para", "chk"),
    [
        # chk worked by hand: 00 ^ 03 ^ CMD ^ PARA
        (p.RESET_SAM, 0x10, 0xFF, 0xEC),
        (p.SAM_STATUS, 0x11, 0xFF, 0xED),
        (p.SAM_ID, 0x12, 0xFF, 0xEE),
        (p.FIND_CARD, 0x20, 0x01, 0x22),
        (p.SELECT_CARD, 0x20, 0x02, 0x21),
        (p.READ_TEXT_PHOTO, 0x30, 0x01, 0x32),
        (p.READ_ADDRESS, 0x30, 0x03, 0x30),
        (p.READ_TEXT_PHOTO_FINGERPRINT, 0x30, 0x10, 0x23),
    ],
)
def test_encode_command_matches_the_frame_layout(
    command: p.Command, cmd: int, para: int, chk: int
) -> None:
    expected = PRE + b"\x00\x03" + bytes([cmd, para, chk])
    assert ref_xor(expected[5:-1]) == chk
    assert p.encode_command(cmd, para) == expected
    assert command.encode() == expected
    assert (command.cmd, command.para) == (cmd, para)


def test_encode_command_with_data_counts_data_in_len_and_chk() -> None:
    # max RF frame size: 61 FF with data 50
    frame = p.encode_command(0x61, 0xFF, b"\x50")
    assert frame == ref_frame(b"\x61\xff\x50")
    assert frame[5:7] == b"\x00\x04"
    assert p.MAX_RF_FRAME_SIZE.encode() == frame


@pytest.mark.parametrize(
    ("baudrate", "para"),
    [(115200, 0x00), (57600, 0x01), (38400, 0x02), (19200, 0x03), (9600, 0x04)],
)
def test_baud_rate_change_is_60_0x(baudrate: int, para: int) -> None:
    assert p.set_baudrate(baudrate).encode() == ref_frame(bytes([0x60, para]))


def test_baud_rate_the_module_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="4800"):
        p.set_baudrate(4800)


def test_auto_detection_tries_the_default_first_then_downwards() -> None:
    assert p.AUTO_BAUDRATES == (115200, 57600, 38400, 19200, 9600)
    assert set(p.AUTO_BAUDRATES) == set(p.BAUDRATE_CODES.values())


def test_wire_time_of_a_read_reply_at_115200_is_about_112_ms() -> None:
    assert p.wire_time(p.READ_REPLY_SIZE, 115200) == pytest.approx(0.1124, abs=1e-4)
    assert p.wire_time(p.FINGERPRINT_REPLY_SIZE, 9600) == pytest.approx(2.418, abs=1e-3)


def test_read_reply_has_the_documented_size_and_len() -> None:
    frame = p.encode_response(p.Status.OK, FIXTURES[0].read_reply_data())
    assert len(frame) == 1295
    assert frame[5:7] == b"\x05\x08"
    assert frame == ref_frame(b"\x00\x00\x90" + FIXTURES[0].read_reply_data())
    assert frame[10:12] == b"\x01\x00"  # text length 256 at offsets 10-11
    assert frame[12:14] == b"\x04\x00"  # photo length 1024 at offsets 12-13


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (p.encode_command, (0x100, 0x01)),
        (p.encode_command, (0x20, -1)),
        (p.encode_response, (0x1FF,)),
        (p.encode_command, (0x20, 0x01, bytes(0xFFFF))),
    ],
)
def test_encoders_refuse_values_that_do_not_fit(call: object, args: tuple[object, ...]) -> None:
    with pytest.raises(ValueError, match="must be one byte|does not fit"):
        call(*args)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (0x90, "OK"),
        (0x9F, "CARD_FOUND"),
        (0x80, "NO_CARD"),
        (0x81, "SELECT_FAILED"),
        (0x41, "READ_FAILED"),
        (0x10, "HOST_CHECKSUM"),
        (0x11, "HOST_LENGTH"),
        (0x21, "BAD_COMMAND"),
        (0x24, "UNKNOWN_ERROR"),
        (0x31, "CARD_REJECTED_READER"),
        (0x32, "READER_REJECTED_CARD"),
        (0x33, "VERIFY_ERROR"),
        (0x40, "WRONG_CARD_TYPE"),
        (0x47, "GET_CHALLENGE_FAILED"),
        (0x60, "SAM_SELF_TEST_FAILED"),
        (0x66, "SAM_NOT_AUTHORISED"),
        (0x91, "NO_CONTENT"),
    ],
)
def test_every_documented_status_code_decodes_to_its_name(code: int, name: str) -> None:
    decoder = p.FrameDecoder()
    decoder.feed(ref_frame(bytes([0, 0, code])))
    reply = decoder.next_frame()
    assert isinstance(reply, p.Response)
    assert reply.status is not None
    assert reply.status.name == name
    assert reply.sw3 == code


def test_status_table_has_exactly_the_documented_codes() -> None:
    assert len(p.Status) == 17


def test_unlisted_status_code_is_kept_as_a_number() -> None:
    reply = p.Response(0, 0, 0x55)
    assert reply.status is None
    assert reply.sw3 == 0x55


def test_response_repr_shows_the_size_of_data_not_its_content() -> None:
    reply = p.Response(0, 0, 0x90, "测试甲".encode("utf-16-le"))
    assert "bytes>" in repr(reply)
    assert "4b6d" not in repr(reply).lower()
    assert "\\x" not in repr(reply)


def test_sam_id_is_formatted_from_little_endian_fields() -> None:
    raw = bytes.fromhex("0500 0100 e5d63401 d2040000 2e160000".replace(" ", ""))
    assert p.format_sam_id(raw) == "05.01-20240101-0000001234-0000005678"


# -- decoding ------------------------------------------------------------------------


def test_garbage_before_frame_is_skipped() -> None:
    decoder = p.FrameDecoder()
    decoder.feed(b"\x00\xff\xaa\xaa\x96\x69noise" + find_reply())
    [reply] = drain(decoder)
    assert reply.status is p.Status.CARD_FOUND
    assert reply.data == b"\x00\x00\x00\x00"
    assert decoder.skipped_bytes == 11
    assert decoder.errors == 0


def test_bad_checksum_is_counted_and_the_next_good_frame_is_returned() -> None:
    bad = bytearray(find_reply(0x80))
    bad[-1] ^= 0x01
    decoder = p.FrameDecoder()
    decoder.feed(bytes(bad) + find_reply(0x9F))
    [reply] = drain(decoder)
    assert reply.sw3 == 0x9F
    assert decoder.checksum_errors == 1


def test_garbage_inside_a_frame_loses_that_frame_only() -> None:
    damaged = find_reply(0x80)
    damaged = damaged[:8] + b"\x13\x37" + damaged[8:]
    decoder = p.FrameDecoder()
    decoder.feed(damaged + find_reply(0x9F))
    assert [r.sw3 for r in drain(decoder)] == [0x9F]
    assert decoder.checksum_errors == 1


def test_frame_split_into_one_byte_feeds_decodes_on_the_last_byte() -> None:
    frame = p.encode_response(p.Status.OK, FIXTURES[1].read_reply_data())
    decoder = p.FrameDecoder()
    for byte in frame[:-1]:
        decoder.feed(bytes([byte]))
        assert decoder.next_frame() is p.NEED_DATA
    decoder.feed(frame[-1:])
    reply = decoder.next_frame()
    assert isinstance(reply, p.Response)
    assert reply.data == FIXTURES[1].read_reply_data()


@pytest.mark.parametrize("cut", [1, 4, 5, 6, 7, 200, 1294])
def test_truncated_frame_needs_data(cut: int) -> None:
    frame = p.encode_response(p.Status.OK, FIXTURES[0].read_reply_data())
    decoder = p.FrameDecoder()
    decoder.feed(frame[:cut])
    assert decoder.next_frame() is p.NEED_DATA
    assert decoder.errors == 0
    decoder.feed(frame[cut:])
    assert isinstance(decoder.next_frame(), p.Response)


@pytest.mark.parametrize("length", [0x0000, 0x0003, 0x0A01, 0xFFFF])
def test_absurd_length_is_rejected_without_waiting_for_it(length: int) -> None:
    decoder = p.FrameDecoder()
    decoder.feed(PRE + length.to_bytes(2, "big") + find_reply())
    [reply] = drain(decoder)
    assert reply.sw3 == 0x9F
    assert decoder.length_errors == 1


def test_two_frames_in_one_read_both_come_out_in_order() -> None:
    decoder = p.FrameDecoder()
    decoder.feed(find_reply(0x80) + find_reply(0x9F) + b"\x00trailing")
    assert [r.sw3 for r in drain(decoder)] == [0x80, 0x9F]
    assert decoder.next_frame() is p.NEED_DATA


def test_garbage_after_a_frame_is_dropped_and_memory_stays_bounded() -> None:
    decoder = p.FrameDecoder()
    decoder.feed(find_reply())
    decoder.feed(b"\x01" * 100_000)
    assert len(drain(decoder)) == 1
    assert decoder.next_frame() is p.NEED_DATA
    assert decoder.pending == 0


def test_preamble_split_across_feeds_after_garbage_is_kept() -> None:
    frame = find_reply()
    decoder = p.FrameDecoder()
    decoder.feed(b"junk" + frame[:3])
    assert decoder.next_frame() is p.NEED_DATA
    assert decoder.pending == 3
    decoder.feed(frame[3:])
    assert isinstance(decoder.next_frame(), p.Response)


def test_abandon_partial_finds_a_real_frame_behind_a_stalled_false_start() -> None:
    # A noise preamble claiming 0x0900 bytes would swallow the real reply that follows.
    decoder = p.FrameDecoder()
    decoder.feed(PRE + b"\x09\x00" + find_reply())
    assert decoder.next_frame() is p.NEED_DATA
    assert decoder.in_frame
    decoder.abandon_partial()
    reply = decoder.next_frame()
    assert isinstance(reply, p.Response)
    assert reply.sw3 == 0x9F


def test_command_decoder_reads_what_encode_command_writes() -> None:
    decoder = p.CommandDecoder()
    decoder.feed(b"\x00" + p.FIND_CARD.encode() + p.encode_command(0x61, 0xFF, b"\x50"))
    first, second = decoder.next_frame(), decoder.next_frame()
    assert first == p.FIND_CARD
    assert second == p.Command(0x61, 0xFF, b"\x50")
    assert decoder.next_frame() is p.NEED_DATA


@settings(max_examples=500, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=40))
def test_random_bytes_give_only_frames_or_need_data(chunks: list[bytes]) -> None:
    decoder = p.FrameDecoder()
    for chunk in chunks:
        decoder.feed(chunk)
        while True:
            result = decoder.next_frame()
            if result is p.NEED_DATA:
                break
            assert isinstance(result, p.Response)
        assert decoder.pending < p.HEADER_SIZE + p.MAX_LEN


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            # noise without 0xAA cannot start a preamble, so every frame must survive it
            st.binary(max_size=20).map(lambda b: b.replace(b"\xaa", b"")),
            st.integers(0, 0xFF),
            st.binary(max_size=40),
        ),
        max_size=8,
    ),
    st.integers(1, 50),
)
def test_every_frame_survives_noise_between_frames_and_any_split(
    items: list[tuple[bytes, int, bytes]], step: int
) -> None:
    stream = b"".join(noise + ref_frame(bytes([0, 0, sw3]) + data) for noise, sw3, data in items)
    decoder = p.FrameDecoder()
    got = []
    for start in range(0, len(stream), step):
        decoder.feed(stream[start : start + step])
        got += drain(decoder)
    assert [(r.sw3, r.data) for r in got] == [(sw3, data) for _, sw3, data in items]
    assert decoder.errors == 0
