"""Watches the card readers: wakes the attract loop, and lets a card choose its own method.

A background thread asks each reader, twice a second, whether a card is there, through the
drivers' presence checks that read nothing personal: the ID card module's find
(`IdCardReader.card_in_field`) and pcscd's reader state (`SocialCardReader.card_present`).
Never on the UI thread: a reader that does not answer costs its timeout here, not a frozen
screen. It asks between visits, and during a visit only while the visit waits on an identity
chooser (`choosing`); otherwise the visit's own reads own the readers.

Two uses:

- the attract loop: `presented()` is True once for a card that was not there at the previous
  check, between visits, so a card left lying on a reader does not wake the menu again and
  again;
- the identity chooser (card first): every card that arrives while the readers are watched
  gets an arrival number, kept while the card stays, with the identity method its reader
  serves (`id_card`, `social_card`). `laid_since(mark, methods)` names the method of a card
  that arrived after `mark` (`mark()` is the last number given), so the kiosk can tell a card
  laid for this visit from one that was lying there already (kiosk/service.py decides which
  count).

A card first seen after the readers were not watched may have been lying there for a while.
Between visits (a visit just ended, or the kiosk just started) it still wakes the attract
loop, but gets no arrival number, so no chooser takes it by itself: it is the last
visitor's. Within a visit (seen when a chooser shows after a step that did not watch) it
gets a number marked as seen after a gap: a visit's first chooser takes it (laid while an
earlier step such as "how to look things up" showed), a chooser shown again does not (the
card a read just failed on). So that a card laid just after a gap is not mistaken for one
of these, the kiosk `poke()`s the watch when a chooser shows again: it checks at once, not
at its next half second.

A visit's end is told with `visit_ended()` (it pokes too). On a loaded kiosk the look it
asks for may come only after the next visitor opened a service and reached a chooser; a card
first seen at a look with a visit's end since the look before it gets no arrival number
either, whatever shows then: it may be the one the last visitor left (laid while a read step
or a form owned the reader), and reading it for the next visitor would serve the wrong
person. A card laid in that moment is read by its tile instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.hardware import Hardware

log = logging.getLogger(__name__)

Probe = Callable[[], bool]
"""True when a card is on (in) one reader now; raises when the reader cannot tell."""

# The identity methods (flows/identity.py) the readers serve: the name each probe goes by.
ID_CARD = "id_card"
SOCIAL_CARD = "social_card"
# A card seen only after a gap in watching: it came at a time nobody can tell.
_LATE = 0


class CardWatch:
    """Polls the readers' presence; `presented()` wakes, `laid_since()` names the method."""

    def __init__(
        self,
        probes: Mapping[str, Probe],
        *,
        idle: Callable[[], bool] = lambda: True,
        choosing: Callable[[], bool] = lambda: False,
        interval: float = 0.5,
    ) -> None:
        """`probes` by identity method; `idle`: no visit is open; `choosing`: the visit open
        waits on an identity chooser (the readers are free to be asked then too)."""
        self._probes = dict(probes)
        self._idle = idle
        self._choosing = choosing
        self._interval = interval
        self._lock = threading.Lock()
        self._there: dict[str, bool] = dict.fromkeys(self._probes, False)
        # The arrival number of each card lying on a reader now (_LATE: seen after a gap).
        self._cards: dict[str, int] = {}
        # Cards first seen at a chooser after a gap within a visit (laid during a step before
        # it, or the card a read step just failed on): only a visit's first chooser takes one.
        self._in_gap: set[str] = set()
        self._count = 0
        self._watched = False  # the last check asked the readers (no gap since)
        self._ends = 0  # visits ended (visit_ended)
        self._ends_looked = 0  # visits ended when the last look at the readers began
        self._arrived = threading.Event()
        self._failing: set[str] = set()
        self._stop = threading.Event()
        self._poke = threading.Event()
        self._thread: threading.Thread | None = None

    def poke(self) -> None:
        """Check now, on the watch's thread (the readers just became free to be asked)."""
        self._poke.set()

    def visit_ended(self) -> None:
        """A visit ended: what lies on the readers now is its; look at once."""
        with self._lock:
            self._ends += 1
        self._poke.set()

    def caught_up(self) -> bool:
        """The readers were looked at since the last visit ended (a card laid from now on
        gets an arrival number)."""
        with self._lock:
            return self._ends_looked == self._ends

    def check(self) -> None:
        """Ask every reader once (the thread's step; tests call it directly)."""
        idle = self._idle()
        if not idle and not self._choosing():
            self._arrived.clear()  # a card for the visit is not a wake-up afterwards
            self._watched = False
            return
        with self._lock:
            ends = self._ends  # before asking: an end during the asking counts as crossed
        seen = {name: self._ask(name, probe) for name, probe in self._probes.items()}
        with self._lock:
            after_gap = not self._watched
            self._watched = True
            # A visit ended since the last look: a card new now may have lain through it.
            crossed = self._ends != self._ends_looked
            self._ends_looked = ends
            for name, there in seen.items():
                if there and not self._there[name]:
                    if (after_gap and idle) or crossed:
                        number = _LATE  # lay there through a visit's end, or from the start
                    else:
                        self._count += 1
                        number = self._count
                    self._cards[name] = number
                    if after_gap and not idle:
                        self._in_gap.add(name)  # laid during this visit's earlier steps
                    else:
                        self._in_gap.discard(name)
                    log.info("card_presented reader=%s late=%s", name, after_gap)
                    if idle:
                        self._arrived.set()
                elif not there:
                    self._cards.pop(name, None)
                    self._in_gap.discard(name)
                self._there[name] = there

    def _ask(self, name: str, probe: Probe) -> bool:
        try:
            there = probe()
        except Exception as err:  # a reader away is a health state, not a card
            if name not in self._failing:
                log.info("card_watch_probe_failed reader=%s error=%s", name, type(err).__name__)
                self._failing.add(name)
            return False
        self._failing.discard(name)
        return there

    def presented(self) -> bool:
        """True once after a card arrived on a reader between visits, since the last call."""
        arrived = self._arrived.is_set()
        self._arrived.clear()
        return arrived

    def mark(self) -> int:
        """The arrival number given last: cards laid after now get higher ones."""
        with self._lock:
            return self._count

    def laid_since(
        self, mark: int, methods: Collection[str], *, in_gap: bool = False
    ) -> tuple[str, int] | None:
        """The method (of `methods`) of a card that arrived after `mark` and lies there
        still, with its arrival number; the earliest such card first. Reads nothing.

        `in_gap`: also a card first seen after a gap in watching within the visit (at its
        first chooser: laid while an earlier step showed, e.g. how to look things up)."""
        with self._lock:
            laid = sorted(
                (number, name)
                for name, number in self._cards.items()
                if name in methods and number > mark and (in_gap or name not in self._in_gap)
            )
        if not laid:
            return None
        number, name = laid[0]
        return name, number

    @property
    def methods(self) -> frozenset[str]:
        """The identity methods whose reader is watched."""
        return frozenset(self._probes)

    def start(self) -> None:
        """Check in a daemon thread until `stop()`."""
        if self._thread is not None or not self._probes:
            return
        self._thread = threading.Thread(target=self._run, name="card-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop checking."""
        self._stop.set()
        self._poke.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        while True:
            self._poke.wait(self._interval)
            self._poke.clear()
            if self._stop.is_set():
                return
            self.check()


def card_probes(hardware: Hardware) -> dict[str, Probe]:
    """Presence checks of the kiosk's card readers that read nothing personal, by method."""

    def id_card() -> bool:
        reader = hardware.reader
        return reader is not None and reader.card_in_field()

    probes: dict[str, Probe] = {ID_CARD: id_card}
    social = hardware.config.social_card_reader
    if social.kind != "none":

        def social_card() -> bool:
            reader = hardware.social
            return reader is not None and reader.card_present(social.reader or None)

        probes[SOCIAL_CARD] = social_card
    return probes
