"""Binding the flow vocabulary (flows/actions.py) to this kiosk's devices, outbox and controller.

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

from drivers.idcard import IdCardReader
from drivers.socialcard import SocialCardReader
from flows import Flow
from flows.actions import ActionName
from flows.engine import Action
from kiosk.actions.content import ContentFetching
from kiosk.actions.identity import CardReading
from kiosk.actions.printing import Printing, receipt_for, slip_for
from kiosk.actions.station import Station
from kiosk.actions.submission import Submitting
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
