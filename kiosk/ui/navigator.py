"""Which screen shows a step, and the screens as the session drives them.

`Navigator` is the one surface `UISession` (kiosk/ui/session.py) sees of the screens; the
Kivy screen manager (`kiosk/ui/root.py`, `Router`) implements it and tests record it. No
Kivy here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from flows import StepKind, Texts
from kiosk.ports import AttractCard, HelpContacts, PairingView
from kiosk.ui.chooser import is_identity_chooser

if TYPE_CHECKING:
    # The flow engine loads with the first visit, not for the menu (docs/touchscreen.md).
    from flows import FlowRun
    from kiosk.ui.end_notice import EndNotice

SCREEN_FOR: dict[StepKind, str] = {
    StepKind.ACTION: "action",
    StepKind.FORM: "form",
    StepKind.CONFIRM: "confirm",
    StepKind.NOTICE: "notice",
    StepKind.LIST: "list",
    StepKind.DETAIL: "detail",
    StepKind.END: "end",
}
# The identity chooser is a notice with its own screen of tiles (kiosk/ui/chooser.py).
IDENTIFY_SCREEN = "identify"


def screen_for(run: FlowRun) -> str:
    """The name of the screen that shows the run's current step."""
    if is_identity_chooser(run.flow, run.step):
        return IDENTIFY_SCREEN
    return SCREEN_FOR[run.step.kind]


class Navigator(Protocol):
    """The screens as the session drives them."""

    def show_welcome(self, lang: str) -> None:
        """Show the service menu."""
        ...

    def show_step(self, screen: str, run: FlowRun) -> None:
        """Fill `screen` from the run's current step and show it."""
        ...

    def relabel(self, run: FlowRun) -> None:
        """Show the visible step again in the run's language, keeping what was typed."""
        ...

    def restyle(self, elder: bool, run: FlowRun | None) -> None:
        """Draw every screen in elder mode or not; lay the visible one out again in place."""
        ...

    def show_end(self, notice: EndNotice, seconds_left: float) -> None:
        """Show the end of a visit."""
        ...

    def refresh(self, run: FlowRun | None, end_seconds_left: float | None) -> None:
        """Once a second: clocks and countdowns on the visible screen."""
        ...

    def wipe(self) -> None:
        """Clear every text any screen holds."""
        ...

    def show_attract(self, cards: Sequence[AttractCard], page: int, lang: str) -> None:
        """Show the attract loop at card `page`."""
        ...

    def show_out_of_service(self, reason: Texts, contacts: HelpContacts, lang: str) -> None:
        """Show that the kiosk serves nobody now, why, and whom to call."""
        ...

    def show_pairing(self, view: PairingView, lang: str) -> None:
        """Show or refresh the technician's pairing screen (an unprovisioned kiosk)."""
        ...

    def show_idle(self, seconds: int, lang: str) -> None:
        """Show (or update) the touch-to-continue countdown."""
        ...

    def hide_idle(self) -> None:
        """Take the countdown away."""
        ...

    def show_help(self, contacts: HelpContacts, lang: str) -> None:
        """Show the help numbers."""
        ...
