"""Handwriting through the real libzinnia and tegaki's simplified-Chinese model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.ime import ImeError, ImeUnavailable
from kiosk.ime.handwriting import HandwritingRecognizer, find_model


@pytest.fixture(scope="module")
def recognizer() -> Iterator[HandwritingRecognizer]:
    engine = HandwritingRecognizer()
    yield engine
    engine.close()


# Strokes on a 300 x 300 pad, y downwards, drawn as a finger would.
YI = [[(30, 150), (150, 150), (270, 150)]]
SHI = [[(30, 150), (270, 150)], [(150, 30), (150, 270)]]
REN = [[(150, 30), (130, 130), (80, 210), (30, 270)], [(135, 150), (200, 220), (270, 270)]]


@pytest.mark.parametrize(("strokes", "char"), [(YI, "一"), (SHI, "十"), (REN, "人")])
def test_characters_drawn_in_code_are_recognised_first(
    recognizer: HandwritingRecognizer, strokes: list[list[tuple[int, int]]], char: str
) -> None:
    assert recognizer.classify(strokes)[0] == char


def test_points_on_a_larger_pad_are_scaled(recognizer: HandwritingRecognizer) -> None:
    doubled = [[(2 * x, 2 * y) for x, y in stroke] for stroke in SHI]
    assert recognizer.classify(doubled, size=600)[0] == "十"


def test_several_candidates_and_none_for_no_ink(recognizer: HandwritingRecognizer) -> None:
    assert len(recognizer.classify(SHI, best=5)) == 5
    assert recognizer.classify([]) == []
    assert recognizer.classify([[]]) == []


def test_the_model_is_found() -> None:
    assert find_model().name == "handwriting-zh_CN.model"


def test_a_missing_model_is_an_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ImeError, match="could not open the model"):
        HandwritingRecognizer(tmp_path / "none.model")


def test_a_missing_library_names_its_package() -> None:
    from kiosk.ime.libs import load_library

    with pytest.raises(ImeUnavailable, match="libzinnia0"):
        load_library("libzinnia-not-there.so.9", "libzinnia0")
