"""Laying simulated cards on a kiosk's simulated readers: the demo panel's and scripts' hand.

`DemoRig` implements the UI's `DemoPort` (kiosk/ports.py) for a kiosk built on simulators:
the touchscreen shows a panel of synthetic cards beside a card step, and scripted walks tap
the first card of the reader a step reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from drivers.idcard.fixtures import fixture_by_name
from drivers.idcard.simulator import IdCardSimulator
from drivers.socialcard.fixtures import FIXTURES as SOCIAL_FIXTURES
from drivers.socialcard.fixtures import fixture_by_name as social_fixture_by_name
from drivers.socialcard.virtual_card import VirtualCard
from flows.actions import ActionName
from kiosk.hardware import Simulators
from kiosk.ports import CardTapper


class SimulatedCardTapper:
    """Puts the simulator's fixture cards on the simulated ID card reader."""

    def __init__(self, simulator: IdCardSimulator) -> None:
        self._sim = simulator

    def card_names(self) -> Sequence[str]:
        """Names printed on the synthetic cards."""
        return [card.name for card in self._sim.cards]

    def present(self, name: str) -> None:
        """Lay the named card on the reader."""
        self._sim.present(fixture_by_name(name))

    def remove(self) -> None:
        """Take the card away."""
        self._sim.remove()


class SimulatedSocialCardTapper:
    """Inserts the virtual social security cards into vpcd's reader."""

    def __init__(self) -> None:
        self._card: VirtualCard | None = None

    def card_names(self) -> Sequence[str]:
        """Names of the synthetic cardholders."""
        return [holder.name for holder in SOCIAL_FIXTURES]

    def present(self, name: str) -> None:
        """Insert the named holder's card (taking out any card already in)."""
        self.remove()
        self._card = VirtualCard(social_fixture_by_name(name))
        self._card.insert()

    def remove(self) -> None:
        """Take the card out."""
        card, self._card = self._card, None
        if card is not None:
            card.remove()


class DemoRig:
    """The card trays of a kiosk's simulated readers; satisfies kiosk.ports.DemoPort."""

    def __init__(self, simulators: Simulators) -> None:
        self.card_tapper = (
            SimulatedCardTapper(simulators.idcard) if simulators.idcard is not None else None
        )
        self.social_card_tapper = SimulatedSocialCardTapper() if simulators.socialcard else None

    def tappers(self) -> Mapping[str, CardTapper]:
        """The trays by the action that reads their cards."""
        trays: dict[str, CardTapper] = {}
        if self.card_tapper is not None:
            trays[ActionName.READ_ID_CARD] = self.card_tapper
        if self.social_card_tapper is not None:
            trays[ActionName.READ_SOCIAL_CARD] = self.social_card_tapper
        return trays

    def close(self) -> None:
        """Take every card out (a virtual card holds a connection to vpcd)."""
        for tray in self.tappers().values():
            tray.remove()
