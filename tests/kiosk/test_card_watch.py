"""The card watch: the attract loop's wake-up and the identity chooser's card first, through
the readers' presence checks on the simulators, across a real pty, and the kiosk assembled
with them (its KioskService deciding which card a chooser takes)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

from devkit.demo import write_kiosk_config
from drivers.idcard import IdCardReader
from drivers.idcard.errors import IdCardError
from drivers.idcard.simulator import IdCardSimulator
from flows import FlowRun
from flows.actions import IDENTITY_METHODS
from flows.progress import identity_methods
from kiosk.card_watch import ID_CARD, SOCIAL_CARD, CardWatch
from kiosk.composition import Kiosk, build_kiosk
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
    watch = CardWatch({"id_card": device.card_in_field})
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
    watch = CardWatch({"id_card": device.card_in_field}, idle=lambda: not visit)
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
    watch = CardWatch({"id_card": device.card_in_field, "social_card": lambda: cards[0]})
    watch.check()
    assert not watch.presented()
    cards[0] = True  # a social security card in the other reader
    watch.check()
    assert watch.presented()
    with pytest.raises(IdCardError):
        device.card_in_field()


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    """The kiosk assembled on its simulators, its card watch checked by the test itself."""
    path = write_kiosk_config(tmp_path / "kiosk.toml", "http://127.0.0.1:9")
    text = path.read_text()
    # No virtual pcscd here (tests/kiosk/test_social_card.py owns its fixed port).
    start = text.index("[social_card_reader]")
    end = text.index("[", start + 1)
    path.write_text(text[:start] + '[social_card_reader]\nkind = "none"\n\n' + text[end:])
    kiosk = build_kiosk(load_config(path))
    kiosk.start(sync=False)  # no threads: each check is the test's
    try:
        yield kiosk
    finally:
        kiosk.close()


def test_the_assembled_kiosk_tells_the_ui_of_a_card_on_its_simulated_reader(
    kiosk: Kiosk,
) -> None:
    sim = kiosk.simulators.idcard
    assert sim is not None
    assert kiosk.card_watch is not None
    kiosk.card_watch.check()
    assert not kiosk.service.card_presented()
    sim.present()
    kiosk.card_watch.check()
    assert kiosk.service.card_presented()
    assert sim.reads_served == 0


# Card first: the chooser of a service with several identity methods.
SERVICE = "unemployment_registration"


def _parts(kiosk: Kiosk) -> tuple[IdCardSimulator, CardWatch]:
    sim, watch = kiosk.simulators.idcard, kiosk.card_watch
    assert sim is not None
    assert watch is not None
    return sim, watch


def _at_chooser(kiosk: Kiosk) -> FlowRun:
    run = kiosk.service.new_run(SERVICE, "zh-CN")
    assert "id_card" in identity_methods(run.flow, run.step)
    return run


def _the_chooser_takes_and_reads_it(kiosk: Kiosk, run: FlowRun) -> None:
    """The card on the reader picks the ID card on the chooser and is read, once."""
    sim, _watch = _parts(kiosk)
    assert kiosk.service.card_laid(run) == "id_card"
    run.fire("id_card")
    run.run_action()
    assert run.session.identity is not None
    assert sim.reads_served == 1
    kiosk.service.end_run(run)


def test_the_watched_readers_are_named_by_the_identity_methods_they_serve() -> None:
    assert {ID_CARD, SOCIAL_CARD} <= set(IDENTITY_METHODS)


def test_a_card_laid_on_the_chooser_picks_the_id_card_and_is_read_once(kiosk: Kiosk) -> None:
    sim, watch = _parts(kiosk)
    service = kiosk.service
    watch.check()
    run = _at_chooser(kiosk)
    assert service.choosing()  # the readers may be asked while the chooser shows
    watch.check()
    assert service.card_laid(run) is None
    sim.present()
    watch.check()
    assert not service.card_presented()  # a visit is open: no wake-up
    assert service.card_laid(run) == "id_card"
    assert service.card_laid(run) is None  # one card, one event
    assert sim.reads_served == 0  # the watch only asked find
    run.fire("id_card")
    assert not service.choosing()  # the read owns the reader now
    asked = len(sim.received)
    watch.check()
    assert len(sim.received) == asked
    run.run_action()  # the card is there already: read at once
    assert run.session.identity is not None
    assert run.session.identity.method == "id_card"
    assert run.step.name != "identify.id_card.failed"
    assert sim.reads_served == 1
    watch.check()
    service.end_run(run)
    watch.check()
    assert sim.reads_served == 1  # read exactly once
    assert not service.card_presented()  # the card read is no wake-up after the visit


def test_a_card_laid_before_the_chooser_is_taken_when_it_shows(kiosk: Kiosk) -> None:
    """A card laid on the reader at the attract loop or on the menu wakes the kiosk and is
    the card the citizen means: the chooser takes it without a tap."""
    sim, watch = _parts(kiosk)
    service = kiosk.service
    watch.check()
    sim.present()
    watch.check()
    assert service.card_presented()  # the attract loop wakes
    run = _at_chooser(kiosk)
    watch.check()
    _the_chooser_takes_and_reads_it(kiosk, run)


def test_a_card_laid_while_a_step_before_the_chooser_showed_is_taken_when_it_shows(
    kiosk: Kiosk,
) -> None:
    """Policy lookup asks how to look first; a citizen who lays the card while reading that
    question means it for the chooser next, although the watch rested while it showed."""
    sim, watch = _parts(kiosk)
    service = kiosk.service
    watch.check()
    run = kiosk.service.new_run("policy_lookup", "zh-CN")
    assert not identity_methods(run.flow, run.step)  # not yet the chooser
    assert not service.choosing()
    watch.check()
    sim.present()
    watch.check()  # not watched during this step: the card is not seen yet
    run.fire("personalised")
    assert identity_methods(run.flow, run.step)
    assert service.choosing()
    watch.check()
    _the_chooser_takes_and_reads_it(kiosk, run)


def test_a_card_the_last_visitor_left_on_the_reader_is_not_taken_by_the_next(
    kiosk: Kiosk,
) -> None:
    """A module that finds a card again after reading it: the card keeps lying there, and the
    next citizen's chooser does not read the last visitor's card by itself."""
    sim, watch = _parts(kiosk)
    sim.refinds_read_card = True
    service = kiosk.service
    watch.check()
    first = _at_chooser(kiosk)
    sim.present()
    watch.check()
    assert service.card_laid(first) == "id_card"
    first.fire("id_card")
    first.run_action()
    assert sim.reads_served == 1
    service.end_run(first)
    watch.check()
    assert not service.card_presented()
    second = _at_chooser(kiosk)
    watch.check()
    assert watch.laid_since(0, {"id_card"}) is not None  # it lies there, seen all along
    assert service.card_laid(second) is None
    assert sim.reads_served == 1
    sim.remove()  # the next citizen lifts it and lays their own: that one counts
    watch.check()
    sim.present()
    watch.check()
    assert service.card_laid(second) == "id_card"
    service.end_run(second)


def test_back_at_the_chooser_for_another_way_the_card_lying_there_is_not_taken_again(
    kiosk: Kiosk,
) -> None:
    """The read failed and the citizen asked for another way: the card still lying there must
    not send them back into the same read. Only a card laid again counts."""
    sim, watch = _parts(kiosk)
    sim.refinds_read_card = True
    service = kiosk.service
    watch.check()
    run = _at_chooser(kiosk)
    assert service.card_laid(run) is None
    sim.present()
    watch.check()
    run.fire("id_card")  # tapped as the card went down: the screen had not asked yet
    watch.check()  # the read step: the watch leaves the reader alone
    run.fire("error")  # the read failed (a card it could not read)
    assert run.step.name == "identify.id_card.failed"
    run.fire("other_method")
    watch.check()
    assert service.choosing()
    assert service.card_laid(run) is None
    watch.check()
    assert service.card_laid(run) is None
    sim.remove()
    watch.check()
    sim.present()
    watch.check()
    assert service.card_laid(run) == "id_card"
    service.end_run(run)


def test_a_card_laid_while_the_run_owned_the_reader_is_not_taken_by_the_chooser_after(
    kiosk: Kiosk,
) -> None:
    """Laid while a read step or a form showed, the watch did not see when it came: it wakes
    no chooser by itself (the tile still reads it)."""
    sim, watch = _parts(kiosk)
    service = kiosk.service
    watch.check()
    run = _at_chooser(kiosk)
    watch.check()
    run.fire("id_card")  # the tile tapped, no card yet
    watch.check()
    sim.present()
    run.fire("error")
    run.fire("other_method")
    watch.check()
    assert service.card_laid(run) is None
    run.fire("id_card")
    run.run_action()
    assert run.session.identity is not None  # the tile reads it
    service.end_run(run)


def test_a_reader_that_hangs_never_holds_up_the_question_the_screen_asks() -> None:
    """The UI asks the watch's memory; a probe stuck in a dead reader holds no lock."""
    inside, release = threading.Event(), threading.Event()

    def stuck() -> bool:
        inside.set()
        release.wait(30)
        return True

    watch = CardWatch({"id_card": stuck})
    checking = threading.Thread(target=watch.check, daemon=True)
    checking.start()
    try:
        assert inside.wait(10)
        answered = threading.Event()

        def ask() -> None:
            watch.laid_since(watch.mark(), {"id_card"})
            answered.set()

        threading.Thread(target=ask, daemon=True).start()
        assert answered.wait(5)
    finally:
        release.set()
        checking.join(10)


