"""Binding the flow vocabulary (flows/actions.py) to this kiosk's devices, outbox and controller.

The parts are imported with the first `RunActions` (and `Station`, `receipt_for`, `slip_for`
on first use, PEP 562), not with this package: the kiosk's menu needs none of them.

One `RunActions` serves one citizen's run, composed of one part per responsibility:
identity.py (card readers), submission.py (transactions and ratings into the outbox),
content.py (the controller's content and place holds), printing.py (receipts and slips).
Every failure a citizen may see is ActionFailed with the catalog's words for a code
(kiosk/messages.yaml), in both languages. `UNSUPPORTED` names what this kiosk cannot do.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flows.actions import ActionName

if TYPE_CHECKING:
    from drivers.idcard import IdCardReader
    from drivers.socialcard import SocialCardReader
    from flows import Flow
    from flows.engine import Action
    from kiosk.actions.printing import receipt_for, slip_for
    from kiosk.actions.station import Station
    from kiosk.content_store import ContentStore
    from kiosk.controller_client import ControllerClient
    from kiosk.outbox import Outbox
    from kiosk.receipts import ReceiptOutput

__all__ = ["UNSUPPORTED", "RunActions", "Station", "receipt_for", "slip_for"]

# Actions of the flow vocabulary this kiosk cannot do at all, and why. The engine treats
# their steps like steps whose device is missing (replaced by a fallback, or not offered);
# tests/kiosk/test_bindings.py checks that these plus RunActions.bound() are the whole
# vocabulary.
UNSUPPORTED: dict[str, str] = {
    ActionName.SCAN_E_SOCIAL_CARD: (
        "the payload format of the electronic social security card QR code is not "
        "published, so no identity can be derived from it; the camera driver keeps the raw "
        "payload for when it is"
    ),
}


class RunActions:
    """The actions of one run, with a cancel switch the UI flips when the run ends."""

    def __init__(
        self,
        flow: Flow,
        station: Station,
        *,
        reader: IdCardReader | None,
        social: SocialCardReader | None = None,
        social_reader_name: str | None = None,
        printer: ReceiptOutput | None,
        outbox: Outbox,
        controller: ControllerClient | None = None,
        token: Callable[[], str] = lambda: "",
        content_store: ContentStore | None = None,
        reachable: Callable[[], bool] = lambda: True,
        on_submitted: Callable[[], None] = lambda: None,
        card_wait: float = 55.0,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        # Imported with the first run, not with this package: the parts bring the flow
        # engine, the printer's renderer and the wire models, none of which the menu needs.
        from kiosk.actions.content import ContentFetching
        from kiosk.actions.identity import CardReading
        from kiosk.actions.printing import Printing
        from kiosk.actions.submission import Submitting

        self.flow = flow
        self.station = station
        self.cancelled = threading.Event()
        clock = now or station.now
        self.identity = CardReading(
            reader,
            social,
            social_reader_name,
            card_wait=card_wait,
            cancelled=self.cancelled,
            today=lambda: clock().date(),
        )
        self.submission = Submitting(
            flow,
            station,
            outbox,
            on_submitted=on_submitted,
            now=clock,
        )
        self.content = ContentFetching(controller, token, content_store, reachable)
        self.printing = Printing(flow, station, printer)

    def bound(self) -> dict[str, Action]:
        """The name -> callable map the flow engine takes."""
        return {
            ActionName.READ_ID_CARD: self.identity.read_id_card,
            ActionName.READ_SOCIAL_CARD: self.identity.read_social_card,
            ActionName.SUBMIT: self.submission.submit,
            ActionName.SUBMIT_RATING: self.submission.submit_rating,
            ActionName.PRINT_RECEIPT: self.printing.print_receipt,
            ActionName.PRINT_SLIP: self.printing.print_slip,
            **self.content.bound(),
        }


def __getattr__(name: str) -> Any:
    """Station, receipt_for or slip_for, their module imported on first use."""
    if name == "Station":
        from kiosk.actions import station

        value = getattr(station, name)
    elif name in ("receipt_for", "slip_for"):
        from kiosk.actions import printing

        value = getattr(printing, name)
    else:
        raise AttributeError(f"module 'kiosk.actions' has no attribute {name!r}")
    globals()[name] = value  # asked once: later lookups find it without this hook
    return value
