"""The attract loop's card wake-up: the readers' presence checks on the simulators, across a
real pty, and the kiosk assembled with them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.demo import write_kiosk_config
from drivers.idcard import IdCardReader
from drivers.idcard.errors import IdCardError
from drivers.idcard.simulator import IdCardSimulator
from kiosk.card_watch import CardWatch
from kiosk.composition import build_kiosk
from kiosk.config import load_config


@pytest.fixture
def reader() -> Iterator[tuple[IdCardSimulator, IdCardReader]]:
    with (
        IdCardSimulator() as sim,
        IdCardReader(sim.url, timeout=0.5, poll_interval=0.02) as device,
    ):
        yield sim, device


def test_a_card_laid_on_the_id_reader_is_presented_once_and_nothing_is_read(
    reader: tuple[IdCardSimulator, IdCardReader],
) -> None:
    sim, device = reader
    watch = CardWatch([device.card_in_field])
    watch.check()
    assert not watch.presented()
    sim.present()
    watch.check()
    assert watch.presented()
    assert not watch.presented()  # once per arrival
    watch.check()
    assert not watch.presented()  # a card left lying there does not wake it again
    assert sim.reads_served == 0
    assert {command.split()[0] for command in sim.received} == {"20"}  # find only
    sim.remove()
    watch.check()
    sim.present()
    watch.check()
    assert watch.presented()  # taken away and laid down again: a new arrival


def test_a_card_during_a_visit_is_not_a_wake_up_and_the_readers_are_left_alone(
    reader: tuple[IdCardSimulator, IdCardReader],
) -> None:
    sim, device = reader
    visit = True
    watch = CardWatch([device.card_in_field], idle=lambda: not visit)
    sim.present()
    watch.check()
    assert not watch.presented()
    assert len(sim.received) == 0  # the visit's own read owns the reader
    visit = False
    watch.check()
    assert watch.presented()


def test_a_reader_that_does_not_answer_wakes_nothing_and_the_others_still_count(
    reader: tuple[IdCardSimulator, IdCardReader],
) -> None:
    sim, device = reader
    sim.silent = True
    cards = [False]
    watch = CardWatch([device.card_in_field, lambda: cards[0]])
    watch.check()
    assert not watch.presented()
    cards[0] = True  # a social security card in the other reader
    watch.check()
    assert watch.presented()
    with pytest.raises(IdCardError):
        device.card_in_field()


def test_the_assembled_kiosk_tells_the_ui_of_a_card_on_its_simulated_reader(
    tmp_path: Path,
) -> None:
    path = write_kiosk_config(tmp_path / "kiosk.toml", "http://127.0.0.1:9")
    text = path.read_text()
    # No virtual pcscd here (tests/kiosk/test_social_card.py owns its fixed port).
    start = text.index("[social_card_reader]")
    end = text.index("[", start + 1)
    path.write_text(text[:start] + '[social_card_reader]\nkind = "none"\n\n' + text[end:])
    kiosk = build_kiosk(load_config(path))
    kiosk.start(sync=False)
    try:
        sim = kiosk.simulators.idcard
        assert sim is not None
        assert kiosk.card_watch is not None
        kiosk.card_watch.check()
        assert not kiosk.service.card_presented()
        sim.present()
        kiosk.card_watch.check()
        assert kiosk.service.card_presented()
        assert sim.reads_served == 0
    finally:
        kiosk.close()
