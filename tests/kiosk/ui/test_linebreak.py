"""Chinese text breaks between words (kiosk/ui/linebreak.py), never inside one."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.ui.linebreak import balanced_lines, break_lines, units


def by_chars(n: int) -> Callable[[str], bool]:
    """Fits: at most `n` characters a line."""
    return lambda line: len(line) <= n


def test_units_keep_lexicon_words_whole() -> None:
    assert units("也可以不读证件直接浏览。") == ["也", "可以", "不", "读", "证件", "直接", "浏览。"]


def test_punctuation_stays_with_the_word_before_and_brackets_with_the_word_after() -> None:
    assert units("全职（两班倒）") == ["全", "职", "（两", "班", "倒）"]


def test_latin_runs_are_one_unit() -> None:
    assert units("扫码apply now") == ["扫码", "apply", " ", "now"]


def test_a_line_breaks_before_a_word_that_would_not_fit() -> None:
    # 6 a line: a character-by-character wrap gives 也可以不读证 / 件直接浏览。
    broken = break_lines("也可以不读证件直接浏览。", by_chars(6))
    assert broken.split("\n") == ["也可以不读", "证件直接", "浏览。"]
    assert "浏\n览" not in broken


def test_a_word_longer_than_a_line_is_cut_rather_than_overflowing() -> None:
    assert break_lines("abcdefgh", by_chars(3)).split("\n") == ["abc", "def", "gh"]


def test_paragraphs_keep_their_newlines() -> None:
    assert break_lines("就业登记\n浏览", by_chars(10)) == "就业登记\n浏览"


def test_balanced_lines_break_a_tile_name_between_words_evenly() -> None:
    assert balanced_lines("就业困难人员认定申请", 5) == "就业困难\n人员\n认定申请"
    assert balanced_lines("就业登记", 5) == "就业登记"


def test_balanced_lines_give_up_on_a_word_longer_than_a_line() -> None:
    assert balanced_lines("再就业", 2) is None


def test_latin_written_against_chinese_stays_with_it() -> None:
    # "e站" was broken between "e" and "站" in the station name and the header.
    assert units("就业服务e站") == ["就业", "服务", "e站"]
    assert break_lines("缙云县就业服务e站", by_chars(8)).split("\n") == ["缙云县就业服务", "e站"]
    assert units("示范街道24小时") == ["示", "范", "街道", "24小时"]
    assert units("扫码apply now") == ["扫码", "apply", " ", "now"]  # Latin then a space: apart
