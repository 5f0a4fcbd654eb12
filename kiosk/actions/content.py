"""Content from the controller: the fetch_* actions and hold_place.

A list is asked of the controller live while it is reachable (places left and order are
then exact to the second); when it is not (the sync loop says so, or the fetch fails) the
list comes from the kiosk's kept copy (kiosk/content_store.py) and the session records the
copy's time, which the list screen shows (数据更新于 …). Holding a place always needs the
controller: offline, hold_place says so and that the citizen can come back later.

Fetched content is written to the session for the engine to check (the kept copy is the
content store's, refreshed in the background, never from a citizen's fetch); a place
in a class, fair or slot is held at once, because "full" must be known before the screen
says "booked" (the transaction itself follows through the outbox). The item held is then
looked up again, so the slip and the confirm screen show the places left after this
booking, not those listed before it.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable, Mapping

from flows import ActionFailed, Session
from flows.actions import CONTENT_SOURCES, ActionName
from flows.content import ContentError, parse_items
from flows.engine import Action
from kiosk.content_store import ContentStore, NotCached
from kiosk.controller_client import (
    BookingUnavailable,
    ControllerClient,
    ControllerError,
    ControllerRejected,
)
from kiosk.messages import for_error, text
from wire import WireError

log = logging.getLogger(__name__)

# The filters each fetching action reads (flows/actions.py), sent to the controller.
_FILTERS: dict[str, tuple[str, ...]] = {
    ActionName.FETCH_JOBS: ("area", "industry", "salary_range", "work_type"),
    ActionName.FETCH_TRAININGS: ("training_category",),
    ActionName.FETCH_SLOTS: ("appointment_service", "appointment_date"),
}
_OFFLINE = text("kiosk.offline")
_BOOKING_OFFLINE = text("kiosk.booking_offline")


class ContentFetching:
    """The content actions over this kiosk's controller client (None: offline) and its
    kept copy of the content (None: live only)."""

    def __init__(
        self,
        controller: ControllerClient | None,
        token: Callable[[], str],
        store: ContentStore | None = None,
        reachable: Callable[[], bool] = lambda: True,
    ) -> None:
        self._controller = controller
        self._token = token
        self._store = store
        self._reachable = reachable

    def bound(self) -> dict[str, Action]:
        """Every fetch_* action and hold_place."""
        actions: dict[str, Action] = {
            action: self._fetcher(source, _FILTERS.get(action, ()))
            for action, source in CONTENT_SOURCES.items()
            if action != ActionName.FETCH_MY_APPLICATIONS
        }
        actions[ActionName.FETCH_MY_APPLICATIONS] = self.fetch_my_applications
        actions[ActionName.HOLD_PLACE] = self.hold_place
        return actions

    def _client(self) -> ControllerClient:
        if self._controller is None:
            raise ActionFailed(_OFFLINE)
        return self._controller

    def _fetcher(self, source: str, filters: tuple[str, ...]) -> Action:
        def fetch(session: Session) -> str:
            wanted = _wanted(session, filters)
            # Known to be offline: the kept copy at once, not a timeout first.
            if not self._reachable() and self._from_store(session, source, wanted):
                return "ok"
            try:
                items = self._client().content(source, wanted, self._token())
            except ActionFailed:
                if self._from_store(session, source, wanted):
                    return "ok"
                raise
            except (ControllerError, WireError) as err:
                log.warning("content fetch failed source=%s error=%s", source, type(err).__name__)
                if self._from_store(session, source, wanted):
                    return "ok"
                raise ActionFailed(_OFFLINE) from err
            session.content[source] = items
            session.content_as_of.pop(source, None)
            return "ok"

        return fetch

    def _from_store(self, session: Session, source: str, wanted: Mapping[str, str]) -> bool:
        """Fill `source` from the kept copy and note its time; False when there is none."""
        if self._store is None:
            return False
        try:
            cached = self._store.items(source, wanted)
        except NotCached as err:
            log.info("content not kept source=%s reason=%s", source, err)
            return False
        session.content[source] = cached.items
        session.content_as_of[source] = cached.as_of_text()
        log.info("content from the kept copy source=%s items=%d", source, len(cached.items))
        return True

    def fetch_my_applications(self, session: Session) -> str:
        """The citizen's own applications from the controller (never cached on disk)."""
        ident = session.identity
        if ident is None:
            raise ActionFailed(text("kiosk.no_identity"))
        client = self._client()
        try:
            session.content["applications"] = client.my_applications(
                ident.document, ident.id_number.reveal(), self._token(),
                identity_method=ident.method,
            )  # fmt: skip
        except ControllerRejected as err:
            raise ActionFailed(for_error(err)) from err
        except (ControllerError, WireError) as err:
            log.warning("applications fetch failed error=%s", type(err).__name__)
            raise ActionFailed(_OFFLINE) from err
        return "ok"

    def hold_place(self, session: Session) -> str:
        """Hold one place of the class, fair or slot just chosen, while the citizen is here.

        A retry for the same item reuses its request key, so it never takes a second place.
        """
        source = session.current_source()
        if source is None:
            raise ActionFailed(text("kiosk.nothing_chosen"))
        item_id = session.selected[source]
        if self._controller is None:
            raise ActionFailed(_BOOKING_OFFLINE)
        client = self._controller
        key = session.record.hold_keys.setdefault((source, item_id), uuid.uuid4().hex)
        try:
            hold = client.hold_booking(source, item_id, self._token(), key=key)
        except BookingUnavailable as err:
            raise ActionFailed(for_error(err), event="taken") from err
        except (ControllerError, WireError) as err:
            log.warning("booking hold failed source=%s error=%s", source, type(err).__name__)
            raise ActionFailed(_BOOKING_OFFLINE) from err
        session.record.holds[source] = hold
        self._refresh_item(client, session, source, item_id)
        return "ok"

    def _refresh_item(
        self, client: ControllerClient, session: Session, source: str, item_id: str
    ) -> None:
        """Look the held item up again: its places left now count this booking.

        Best effort: the hold stands whatever happens here; without an answer the item
        keeps what the list said.
        """
        action = next(a for a, s in CONTENT_SOURCES.items() if s == source)
        try:
            raw = client.content(source, _wanted(session, _FILTERS.get(action, ())), self._token())
            fresh = {item.id: item for item in parse_items(raw)}
        except (ControllerError, WireError, ContentError) as err:
            log.warning("held item not refreshed source=%s error=%s", source, type(err).__name__)
            return
        new = fresh.get(item_id)
        if new is None:
            return
        # Only the counts change: the ranking the list made stays, and so does `available`
        # (the last place taken is this citizen's; going back to the list, it stays theirs).
        session.content[source] = tuple(
            dataclasses.replace(item, summary=new.summary, rows=new.rows)
            if item.id == item_id
            else item
            for item in session.items(source)
        )


def _wanted(session: Session, filters: tuple[str, ...]) -> Mapping[str, str]:
    """The filters a fetch sends: those the citizen set (absent, empty or `any` do not filter)."""
    return {
        name: session.value(name)
        for name in filters
        if name in session.values and session.value(name) not in ("", "any")
    }
