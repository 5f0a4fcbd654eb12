"""What the touchscreen UI needs from the rest of the kiosk, and nothing more.

The UI gets one object satisfying `KioskPort` in its constructor; the composition root
(kiosk/composition.py) builds the real one from configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flows import Flow, FlowRun, RunRecord


class CardTapper(Protocol):
    """Demo only: lets a person 'tap' a simulated ID card on the simulated reader."""

    def card_names(self) -> Sequence[str]:
        """Names of the synthetic fixture cards."""
        ...

    def present(self, name: str) -> None:
        """Put the named card on the reader."""
        ...

    def remove(self) -> None:
        """Take the card off the reader."""
        ...


class KioskPort(Protocol):
    """The kiosk as the UI sees it."""

    @property
    def catalog(self) -> Sequence[Flow]:
        """The services offered, in menu order."""
        ...

    @property
    def card_tapper(self) -> CardTapper | None:
        """Present when the ID card reader is simulated."""
        ...

    @property
    def social_card_tapper(self) -> CardTapper | None:
        """Present when the social security card reader is simulated."""
        ...

    @property
    def station_name(self) -> str:
        """Shown on the welcome screen, e.g. 城关镇就业服务e站."""
        ...

    @property
    def walk_away_seconds(self) -> float:
        """A session ends early when nobody has been in front of the kiosk this long."""
        ...

    def citizen_absent_for(self) -> float | None:
        """Seconds since the camera last saw someone in front; None if it cannot tell."""
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
