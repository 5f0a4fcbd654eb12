"""Keeping the kiosk's copy of the county's content fresh: each source's fetch plan (the
unfiltered list, then one fetch per filter value the flows offer: kiosk/content_store.py
says why), run on start and every `REFRESH_SECONDS` on a thread, into the `ContentStore`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from flows import Catalog
from flows.model import FieldKind
from kiosk.content_store import CHINA_TIME, SOURCES, ContentStore, Fetched, Filters
from kiosk.controller_client import ControllerError, ControllerRejected
from kiosk.repeating import Repeating
from wire import WireError

log = logging.getLogger(__name__)

# The filters each source's fetch reads (wire.ContentQuery.FILTERS).
SOURCE_FILTERS: dict[str, tuple[str, ...]] = {
    "jobs": ("area", "industry", "salary_range", "work_type"),
    "trainings": ("training_category",),
    "slots": ("appointment_service", "appointment_date"),
}
# Sources the controller lists only for a full set of filters (one fetch per combination).
_COMBINED = frozenset({"slots"})
REFRESH_SECONDS = 900.0

Fetch = Callable[[str, Filters], Sequence[Mapping[str, Any]]]
Plans = Callable[[dt.date], Mapping[str, Sequence[Filters]]]


def fetch_source(fetch: Fetch, source: str, plan: Sequence[Filters]) -> Fetched:
    """Run a source's fetch plan; ControllerError or WireError when any fetch fails.

    An item's rank is where the first fetch that brought it listed it (the plan starts with
    the unfiltered list, so that is the controller's own order).
    """
    items: dict[str, dict[str, Any]] = {}
    facets: dict[str, set[tuple[str, str]]] = {}
    fetched: set[tuple[str, str]] = set()
    for filters in plan:
        pairs = {(k, v) for k, v in filters.items()}
        try:
            nodes = fetch(source, filters)
        except ControllerRejected as err:
            # A filter value this county does not have (an appointment service it does not
            # offer): the controller lists nothing for it, and neither does the copy.
            if err.status != 404 or not filters:
                raise
            nodes = []
        fetched |= pairs
        for node in nodes:
            item_id = node.get("id")
            if not isinstance(item_id, str):
                continue
            items.setdefault(item_id, dict(node))
            facets.setdefault(item_id, set()).update(pairs)
    return Fetched(list(items.values()), facets, fetched)


def fetch_plans(catalog: Catalog) -> Plans:
    """Each source's fetch plan from the filter values the catalog's forms offer.

    Unfiltered, then one fetch per value of each filter; slots (which the controller lists
    only for a service and a day) one fetch per service and day the flows let a citizen pick.
    """
    choices: dict[str, set[str]] = {}
    days: dict[str, tuple[int, int]] = {}
    for flow in catalog.flows.values():
        for step in flow.steps.values():
            for spec in step.fields:
                if spec.kind is FieldKind.DATE:
                    days[spec.name] = (spec.min_days or 0, spec.max_days or 0)
                for choice in spec.choices:
                    if choice.value != "any":
                        choices.setdefault(spec.name, set()).add(choice.value)

    def plans(today: dt.date) -> dict[str, list[Filters]]:
        found: dict[str, list[Filters]] = {}
        for source in SOURCES:
            names = SOURCE_FILTERS.get(source, ())
            if source in _COMBINED:
                first, last = days.get("appointment_date", (0, -1))
                found[source] = [
                    {"appointment_service": service, "appointment_date": f"{day:%Y-%m-%d}"}
                    for service in sorted(choices.get("appointment_service", ()))
                    for day in (today + dt.timedelta(days=n) for n in range(first, last + 1))
                ]
                continue
            found[source] = [{}] + [
                {name: value} for name in names for value in sorted(choices.get(name, ()))
            ]
        return found

    return plans


class ContentRefresher:
    """Fetches every source into the store on start and every `refresh_seconds`."""

    def __init__(
        self,
        store: ContentStore,
        fetch: Fetch,
        plans: Plans,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(CHINA_TIME).date(),
    ) -> None:
        self._store = store
        self._fetch = fetch
        self._plans = plans
        self._today = today
        self._repeating = Repeating("content", refresh_seconds, self.refresh)
        self.last_failed: set[str] = set()

    def refresh(self, sources: Collection[str] = SOURCES) -> dict[str, bool]:
        """Fetch each source once; source -> whether it was fetched (a failure keeps the old)."""
        plans = self._plans(self._today())
        done: dict[str, bool] = {}
        for source in sources:
            try:
                fetched = fetch_source(self._fetch, source, plans.get(source, [{}]))
            except (ControllerError, WireError) as err:
                log.warning("content not refreshed source=%s error=%s", source, type(err).__name__)
                done[source] = False
                continue
            changed = self._store.replace(source, fetched)
            log.info("content refreshed source=%s items=%d changed=%s", source,
                     len(fetched.items), changed)  # fmt: skip
            done[source] = True
        self.last_failed = {s for s, ok in done.items() if not ok}
        return done

    def start(self) -> None:
        """Refresh now and every `refresh_seconds`, on a daemon thread."""
        self._repeating.start()

    def stop(self) -> None:
        """Stop refreshing."""
        self._repeating.stop()
