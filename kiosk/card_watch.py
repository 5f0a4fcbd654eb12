"""Wakes the attract loop when a card is laid on or inserted into a reader.

Between visits a background thread asks each reader, twice a second, whether a card is
there, through the drivers' presence checks that read nothing personal: the ID card
module's find (`IdCardReader.card_in_field`) and pcscd's reader state
(`SocialCardReader.card_present`). Never on the UI thread: a reader that does not answer
costs its timeout here, not a frozen screen. During a visit it stays quiet: the visit's
own reads own the readers then.

A card counts once, when it arrives: `presented()` is True once for a card that was not
there at the previous check, so a card left lying on a reader does not wake the menu again
and again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.hardware import Hardware

log = logging.getLogger(__name__)

Probe = Callable[[], bool]
"""True when a card is on (in) one reader now; raises when the reader cannot tell."""


class CardWatch:
    """Polls the readers' presence between visits; `presented()` says a card arrived."""

    def __init__(
        self,
        probes: Sequence[Probe],
        *,
        idle: Callable[[], bool] = lambda: True,
        interval: float = 0.5,
    ) -> None:
        """`idle`: no visit is open (the readers are free to be asked)."""
        self._probes = list(probes)
        self._idle = idle
        self._interval = interval
        self._there = [False] * len(self._probes)
        self._arrived = threading.Event()
        self._failing: set[int] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> None:
        """Ask every reader once (the thread's step; tests call it directly)."""
        if not self._idle():
            self._arrived.clear()  # a card for the visit is not a wake-up afterwards
            return
        for index, probe in enumerate(self._probes):
            try:
                there = probe()
            except Exception as err:  # a reader away is a health state, not a wake-up
                if index not in self._failing:
                    log.info(
                        "card_watch_probe_failed reader=%d error=%s", index, type(err).__name__
                    )
                    self._failing.add(index)
                there = False
            else:
                self._failing.discard(index)
            if there and not self._there[index]:
                log.info("card_presented reader=%d", index)
                self._arrived.set()
            self._there[index] = there

    def presented(self) -> bool:
        """True once after a card arrived on a reader since the last call."""
        arrived = self._arrived.is_set()
        self._arrived.clear()
        return arrived

    def start(self) -> None:
        """Check in a daemon thread until `stop()`."""
        if self._thread is not None or not self._probes:
            return
        self._thread = threading.Thread(target=self._run, name="card-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop checking."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.check()


def card_probes(hardware: Hardware) -> list[Probe]:
    """Presence checks of the kiosk's card readers that read nothing personal."""

    def id_card() -> bool:
        reader = hardware.reader
        return reader is not None and reader.card_in_field()

    probes: list[Probe] = [id_card]
    social = hardware.config.social_card_reader
    if social.kind != "none":

        def social_card() -> bool:
            reader = hardware.social
            return reader is not None and reader.card_present(social.reader or None)

        probes.append(social_card)
    return probes
