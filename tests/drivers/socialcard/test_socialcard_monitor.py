"""The insert/remove monitor through the real PC/SC stack, including a pcscd restart."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator

import pytest

from drivers.socialcard import errors as e
from drivers.socialcard.monitor import EventKind, MonitorEvent, SocialCardMonitor
from drivers.socialcard.reader import SocialCardReader
from drivers.socialcard.selftest import check_socialcard
from drivers.socialcard.virtual_card import DEFAULT_ATR, VirtualCard
from tests.drivers.socialcard.conftest import READER, Pcscd, wait_card

WAIT = 5.0


class Events:
    """Collects a monitor's events from its thread; `expect()` waits for the next ones."""

    def __init__(self) -> None:
        self.queue: queue.Queue[MonitorEvent] = queue.Queue()
        self.seen: list[MonitorEvent] = []

    def __call__(self, event: MonitorEvent) -> None:
        self.queue.put(event)

    def next(self, timeout: float = WAIT) -> MonitorEvent:
        try:
            event = self.queue.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no monitor event within {timeout} s; seen so far: {self.seen}")
        self.seen.append(event)
        return event

    def expect(self, kind: EventKind, reader: str = READER) -> MonitorEvent:
        """Skip events of other readers; the next one about `reader` must be `kind`."""
        while True:
            event = self.next()
            if event.reader in ("", reader):
                assert event.kind is kind, f"expected {kind} for {reader!r}, got {event}"
                return event

    def quiet_for(self, seconds: float) -> list[MonitorEvent]:
        """Every event within `seconds` (an empty list is what a quiet test wants)."""
        out = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                out.append(self.queue.get(timeout=left))
            except queue.Empty:
                break
        return out


@pytest.fixture
def events(pcscd: Pcscd) -> Iterator[Events]:
    """A started monitor's events, the initial reader scan already consumed."""
    sink = Events()
    monitor = SocialCardMonitor(sink, poll_timeout=0.2, retry_interval=0.1)
    monitor.start()
    assert sink.next().kind is EventKind.READER_ADDED
    sink.quiet_for(0.3)  # the other vpcd slot
    yield sink
    monitor.stop()
    assert not monitor.running
    assert monitor.error is None, f"the monitor survived an error: {monitor.error!r}"


def test_insert_and_remove_are_reported_with_the_atr(events: Events, card: VirtualCard) -> None:
    card.insert()
    inserted = events.expect(EventKind.CARD_INSERTED)
    assert inserted.atr == DEFAULT_ATR
    card.remove()
    events.expect(EventKind.CARD_REMOVED)


def test_reading_a_card_reports_nothing_more(events: Events, card: VirtualCard) -> None:
    card.insert()
    events.expect(EventKind.CARD_INSERTED)
    SocialCardReader().read_card(READER)
    assert events.quiet_for(0.6) == []


def test_a_card_already_in_the_reader_is_reported_at_start(pcscd: Pcscd, card: VirtualCard) -> None:
    card.insert()
    wait_card(present=True)
    sink = Events()
    with SocialCardMonitor(sink, poll_timeout=0.2):
        kinds = {(ev.kind, ev.reader) for ev in (sink.next(), sink.next(), sink.next())}
    assert (EventKind.READER_ADDED, READER) in kinds
    assert (EventKind.CARD_INSERTED, READER) in kinds


def test_a_failing_callback_does_not_stop_the_monitor(pcscd: Pcscd, card: VirtualCard) -> None:
    sink = Events()

    def fragile(event: MonitorEvent) -> None:
        sink(event)
        raise RuntimeError("a consumer bug")

    with SocialCardMonitor(fragile, poll_timeout=0.2) as monitor:
        sink.expect(EventKind.READER_ADDED)
        card.insert()
        sink.expect(EventKind.CARD_INSERTED)
        assert monitor.running
        assert monitor.cards() == {READER: DEFAULT_ATR}


def test_stop_returns_promptly_even_with_a_long_poll(pcscd: Pcscd) -> None:
    sink = Events()
    monitor = SocialCardMonitor(sink, poll_timeout=30.0)
    monitor.start()
    sink.expect(EventKind.READER_ADDED)
    time.sleep(0.2)  # let it block in SCardGetStatusChange
    started = time.monotonic()
    monitor.stop()
    assert time.monotonic() - started < 1.0
    assert not monitor.running


def test_pcscd_restart_is_lost_then_restored_and_reading_works_again(
    pcscd: Pcscd, events: Events, card: VirtualCard
) -> None:
    pcscd.require_owned("stopping and restarting pcscd")
    card.insert()
    events.expect(EventKind.CARD_INSERTED)

    pcscd.stop()
    events.expect(EventKind.SERVICE_LOST)
    with pytest.raises(e.PcscUnavailable):
        SocialCardReader().read_card(READER)
    with pytest.raises(e.PcscUnavailable):
        SocialCardReader().list_readers()
    down = check_socialcard()
    assert not down.ok
    assert "PcscUnavailable" in down.detail

    pcscd.start()
    events.expect(EventKind.SERVICE_RESTORED)
    events.expect(EventKind.READER_ADDED)
    # The card stayed in the reader: it reconnects to the new vpcd by itself.
    events.expect(EventKind.CARD_INSERTED)
    assert SocialCardReader().read_card(READER).name.reveal() == card.holder.name


# -- what vpcd cannot do: its two readers never come and go, cards are never swapped
# between two polls. The diff logic is fed PC/SC states directly.


def scripted_monitor() -> tuple[SocialCardMonitor, list[tuple[EventKind, str]]]:
    seen: list[tuple[EventKind, str]] = []
    monitor = SocialCardMonitor(lambda ev: seen.append((ev.kind, ev.reader)))
    return monitor, seen


PRESENT = 0x20
EMPTY = 0x10


def test_a_reader_unplugged_with_a_card_in_it_reports_card_then_reader_removed() -> None:
    monitor, seen = scripted_monitor()
    monitor._diff_readers(["USB Reader 00 00"])
    monitor._card_state("USB Reader 00 00", PRESENT | 1 << 16, DEFAULT_ATR)
    monitor._diff_readers([])
    assert seen == [
        (EventKind.READER_ADDED, "USB Reader 00 00"),
        (EventKind.CARD_INSERTED, "USB Reader 00 00"),
        (EventKind.CARD_REMOVED, "USB Reader 00 00"),
        (EventKind.READER_REMOVED, "USB Reader 00 00"),
    ]
    assert monitor.cards() == {}
    assert monitor.readers() == []


def test_a_card_swapped_between_two_polls_is_reported_removed_then_inserted() -> None:
    monitor, seen = scripted_monitor()
    monitor._diff_readers(["R"])
    monitor._card_state("R", PRESENT | 1 << 16, b"\x3b\x00")
    # Same PRESENT state, but pcsc-lite's insert/remove counter moved on by two.
    monitor._card_state("R", PRESENT | 3 << 16, b"\x3b\x01")
    monitor._card_state("R", PRESENT | 3 << 16, b"\x3b\x01")
    monitor._card_state("R", EMPTY | 4 << 16, b"")
    assert [kind for kind, _ in seen] == [
        EventKind.READER_ADDED,
        EventKind.CARD_INSERTED,
        EventKind.CARD_REMOVED,
        EventKind.CARD_INSERTED,
        EventKind.CARD_REMOVED,
    ]
