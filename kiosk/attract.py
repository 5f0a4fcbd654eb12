"""What the attract loop shows while nobody uses the kiosk: public content, never a person.

Cards come from what the kiosk already has: the catalog's station texts (an announcement),
a "how to use this terminal" card, and the newest jobs, policies and job fairs of the
county, read now and then on a thread of their own (on an assembled kiosk from the content
store, kiosk/content_store.py, so the loop has them offline and after a restart) and kept
in memory. Items pass through the flows' content check (which redacts an ID
number in any text) and only their title and summary are shown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flows import Catalog
from flows.content import ContentError, Item, parse_items
from kiosk.controller_client import ControllerError
from kiosk.messages import text
from kiosk.ports import AttractCard
from kiosk.repeating import Repeating

log = logging.getLogger(__name__)

# Source -> the card kind it makes, in the order the loop shows them.
SOURCES: dict[str, str] = {"jobs": "job", "policies": "policy", "job_fairs": "announcement"}
PER_SOURCE = 4  # a loop of a dozen cards: long enough to inform, short enough to come round
REFRESH_SECONDS = 900.0

Fetch = Callable[[str], Sequence[Mapping[str, Any]]]


def how_to_card() -> AttractCard:
    """The card that says how to use the terminal."""
    return AttractCard("how_to", text("kiosk.attract.how_to_title"), text("kiosk.attract.how_to"))


def cards_from(catalog: Catalog | None, content: Mapping[str, Sequence[Item]]) -> list[AttractCard]:
    """The loop's cards: how to use it, the station's welcome, then a few of each source."""
    cards = [how_to_card()]
    if catalog is not None and "welcome" in catalog.texts:
        cards.append(AttractCard("announcement", catalog.title, catalog.texts["welcome"]))
    for source, kind in SOURCES.items():
        for item in content.get(source, ())[:PER_SOURCE]:
            body = item.summary if item.summary is not None else item.title
            cards.append(AttractCard(kind, item.title, body))
    return cards


class AttractContent:
    """The attract loop's cards, the content part refreshed in the background."""

    def __init__(
        self,
        catalog: Callable[[], Catalog | None],
        fetch: Fetch,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self._catalog = catalog
        self._fetch = fetch
        self._content: dict[str, tuple[Item, ...]] = {}
        self._lock = threading.Lock()
        self._repeating = Repeating("attract", refresh_seconds, self.refresh)

    def cards(self) -> list[AttractCard]:
        """The cards now (the content fetched last; none before the first fetch)."""
        with self._lock:
            content = dict(self._content)
        return cards_from(self._catalog(), content)

    def refresh(self) -> None:
        """Fetch each source once; a source that fails keeps what it had."""
        for source in SOURCES:
            try:
                items = parse_items(list(self._fetch(source)))
            # LookupError: the content store has no copy of the source yet.
            except (ContentError, ControllerError, ValueError, LookupError) as err:
                log.warning("attract content not refreshed source=%s reason=%s", source, err)
                continue
            with self._lock:
                self._content[source] = items

    def start(self) -> None:
        """Refresh now and every `refresh_seconds`, on a daemon thread."""
        self._repeating.start()

    def stop(self) -> None:
        """Stop refreshing."""
        self._repeating.stop()
