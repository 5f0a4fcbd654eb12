"""decode(): round trips of what render() emits, and garbage that must raise EscPosDecodeError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.printer import (
    Cut,
    EscPosDecodeError,
    EscPosDecoder,
    KeyValue,
    Line,
    PaperCut,
    PrintedQr,
    QrCode,
    Receipt,
    StatusRequest,
    TextLine,
    Title,
    decode,
    profile_by_name,
    render,
)

KIOSK_80 = profile_by_name("kiosk-80")
PANEL_58_GBK = profile_by_name("panel-58-gbk")
URL = "https://e-station.example.cn/r/8F3K2Q"


def test_text_lines_round_trip_including_chinese_and_masked_id(receipt: Receipt) -> None:
    doc = decode(render(receipt, KIOSK_80), "gb18030")
    text = [line for line in doc.text_lines if line]
    assert text[0] == "就业服务回执"
    assert text[1] == "欢迎使用24小时就业服务站"
    assert text[2] == "-" * 48
    assert text[3].startswith("姓名")
    assert text[3].endswith("张**")
    assert text[4].startswith("身份证号")
    assert text[4].endswith("110***********002X")
    assert text[6].endswith("2024-05-01 10:32")
    assert text[-1] == "谢谢！"


def test_styles_and_alignment_survive_the_round_trip(receipt: Receipt) -> None:
    lines = [line for line in decode(render(receipt, KIOSK_80)).lines if line.text]
    title = lines[0]
    assert title.align == "center"
    assert [(r.bold, r.width, r.height) for r in title.runs] == [(True, 2, 2)]
    assert lines[1].align == "center"
    assert (lines[1].runs[0].bold, lines[1].runs[0].width) == (False, 1)
    assert lines[3].align == "left"
    assert lines[-1].align == "right"


def test_native_qr_payload_decodes_back_exactly(receipt: Receipt) -> None:
    doc = decode(render(receipt, KIOSK_80))
    assert doc.qr_codes == (PrintedQr(URL.encode(), module_size=6, ec="M", align="center"),)
    assert doc.qr_codes[0].text == URL


def test_raster_profile_decodes_to_one_centred_image(receipt: Receipt) -> None:
    doc = decode(render(receipt, PANEL_58_GBK), "gbk")
    assert doc.qr_codes == ()
    (image,) = doc.images
    assert image.align == "center"
    assert image.width_dots <= PANEL_58_GBK.dots_width
    assert len(image.raster) == image.width_bytes * image.height
    assert not doc.cuts  # no cutter on this profile


def test_cut_is_the_last_item(receipt: Receipt) -> None:
    doc = decode(render(receipt, KIOSK_80))
    assert doc.items[-1] == PaperCut(partial=False)


def test_esc_exclamation_does_not_enlarge_kanji_but_gs_exclamation_does() -> None:
    kanji = "回".encode("gb18030")
    doc = decode(b"\x1b!\x30\x1c&" + kanji + b"A\x1c.\n\x1d!\x11\x1c&" + kanji + b"\x1c.\n")
    first, second = doc.lines
    assert [(r.text, r.width) for r in first.runs] == [("回", 1), ("A", 2)]
    assert [(r.text, r.width, r.height) for r in second.runs] == [("回", 2, 2)]


def test_esc_at_discards_unprinted_text_and_resets_modes() -> None:
    doc = decode(b"\x1bE\x01lost\x1b@kept\n")
    assert doc.lines == (TextLine(runs=doc.lines[0].runs, align="left"),)
    assert doc.text_lines == ["kept"]
    assert not doc.lines[0].runs[0].bold


def test_text_without_final_line_feed_is_still_shown() -> None:
    assert decode(b"tail").text_lines == ["tail"]


def test_columns_make_the_decoder_wrap_like_the_printer() -> None:
    doc = decode(b"\x1c&" + "一二三".encode("gb18030") + b"\x1c.\n", columns=4)
    assert [(line.text, line.wrapped) for line in doc.lines] == [("一二", True), ("三", False)]


def test_status_request_is_reported_by_the_incremental_decoder_only() -> None:
    decoder = EscPosDecoder()
    assert decoder.feed(b"\x10\x04\x01ok\n") == [StatusRequest(1), TextLine(decoder_runs("ok"))]
    assert decode(b"\x10\x04\x01ok\n").text_lines == ["ok"]


def decoder_runs(text: str) -> tuple:  # type: ignore[type-arg]
    return decode(text.encode() + b"\n").lines[0].runs


def test_known_commands_that_print_nothing_are_skipped_by_length() -> None:
    data = (
        b"\x1bt\x00"  # code page
        b"\x1b3\x18"  # line spacing
        b"\x1bp\x00\x19\xfa"  # cash drawer
        b"\x1dL\x00\x00"  # left margin
        b"\x1d(k\x03\x000C\x05"  # PDF417 module width
        b"\x1dk\x04ABC\x00"  # CODE39 barcode, function A
        b"\x1dkI\x04{B12"  # CODE128 barcode, function B
        b"\x1bD\x08\x10\x00"  # tab stops
        b"done\n"
    )
    assert decode(data).text_lines == ["done"]


@pytest.mark.parametrize(
    ("data", "offset", "reason"),
    [
        (b"ok\x07", 2, "control byte 0x07"),
        (b"\x1b\xff", 0, "ESC 0xFF"),
        (b"ab\x1d\x99", 2, "GS 0x99"),
        (b"\x1c\x7a", 0, "FS 0x7A"),
        (b"\xb0\xa1", 0, "outside Kanji mode"),
        (b"\x1c&\x80\x40", 2, "cannot start"),
        (b"\x1c&\xb0\x20", 2, "invalid gb18030"),
        (b"\x1dv0\x00\x00\x00\x01\x00", 0, "out of range"),
        (b"\x1bL", 0, "page mode"),
        (b"\x1dV\x07", 0, "GS V mode"),
        (b"\x1d(k\x01\x001", 0, "without cn and fn"),
    ],
)
def test_garbage_raises_escpos_decode_error_naming_the_offset(
    data: bytes, offset: int, reason: str
) -> None:
    with pytest.raises(EscPosDecodeError) as info:
        decode(data)
    assert info.value.offset == offset
    assert reason in str(info.value)


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"\x1b", 0),
        (b"\x1ba", 0),
        (b"\x1d(k\x10\x001P0abc", 0),
        (b"\x1dv0\x00\x02\x00\x02\x00\xff\xff\xff", 0),
        (b"\x1c&\xb0", 2),  # FS & is complete; the GB character is not
        (b"\x1c&\x81\x30\x81", 2),
    ],
)
def test_truncated_stream_raises_at_the_start_of_the_unfinished_command(
    data: bytes, offset: int
) -> None:
    with pytest.raises(EscPosDecodeError, match="ends inside") as info:
        decode(b"hi\n" + data)
    assert info.value.offset == 3 + offset


def test_gbk_decoder_refuses_four_byte_sequences() -> None:
    four = "𠀀".encode("gb18030")
    assert decode(b"\x1c&" + four + b"\x1c.\n", "gb18030").text_lines == ["𠀀"]
    with pytest.raises(EscPosDecodeError, match="invalid gbk"):
        decode(b"\x1c&" + four + b"\x1c.\n", "gbk")


def _sample_stream(profile_name: str) -> bytes:
    receipt = Receipt(
        "split",
        (
            Title("回执"),
            KeyValue("身份证号", "110***********002X"),
            Line("𠀀字", align="center") if profile_name == "kiosk-80" else Line("字"),
            QrCode(URL, size=3),
            Cut(),
        ),
    )
    return render(receipt, profile_by_name(profile_name))


STREAMS = {name: _sample_stream(name) for name in ("kiosk-80", "panel-58-gbk")}
CODECS = {"kiosk-80": "gb18030", "panel-58-gbk": "gbk"}


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(STREAMS)), st.lists(st.integers(0, 10_000), max_size=12))
def test_stream_split_anywhere_decodes_like_the_whole(name: str, cuts: list[int]) -> None:
    data = STREAMS[name]
    points = sorted({c % (len(data) + 1) for c in cuts})
    decoder = EscPosDecoder(CODECS[name])
    events = []
    for start, end in zip([0, *points], [*points, len(data)], strict=True):
        events += decoder.feed(data[start:end])
    events += decoder.close()
    assert tuple(events) == decode(data, CODECS[name]).items


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(STREAMS)), st.integers(0, 10_000))
def test_truncated_valid_stream_decodes_or_raises_escpos_decode_error(name: str, cut: int) -> None:
    data = STREAMS[name]
    try:
        decode(data[: cut % len(data)], CODECS[name])
    except EscPosDecodeError as err:
        reason = err.reason
    else:
        reason = "ends inside"  # cut between commands: a shorter, valid document
    assert reason.startswith("stream ends inside") or reason == "ends inside"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_random_bytes_only_ever_raise_escpos_decode_error(data: bytes) -> None:
    try:
        decode(data)
    except EscPosDecodeError:
        pass


_PREFIXED = st.sampled_from([b"", b"\x1c&", b"\x1d(k", b"\x1dv0\x00", b"\x1b", b"\x1d"])


@settings(max_examples=300, deadline=None)
@given(_PREFIXED, st.binary(max_size=120))
def test_random_bytes_after_command_prefixes_only_raise_escpos_decode_error(
    prefix: bytes, data: bytes
) -> None:
    try:
        decode(prefix + data)
    except EscPosDecodeError:
        pass


def test_feeding_again_after_an_error_goes_on_after_the_bad_byte() -> None:
    decoder = EscPosDecoder()
    with pytest.raises(EscPosDecodeError) as info:
        decoder.feed(b"before\n\x07\x10\x04\x01after\n")  # BEL is no ESC/POS
    assert info.value.offset == 7
    assert [e.text for e in info.value.events if isinstance(e, TextLine)] == ["before"]
    rest = decoder.feed(b"")
    assert rest[0] == StatusRequest(1)
    assert [e.text for e in rest if isinstance(e, TextLine)] == ["after"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=20))
def test_fuzz_incremental_decoder_resumes_after_garbage_raising_only_its_own_error(
    garbage: bytes, more: bytes
) -> None:
    decoder = EscPosDecoder()
    events: list[object] = []
    data = b"\x1b@" + garbage + b"\x1b@\x10\x04\x04"  # ESC @ after garbage ends a command
    for _ in range(len(data) + 1):  # each error drops at least one byte
        try:
            events += decoder.feed(data)
            break
        except EscPosDecodeError as err:
            events += err.events
            data = b""
    else:
        pytest.fail("decoder did not make progress")
    # Garbage may swallow the query as the payload of a command that is still open
    # (a raster wanting more bytes); it must never produce anything but our error.
    try:
        decoder.feed(more)
    except EscPosDecodeError:
        pass
