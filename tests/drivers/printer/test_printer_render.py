"""render(): exact bytes, Kanji mode, sizes, layout within columns, what cannot be printed."""

from __future__ import annotations

import re

import pytest

from drivers.printer import (
    Cut,
    Feed,
    KeyValue,
    Line,
    PrinterProfile,
    QrCode,
    Receipt,
    ReceiptEncodingError,
    Title,
    UnmaskedPersonalData,
    decode,
    display_width,
    profile_by_name,
    render,
)
from pii import mask_id_number

CLEAR_ID = "11010519491231002X"  # a valid GB 11643 number (public test sample)
MASKED_ID = mask_id_number(CLEAR_ID)
ESC_INIT = b"\x1b@"
FS_AND = b"\x1c&"
FS_DOT = b"\x1c."
KIOSK_80 = profile_by_name("kiosk-80")
KIOSK_58 = profile_by_name("kiosk-58")
PANEL_58_GBK = profile_by_name("panel-58-gbk")


def test_small_receipt_renders_to_exact_bytes() -> None:
    receipt = Receipt("t1", (Title("回执"), Line("姓名 张*"), Line("OK"), Cut()))
    expected = (
        ESC_INIT
        + b"\x1d!\x11"  # GS ! 0x11: double width and height, also for Kanji
        + b"\x1bE\x01"  # bold
        + b"\x1ba\x01"  # centre
        + FS_AND
        + "回执".encode("gb18030")
        + FS_DOT
        + b"\n"
        + b"\x1d!\x00"  # back to normal size through GS !, not ESC !
        + b"\x1bE\x00"
        + b"\x1ba\x00"
        + b"\x1ba\x00"
        + FS_AND
        + "姓名 张*".encode("gb18030")
        + FS_DOT
        + b"\n"
        + b"\x1ba\x00"
        + b"OK\n"  # pure ASCII stays outside Kanji mode
        + b"\x1bd\x06"  # feed the last line past the cutter
        + b"\x1dV\x00"  # full cut
    )
    assert render(receipt, KIOSK_80) == expected


def test_chinese_line_is_wrapped_in_fs_and_and_fs_dot() -> None:
    data = render(Receipt("t", (Line("失业登记"),)), KIOSK_80)
    chinese = "失业登记".encode("gb18030")
    assert FS_AND + chinese + FS_DOT + b"\n" in data


def test_title_uses_gs_exclamation_not_esc_exclamation() -> None:
    data = render(Receipt("t", (Title("就业服务回执"),)), KIOSK_80)
    assert b"\x1d!\x11" in data
    assert b"\x1b!" not in data


def test_receipt_always_ends_with_a_cut() -> None:
    data = render(Receipt("t", (Line("x"),)), KIOSK_80)
    assert data.endswith(b"\x1bd\x06\x1dV\x00")


def test_printer_without_cutter_only_feeds_to_the_tear_bar() -> None:
    data = render(Receipt("t", (Line("x"), Cut())), PANEL_58_GBK)
    assert data.endswith(b"x\n\x1bd\x06")
    assert b"\x1dV" not in data


def test_no_clear_id_number_anywhere_in_the_bytes(receipt: Receipt) -> None:
    data = render(receipt, KIOSK_80)
    assert CLEAR_ID.encode() not in data
    assert not re.search(rb"[0-9]{17}[0-9Xx]", data)
    assert MASKED_ID.encode() in data


def test_clear_valid_id_number_is_refused_as_a_last_guard() -> None:
    leaky = Receipt("t", (Line("ok"), KeyValue("身份证号", CLEAR_ID)))
    with pytest.raises(UnmaskedPersonalData) as info:
        render(leaky, KIOSK_80)
    assert info.value.block_index == 1
    assert CLEAR_ID not in str(info.value)


def test_eighteen_digit_number_that_is_not_an_id_number_prints() -> None:
    order = "123456789012345678"  # fails the GB 11643 checks
    doc = decode(render(Receipt("t", (KeyValue("单号", order),)), KIOSK_80))
    assert doc.text_lines[0].endswith(order)


@pytest.mark.parametrize("profile", [KIOSK_58, KIOSK_80], ids=lambda p: p.name)
def test_key_value_rows_fill_exactly_the_profile_columns(profile: PrinterProfile) -> None:
    receipt = Receipt(
        "t",
        (
            KeyValue("姓名", "张**"),
            KeyValue("办理时间", "2024-05-01 10:32"),
            KeyValue("Amount", "￥12.50"),
        ),
    )
    doc = decode(render(receipt, profile), columns=profile.columns)
    rows = [line for line in doc.lines if line.text]
    assert len(rows) == 3
    for line in rows:
        assert not line.wrapped
        assert display_width(line.text) == profile.columns
    assert rows[1].text.startswith("办理时间 ")
    assert rows[1].text.endswith(" 2024-05-01 10:32")