def test_a_poke_makes_the_watch_thread_check_at_once_not_at_its_next_interval() -> None:
    """The kiosk pokes the watch when the readers become free again (a visit ended, a
    chooser shows again), so the first look after the gap comes before the next card."""
    asked = threading.Event()

    def probe() -> bool:
        asked.set()
        return False

    watch = CardWatch({"id_card": probe}, interval=3600)
    watch.start()
    try:
        assert not asked.is_set()
        watch.poke()
        assert asked.wait(10)
    finally:
        watch.stop()


def test_a_card_left_by_the_last_visitor_is_not_taken_when_the_watch_looks_only_at_the_next_chooser(
    kiosk: Kiosk,
) -> None:
    """A loaded kiosk: the look the visit's end asks for comes only once the next visitor's
    chooser shows. The card the last visitor left (laid while its read step owned the
    reader) is first seen then, within a visit: it must not be read as the next visitor's."""
    sim, watch = _parts(kiosk)
    sim.refinds_read_card = True
    service = kiosk.service
    watch.check()
    first = _at_chooser(kiosk)
    watch.check()
    first.fire("id_card")  # the tile tapped: the read step owns the reader
    sim.present()
    first.run_action()
    assert first.session.identity is not None
    service.end_run(first)  # the card stays on the reader; the watch's look is held
    second = _at_chooser(kiosk)
    assert service.card_laid(second) is None
    watch.check()  # the first look since the end, at the next visitor's chooser
    assert service.card_laid(second) is None
    watch.check()
    assert service.card_laid(second) is None
    assert sim.reads_served == 1
    sim.remove()  # the next citizen lifts it and lays their own: that one counts
    watch.check()
    sim.present()
    watch.check()
    assert service.card_laid(second) == "id_card"
    service.end_run(second)


