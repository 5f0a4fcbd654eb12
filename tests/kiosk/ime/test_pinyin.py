"""The pinyin engine on the real libgooglepinyin dictionary, employment phrases first."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.ime import ImeUnavailable
from kiosk.ime.libs import find_data
from kiosk.ime.phrases import PhraseListError, Phrases
from kiosk.ime.pinyin import SYSTEM_DICT, PinyinEngine


@pytest.fixture
def engine() -> PinyinEngine:
    return PinyinEngine()


def typed(engine: PinyinEngine, letters: str) -> list[str]:
    engine.clear()
    for letter in letters:
        engine.add(letter)
    return engine.candidates()


@pytest.mark.parametrize(
    ("letters", "first"),
    [
        ("shiyedengji", "失业登记"),  # the engine alone says 事业等级: the phrase list wins
        ("sydj", "失业登记"),  # initials of a phrase
        ("sfz", "身份证"),  # initials, by the engine itself
        ("shebaoka", "社保卡"),
        ("jiuyedengji", "就业登记"),
        ("yongrendanwei", "用人单位"),
        ("linghuojiuye", "灵活就业"),
    ],
)
def test_real_queries_give_the_employment_word_first(
    engine: PinyinEngine, letters: str, first: str
) -> None:
    assert typed(engine, letters)[0] == first


def test_without_the_phrase_list_the_engine_ranks_shiye_dengji_lower() -> None:
    # Why phrases.yaml exists: this must fail the day the dictionary learns the word.
    plain = PinyinEngine(phrases=Phrases([]))
    assert typed(plain, "shiyedengji")[0] != "失业登记"


def test_a_partial_choice_leaves_the_rest_to_choose(engine: PinyinEngine) -> None:
    candidates = typed(engine, "shiyedengji")
    assert engine.choose(candidates.index("失业")) is None
    assert engine.composing == "失业dengji"
    rest = engine.candidates()
    assert "失业登记" not in rest[1:]  # phrases stand for all letters: not offered now
    assert engine.choose(rest.index("登记")) == "失业登记"
    assert engine.letters == ""
    assert engine.candidates() == []


def test_backspace_undoes_a_choice_then_letters(engine: PinyinEngine) -> None:
    candidates = typed(engine, "shiyedengji")
    engine.choose(candidates.index("失业"))
    engine.backspace()
    assert engine.composing == "shiyedengji"
    engine.backspace()
    assert engine.letters == "shiyedengj"


def test_a_phrase_is_committed_whole(engine: PinyinEngine) -> None:
    typed(engine, "shiyedengji")
    assert engine.choose(0) == "失业登记"
    assert engine.letters == ""


def test_predictions_follow_what_was_committed(engine: PinyinEngine) -> None:
    predicted = engine.predicts("就业")
    assert predicted
    assert all(isinstance(word, str) and word for word in predicted)
    assert engine.predicts("") == []


def test_two_engines_keep_their_own_compositions() -> None:
    first, second = PinyinEngine(), PinyinEngine()
    typed(first, "shebaoka")
    typed(second, "sfz")
    assert first.candidates()[0] == "社保卡"
    assert first.choose(0) == "社保卡"


def test_forget_drops_what_the_last_citizen_chose(engine: PinyinEngine) -> None:
    plain = PinyinEngine(phrases=Phrases([]))
    plain.forget()  # the decoder is one per process: other tests chose words before
    before = typed(plain, "shiyedengji")[0]
    assert before != "失业登记"
    candidates = typed(plain, "shiyedengji")
    plain.choose(candidates.index("失业"))
    plain.choose(plain.candidates().index("登记"))
    assert typed(plain, "shiyedengji")[0] == "失业登记"  # the decoder learned it
    plain.forget()
    assert typed(plain, "shiyedengji")[0] == before


def test_a_letter_that_is_not_pinyin_is_refused(engine: PinyinEngine) -> None:
    with pytest.raises(ValueError, match="pinyin"):
        engine.add("1")


def test_the_dictionary_is_found_in_a_multiarch_folder() -> None:
    path = find_data(SYSTEM_DICT, "libgooglepinyin0", "the pinyin dictionary")
    assert path.name == "dict_pinyin.dat"
    assert "-linux-gnu" in str(path)


def test_a_missing_data_file_names_its_package() -> None:
    with pytest.raises(ImeUnavailable, match="libgooglepinyin0") as caught:
        find_data("googlepinyin/data/no-such.dat", "libgooglepinyin0", "the pinyin dictionary")
    assert caught.value.looked_at


def test_the_phrase_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "phrases.yaml"
    bad.write_text("phrases:\n  - {text: 失业登记, pinyin: ShiYe}\n", encoding="utf-8")
    with pytest.raises(PhraseListError, match=r"phrases\[0\]"):
        Phrases.load(bad)


def test_phrases_match_whole_initials_and_started_pinyin() -> None:
    phrases = Phrases.load()
    assert phrases.matching("shiyedengji")[0] == "失业登记"
    assert "失业登记" in phrases.matching("shiyed")
    assert phrases.matching("shi") == []  # one syllable is too little to guess a phrase
    assert phrases.matching("s") == []
