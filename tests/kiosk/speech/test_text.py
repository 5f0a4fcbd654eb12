"""Words into espeak-ng segments: pinyin for Mandarin, polyphones in context, numbers, pauses."""

from __future__ import annotations

import pytest

from kiosk.speech.text import (
    ENGLISH_VOICE,
    PINYIN_VOICE,
    Segment,
    chinese_number,
    to_pinyin,
    to_segments,
)


@pytest.mark.parametrize(
    ("han", "pinyin"),
    [
        # the same character, read by its phrase
        ("银行", ["yin2", "hang2"]),
        ("行人", ["xing2", "ren2"]),
        ("长大", ["zhang3", "da4"]),
        ("长度", ["chang2", "du4"]),
        ("重新", ["chong2", "xin1"]),
        ("重要", ["zhong4", "yao4"]),
        # the neutral tone as 5, which the pinyin voice reads as neutral
        ("您的", ["nin2", "de5"]),
    ],
)
def test_characters_become_tone_numbered_pinyin_read_in_context(
    han: str, pinyin: list[str]
) -> None:
    assert to_pinyin(han) == pinyin


def test_a_chinese_sentence_is_one_pinyin_segment_with_its_punctuation_as_pauses() -> None:
    assert to_segments("请取走您的身份证。银行，长大", "zh-CN") == (
        Segment(PINYIN_VOICE, "qing3 qu3 zou3 nin2 de5 shen1 fen4 zheng4. yin2 hang2, zhang3 da4"),
    )


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (0, "零"),
        (7, "七"),
        (10, "十"),
        (15, "十五"),
        (28, "二十八"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (2030, "二千零三十"),
        (9999, "九千九百九十九"),
    ],
)
def test_a_count_is_read_as_a_chinese_number(n: int, said: str) -> None:
    assert chinese_number(n) == said


def test_numbers_in_chinese_are_counts_years_or_codes() -> None:
    # a count as a number; a telephone number digit by digit, 1 as yao1; a year digit by digit
    assert to_segments("还剩28秒", "zh-CN")[0].text == "hai2 sheng4 er4 shi2 ba1 miao3"
    assert to_segments("请拨打12333", "zh-CN")[0].text == "qing3 bo1 da3 yao1 er4 san1 san1 san1"
    assert to_segments("2016年", "zh-CN")[0].text == "er4 ling2 yi1 liu4 nian2"
    assert to_segments("第007号", "zh-CN")[0].text == "di4 ling2 ling2 qi1 hao4"


def test_a_code_in_chinese_spells_its_letters_in_english_and_pauses_at_its_dashes() -> None:
    assert to_segments("编号KA01-2611", "zh-CN") == (
        Segment(PINYIN_VOICE, "bian1 hao4"),
        Segment(ENGLISH_VOICE, "K A"),
        Segment(PINYIN_VOICE, "ling2 yao1, er4 liu4 yao1 yao1"),
    )


def test_english_text_keeps_words_and_counts_and_reads_codes_digit_by_digit() -> None:
    said = to_segments("Please call 12333. Number KA01-2611, 28 seconds left.", "en")
    assert said == (
        Segment(
            ENGLISH_VOICE,
            "Please call 1 2 3 3 3. Number K A 0 1, 2 6 1 1, 28 seconds left.",
        ),
    )


def test_latin_words_inside_chinese_go_to_the_english_voice() -> None:
    assert to_segments("请扫描QR码", "zh-CN") == (
        Segment(PINYIN_VOICE, "qing3 sao3 miao2"),
        Segment(ENGLISH_VOICE, "QR"),
        Segment(PINYIN_VOICE, "ma3"),
    )


def test_punctuation_alone_says_nothing() -> None:
    assert to_segments("，。！", "zh-CN") == ()
    assert to_segments("", "en") == ()