@pytest.mark.parametrize("profile", [KIOSK_58, KIOSK_80], ids=lambda p: p.name)
def test_long_value_goes_below_its_key_right_aligned(profile: PrinterProfile) -> None:
    columns: int = profile.columns
    value = "北京市朝阳区就业服务中心第三服务大厅二号窗口"
    doc = decode(render(Receipt("t", (KeyValue("办理地点", value),)), profile), columns=columns)
    rows = [line.text for line in doc.lines if line.text]
    assert rows[0] == "办理地点"
    assert "".join(r.strip() for r in rows[1:]) == value
    assert all(display_width(r) <= columns for r in rows)
    assert display_width(rows[-1]) == columns  # flush right


@pytest.mark.parametrize("profile", [KIOSK_58, KIOSK_80], ids=lambda p: p.name)
def test_whole_receipt_never_makes_the_printer_wrap(
    profile: PrinterProfile, receipt: Receipt
) -> None:
    columns: int = profile.columns
    long = Line("请妥善保管本回执。The quick brown fox jumps over the lazy dog " * 3)
    receipt = Receipt(
        receipt.job_id, (*receipt.blocks[:-1], long, Title("很长的标题也要换行显示"), Cut())
    )
    doc = decode(render(receipt, profile), columns=columns)
    assert not any(line.wrapped for line in doc.lines)
    title_rows = [line.text for line in doc.lines if line.runs and line.runs[0].width == 2]
    # Double width: 8 hanzi per row on 58 mm, 12 on 80 mm.
    expected = ["很长的标题也要换", "行显示"] if columns == 32 else ["很长的标题也要换行显示"]
    assert title_rows == ["就业服务回执", *expected]


def test_yen_sign_becomes_fullwidth_yuan_sign() -> None:
    data = render(Receipt("t", (KeyValue("费用", "¥8.00"),)), KIOSK_80)
    assert "￥8.00".encode("gb18030") in data
    assert "¥".encode("gb18030") not in data
    assert decode(data).text_lines[0].endswith("￥8.00")


def test_fullwidth_punctuation_only_line_is_not_question_marks() -> None:
    doc = decode(render(Receipt("t", (Line("：，。！"),)), KIOSK_80))
    assert doc.text_lines[0] == "：，。！"


def test_character_outside_gbk_is_a_typed_error_naming_block_and_char() -> None:
    receipt = Receipt("t", (Line("ok"), KeyValue("姓名", "䶮*")))
    with pytest.raises(ReceiptEncodingError) as info:
        render(receipt, PANEL_58_GBK)
    assert info.value.block_index == 1
    assert info.value.char == "䶮"
    assert "U+4DAE" in str(info.value)


@pytest.mark.parametrize("rare", ["䶮", "𠀀"], ids=["ext-a-2-byte", "ext-b-4-byte"])
def test_rare_name_character_prints_on_a_gb18030_printer(rare: str) -> None:
    data = render(Receipt("t", (KeyValue("姓名", rare + "*"),)), KIOSK_80)
    assert decode(data, "gb18030").text_lines[0].endswith(rare + "*")


def test_emoji_is_refused_even_though_gb18030_can_encode_it() -> None:
    with pytest.raises(ReceiptEncodingError, match=r"U\+1F600"):
        render(Receipt("t", (Line("好😀"),)), KIOSK_80)


@pytest.mark.parametrize("text", ["a\x1bi", "a\nb", "tab\there", "zero\u200bwidth"])
def test_control_characters_cannot_inject_printer_commands(text: str) -> None:
    with pytest.raises(ReceiptEncodingError):
        render(Receipt("t", (Line(text),)), KIOSK_80)


def test_native_qr_is_a_short_gs_paren_k_sequence() -> None:
    data = render(Receipt("t", (QrCode("https://x.cn/a"),)), KIOSK_80)
    store = b"\x1d(k" + (len("https://x.cn/a") + 3).to_bytes(2, "little") + b"1P0https://x.cn/a"
    assert store in data
    assert b"\x1d(k\x03\x001Q0" in data  # print the stored symbol
    assert b"\x1dv0" not in data


def test_raster_profile_sends_qr_as_gs_v_0() -> None:
    data = render(Receipt("t", (QrCode("https://x.cn/a"),)), PANEL_58_GBK)
    assert b"\x1dv0" in data
    assert b"\x1d(k" not in data


def test_qr_too_big_for_the_paper_shrinks_then_is_refused() -> None:
    medium = "https://e-station.example.cn/" + "a" * 150
    doc = decode(render(Receipt("t", (QrCode(medium, size=8),)), KIOSK_58))
    assert doc.qr_codes[0].module_size < 8
    with pytest.raises(ReceiptEncodingError, match="does not fit"):
        render(Receipt("t", (QrCode("x" * 1200),)), KIOSK_58)


def test_feed_block_feeds_blank_lines() -> None:
    doc = decode(render(Receipt("t", (Line("a"), Feed(3), Line("b"))), KIOSK_80))
    assert doc.text_lines[:5] == ["a", "", "", "", "b"]
