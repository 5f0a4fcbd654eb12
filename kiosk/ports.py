"""What the touchscreen UI needs from the rest of the kiosk, and nothing more.

The UI gets one object satisfying `KioskPort` in its constructor: kiosk/service.py's
`KioskService`, which the composition root (kiosk/composition.py) assembles. A development
rig (devkit/) may add a `DemoPort` beside it, whose simulated cards a person taps on screen;
a kiosk in the field has none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from flows import Flow, Texts
from kiosk.employers import Employer

if TYPE_CHECKING:
    # The flow engine loads with the first visit, not for the menu (docs/touchscreen.md).
    from flows import FlowRun, RunRecord


@dataclass(frozen=True)
class MenuEntry:
    """One service on the menu: whether it can be served now and, if not, why.

    `reason`: why a service that cannot be served is greyed (its device is down); `note`:
    how one that can is served differently today (no printer: the e-receipt QR code).
    """

    flow: Flow
    available: bool = True
    reason: Texts | None = None
    note: Texts | None = None


@dataclass(frozen=True)
class HelpContacts:
    """Whom a citizen can call: the station's staff phone (may be empty) and the hotline."""

    phone: str = ""
    hotline: str = "12333"


@dataclass(frozen=True)
class AttractCard:
    """One page of the attract loop: public content only (a job, a policy, a notice)."""

    kind: str  # job, policy, announcement, how_to
    title: Texts
    body: Texts


@dataclass(frozen=True)
class PairingView:
    """What an unprovisioned kiosk shows the technician: no personal data, only the kiosk's.

    `qr_payload` is what the pairing receipt's QR code carries (the code itself), so the
    technician's tool reads the screen as it reads the printout; `seconds_left` is counted
    when the port is asked, and a new code comes as a new view.
    """

    code_shown: str
    qr_payload: str
    seconds_left: float
    controller_url: str = ""
    station_name: str = ""
    serial: str = ""


class CardTapper(Protocol):
    """Development only: lets a person 'tap' a simulated card on a simulated reader."""

    def card_names(self) -> Sequence[str]:
        """Names of the synthetic fixture cards."""
        ...

    def present(self, name: str) -> None:
        """Put the named card on the reader."""
        ...

    def remove(self) -> None:
        """Take the card off the reader."""
        ...


@runtime_checkable
class DemoPort(Protocol):
    """Development only (devkit/): the simulated card trays of a kiosk on simulators."""

    def tappers(self) -> Mapping[str, CardTapper]:
        """The trays by the action that reads their cards (read_id_card, read_social_card)."""
        ...


class KioskPort(Protocol):
    """The kiosk as the UI sees it."""

    @property
    def catalog(self) -> Sequence[Flow]:
        """The services offered, in menu order."""
        ...

    @property
    def station_name(self) -> str:
        """Shown on the welcome screen, e.g. 城关镇就业服务e站."""
        ...

    def now(self) -> dt.datetime:
        """The station's time, in its configured time zone: the menu clock shows it, as the
        receipt prints it (the process's own time zone may be UTC)."""
        ...

    @property
    def walk_away_seconds(self) -> float:
        """A session ends early when nobody has been in front of the kiosk this long."""
        ...

    def citizen_absent_for(self) -> float | None:
        """Seconds since the camera last saw someone in front; None if it cannot tell."""
        ...

    def menu(self) -> Sequence[MenuEntry]:
        """The services of the menu now, those whose device is down greyed with the reason."""
        ...

    def out_of_service(self) -> Texts | None:
        """Why the kiosk serves nobody now (maintenance, not approved, nothing works); None
        while it serves."""
        ...

    @property
    def help_contacts(self) -> HelpContacts:
        """The numbers the help key shows."""
        ...

    def call_staff(self, reason: str, screen: str) -> None:
        """A citizen asked for a person: queue a staff call for the controller (no PII)."""
        ...

    def attract_cards(self) -> Sequence[AttractCard]:
        """What the attract loop shows while nobody uses the kiosk: public content only."""
        ...

    def card_presented(self) -> bool:
        """True when a card was laid on or inserted into a reader while nobody was served."""
        ...

    def card_laid(self, run: FlowRun) -> str | None:
        """Card first: the identity method (id_card, social_card) whose card was laid on its
        reader for the chooser `run` shows, once per card; None otherwise. Never blocks: the
        readers are watched off the UI thread."""
        ...

    def new_run(self, flow_id: str, lang: str) -> FlowRun:
        """Start a citizen's session in a flow, actions bound to the real devices."""
        ...

    def new_follow_on_run(self, flow_id: str, lang: str, record: RunRecord) -> FlowRun:
        """Start the flow that follows a transaction (the rating) with what it hands over."""
        ...

    def end_run(self, run: FlowRun) -> None:
        """The UI is done with a run: stop its device work and wipe what is left."""
        ...

    def awaiting_delivery(self, record: RunRecord) -> bool:
        """The run's transaction is saved on the kiosk and not yet with the controller (the
        network went while it was sent): the end screen says it will be sent."""
        ...

    def employers(self) -> Sequence[Employer]:
        """The county's employer list for the employer picker; [] when the kiosk has none
        (offline, or never fetched): the picker then offers free entry. Never blocks."""
        ...
