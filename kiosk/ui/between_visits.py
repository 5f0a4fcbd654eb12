"""What the screen shows between visits: the menu idling, the attract loop, out of service
and pairing.

No Kivy here. `UISession` (kiosk/ui/session.py) keeps the visit and holds one
`BetweenVisits`, which has the screen whenever no visit is open and no end screen shows:

- the attract loop comes at start, after a visit that ended by itself (idle, walked away)
  and after `welcome_idle_seconds` on an untouched menu with nobody in front; its cards turn
  every `ATTRACT_PAGE_SECONDS`; it wakes to the menu on a touch, a card laid on a reader or
  a face in front of the camera;
- out of service (KioskPort.out_of_service) takes the screen whenever no visit is open;
- an unprovisioned kiosk (KioskPort.pairing) shows the technician's pairing screen.

Every way back to the menu or the attract loop, and into out of service or pairing, puts
the screen in the station's language: the next person starts in it, not in the last
visitor's. The methods that may do so return the language the screen is in.

The time of the last touch lives here because the menu idles on it; the visit reads it too
(someone who touched the screen lately has not walked away).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flows import Texts
from kiosk.ports import HelpContacts, KioskPort, PairingView
from kiosk.ui.navigator import Navigator

log = logging.getLogger(__name__)


class Mode:
    """What shows between visits."""

    WELCOME = "welcome"
    ATTRACT = "attract"
    OUT_OF_SERVICE = "out_of_service"
    PAIRING = "pairing"


WELCOME_IDLE_SECONDS = 60.0
ATTRACT_PAGE_SECONDS = 6.0


def contacts_of(port: KioskPort) -> HelpContacts:
    """The numbers a citizen may call (the hotline alone for a port that has none)."""
    contacts = getattr(port, "help_contacts", None)
    return contacts if isinstance(contacts, HelpContacts) else HelpContacts()


class BetweenVisits:
    """The screen while no visit is open: which of the four shows, and when it changes."""

    def __init__(
        self,
        port: KioskPort,
        navigator: Callable[[], Navigator],
        *,
        lang: str,
        clock: Callable[[], float],
        attract_at_start: bool = True,
        welcome_idle_seconds: float = WELCOME_IDLE_SECONDS,
    ) -> None:
        """`navigator`: the screens, once attached; `lang`: the station's language."""
        self.port = port
        self._navigator = navigator
        self.default_lang = lang
        self._clock = clock
        self.mode = Mode.ATTRACT if attract_at_start else Mode.WELCOME
        self.welcome_idle_seconds = welcome_idle_seconds
        self._last_touch = clock()
        self._attract_page = 0
        self._attract_turned = clock()
        self._out_of_service: Texts | None = None

    @property
    def nav(self) -> Navigator:
        """The screens."""
        return self._navigator()

    def touched(self) -> None:
        """Someone touched the screen (or laid a card, or pressed help) just now."""
        self._last_touch = self._clock()

    def untouched_for(self) -> float:
        """Seconds since the screen was last touched."""
        return self._clock() - self._last_touch

    def tick(self, lang: str) -> str:
        """Once a second: out of service, the attract loop paging, or the menu idling.

        `lang` is the language on screen; returns the language on screen after the tick.
        """
        pairing = self._port_pairing()
        if pairing is not None:
            # Unprovisioned: the technician's screen, its time left redrawn each tick.
            if self.mode != Mode.PAIRING:
                self.mode, self._out_of_service = Mode.PAIRING, None
                lang = self.default_lang
                self.nav.wipe()
            self.nav.show_pairing(pairing, lang)
            return lang
        reason = self._port_out_of_service()
        if reason is not None:
            if self.mode != Mode.OUT_OF_SERVICE or reason != self._out_of_service:
                self.mode, self._out_of_service = Mode.OUT_OF_SERVICE, reason
                lang = self.default_lang
                self.nav.wipe()
                self.nav.show_out_of_service(reason, contacts_of(self.port), lang)
            return lang
        if self.mode in (Mode.OUT_OF_SERVICE, Mode.PAIRING):
            self._out_of_service = None
            return self.to_attract()  # back in service: nobody is waiting at a closed kiosk
        if self.mode == Mode.ATTRACT:
            if self._someone_here():
                self.wake(lang)
            elif self._clock() - self._attract_turned >= ATTRACT_PAGE_SECONDS:
                self._attract_page += 1
                self._show_attract(lang)
        elif self.untouched_for() >= self.welcome_idle_seconds:
            if self._face_in_front():
                self.touched()  # someone reads the menu
            else:
                return self.to_attract()
        return lang

    def wake(self, lang: str) -> None:
        """Someone is at the kiosk: the attract loop, if it shows, gives way to the menu."""
        if self.mode != Mode.ATTRACT:
            return
        self.mode = Mode.WELCOME
        self.touched()
        self.nav.show_welcome(lang)

    def to_welcome(self) -> str:
        """Wipe every screen and show the menu in the station's language, which it returns."""
        self.mode = Mode.WELCOME
        self.touched()
        self.nav.wipe()
        self.nav.show_welcome(self.default_lang)
        return self.default_lang

    def to_attract(self) -> str:
        """Wipe every screen and start the attract loop in the station's language (returned)."""
        self.mode = Mode.ATTRACT
        self._attract_page = 0
        self.nav.wipe()
        self._show_attract(self.default_lang)
        return self.default_lang

    def _show_attract(self, lang: str) -> None:
        self._attract_turned = self._clock()
        cards = getattr(self.port, "attract_cards", None)
        shown = list(cards()) if callable(cards) else []
        page = self._attract_page % len(shown) if shown else 0
        self.nav.show_attract(shown, page, lang)

    def _port_pairing(self) -> PairingView | None:
        view = self._ask_port("pairing")  # only a kiosk with a provisioning side answers
        return view if isinstance(view, PairingView) else None

    def _port_out_of_service(self) -> Texts | None:
        reason = self._ask_port("out_of_service")
        return reason if isinstance(reason, Texts) else None

    def _ask_port(self, question: str) -> object:
        """What the port answers to `question` (None when it has no such question, or its
        answer failed: a failing check must not stop the screen)."""
        ask = getattr(self.port, question, None)
        if not callable(ask):
            return None
        try:
            return ask()
        except Exception:
            log.exception("%s check failed", question)
            return None

    def _someone_here(self) -> bool:
        presented = getattr(self.port, "card_presented", None)
        card = bool(presented()) if callable(presented) else False
        return card or self._face_in_front()

    def _face_in_front(self) -> bool:
        return getattr(self.port, "citizen_absent_for", lambda: None)() == 0.0