class _Slots:
    """Which card lies in which reader: presence probes the test sets by hand."""

    def __init__(self) -> None:
        self.there = {ID_CARD: False, SOCIAL_CARD: False}

    def probes(self) -> dict[str, Callable[[], bool]]:
        return {name: partial(self.there.__getitem__, name) for name in self.there}


@pytest.mark.parametrize("look_held", [False, True], ids=["at_once", "held_by_load"])
def test_an_id_card_laid_beside_the_last_visitors_social_card_is_the_one_taken(
    look_held: bool,
) -> None:
    """Two cards at once: the last visitor left a social security card in the slot (put in
    while a read step owned the readers) and the next citizen lays an ID card. The ID card
    is the one this citizen laid; the social card is nobody's to read by itself, whether
    the watch looked at once when the visit ended or only at the next chooser."""
    slots = _Slots()
    visit, choosing = [True], [True]
    watch = CardWatch(slots.probes(), idle=lambda: not visit[0], choosing=lambda: choosing[0])
    watch.check()  # the last visitor's chooser
    choosing[0] = False  # its read step: the readers are not watched
    watch.check()
    slots.there[SOCIAL_CARD] = True
    visit_mark = watch.mark()  # KioskService.end_run
    watch.visit_ended()
    visit[0] = False
    if not look_held:
        watch.check()  # the look the end asked for, between visits
        assert watch.presented()  # it still wakes the attract loop
    visit[0], choosing[0] = True, True  # the next citizen at a chooser
    assert not watch.caught_up() if look_held else watch.caught_up()
    watch.check()
    assert watch.laid_since(visit_mark, watch.methods, in_gap=True) is None
    slots.there[ID_CARD] = True  # the next citizen lays their ID card
    watch.check()
    laid = watch.laid_since(visit_mark, watch.methods, in_gap=True)
    assert laid is not None
    assert laid[0] == ID_CARD
    assert watch.laid_since(laid[1], watch.methods, in_gap=True) is None  # nothing else


def test_of_two_cards_this_citizen_laid_the_first_laid_is_taken() -> None:
    """Both cards laid at the chooser, one look apart: the first one laid is taken, the
    other waits (a chooser shown again after a failed read may take it, laid anew)."""
    slots = _Slots()
    watch = CardWatch(slots.probes(), idle=lambda: False, choosing=lambda: True)
    watch.check()
    mark = watch.mark()
    slots.there[SOCIAL_CARD] = True
    watch.check()
    slots.there[ID_CARD] = True
    watch.check()
    laid = watch.laid_since(mark, watch.methods)
    assert laid is not None
    assert laid[0] == SOCIAL_CARD


def test_a_look_held_up_across_a_visits_end_leaves_the_card_it_missed_unnumbered() -> None:
    """The watch's look starts at a visitor's chooser and hangs in a slow reader (a loaded
    kiosk) while that visitor taps the tile, is read, leaves the card and the next visitor
    reaches a chooser. The card the held look missed is not the next visitor's."""
    slots = _Slots()
    asked, release = threading.Event(), threading.Event()
    hold = [False]

    def id_card() -> bool:
        there = slots.there[ID_CARD]  # what the reader answered, before the delay
        if hold[0]:
            asked.set()
            release.wait(30)
        return there

    watch = CardWatch({ID_CARD: id_card}, idle=lambda: False, choosing=lambda: True)
    watch.check()
    hold[0] = True
    looking = threading.Thread(target=watch.check, daemon=True)
    looking.start()
    try:
        assert asked.wait(10)
        hold[0] = False
        slots.there[ID_CARD] = True  # laid for the tile's read, left there after it
        visit_mark = watch.mark()  # KioskService.end_run
        watch.visit_ended()
    finally:
        release.set()
        looking.join(10)
    assert not looking.is_alive()
    assert not watch.caught_up()  # the held look began before the end
    watch.check()  # the next visitor's chooser
    assert watch.caught_up()
    assert watch.laid_since(visit_mark, {ID_CARD}, in_gap=True) is None
