"""The county's employer list, for the employer picker: from the controller, kept.

The list is the controller's content source `employers` (no personal data: a registered
organisation's name, its unified social credit code, the pinyin initials of its name). On
an assembled kiosk it is read from the content store (kiosk/content_store.py), which the
background refresh fills, so the picker has it while the network is down and after a
restart; without a store it is fetched here and kept in memory. A kiosk that never reached
it (offline, or a controller that does not know the source) has an empty list and the
picker offers free entry only. `current()` never blocks: the touchscreen calls it on its
own thread.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.content_store import ContentStore, NotCached
from kiosk.controller_client import ControllerClient, ControllerError
from wire import WireError

log = logging.getLogger(__name__)

SOURCE = "employers"
MAX_AGE = 600.0  # seconds before a kept list is fetched again
RETRY_AFTER = 60.0  # seconds before a failed fetch is tried again
_INITIALS = re.compile(r"[a-z]{1,64}")


@dataclass(frozen=True)
class Employer:
    """One organisation of the county's employer list."""

    name: str
    credit_code: str = ""
    initials: str = ""  # pinyin initials of the name, lower case (szjy: 缙云县...)

    def matches(self, query: str) -> bool:
        """True when `query` is in the name, or starts its initials or credit code."""
        query = query.strip()
        if not query:
            return True
        folded = query.lower()
        return (
            query in self.name
            or (bool(self.initials) and self.initials.startswith(folded))
            or (bool(self.credit_code) and self.credit_code.upper().startswith(query.upper()))
        )


def employer_from(node: object) -> Employer | None:
    """An employer from one item the controller sent, or None when it is not one.

    Reads `name`, `credit_code`, `initials`; an item in the general content shape (`title`,
    `id`) is read too, so either way of sending the source works.
    """
    if not isinstance(node, Mapping):
        return None
    name = _text(node.get("name")) or _text(node.get("title"))
    if not name or len(name) > 100:
        return None
    code = node.get("credit_code", node.get("id", ""))
    initials = node.get("initials", "")
    return Employer(
        name=name,
        credit_code=code.strip() if isinstance(code, str) else "",
        initials=initials if isinstance(initials, str) and _INITIALS.fullmatch(initials) else "",
    )


def _text(value: object) -> str:
    if isinstance(value, Mapping):
        value = value.get("zh-CN")
    return value.strip() if isinstance(value, str) else ""


class EmployerList:
    """The employer list as last fetched; refreshed in the background when old, or read
    from the content store (whose refresh keeps it) when there is one."""

    def __init__(
        self,
        controller: ControllerClient | None,
        token: Callable[[], str],
        *,
        clock: Callable[[], float] = time.monotonic,
        store: ContentStore | None = None,
    ) -> None:
        self._store = store
        self._store_as_of: object = None
        self._controller = controller
        self._token = token
        self._clock = clock
        self._employers: list[Employer] = []
        self._fetched_at: float | None = None
        self._tried_at: float | None = None
        self._lock = threading.Lock()
        self._refreshing = False

    def current(self) -> list[Employer]:
        """The list kept now ([] before the first fetch); starts a refresh when it is old."""
        if self._store is not None:
            return self._from_store(self._store)
        with self._lock:
            now = self._clock()
            due = (self._fetched_at is None or now - self._fetched_at > MAX_AGE) and (
                self._tried_at is None or now - self._tried_at > RETRY_AFTER
            )
            start = due and not self._refreshing and self._controller is not None
            if start:
                self._refreshing = True
            kept = list(self._employers)
        if start:
            threading.Thread(target=self._refresh_in_background, daemon=True).start()
        return kept

    def refresh(self) -> bool:
        """Fetch the list now (blocking); False, keeping the old list, when it failed."""
        with self._lock:
            self._tried_at = self._clock()
        if self._controller is None:
            return False
        try:
            raw: Any = self._controller.content(SOURCE, None, self._token())
        except (ControllerError, WireError) as err:
            # WireError: a wire contract without this source yet; free entry serves.
            log.warning("employer list not fetched error=%s", type(err).__name__)
            return False
        found = [e for e in (employer_from(node) for node in raw or []) if e is not None]
        with self._lock:
            self._employers = found
            self._fetched_at = self._clock()
        return True

    def _from_store(self, store: ContentStore) -> list[Employer]:
        """The store's copy, parsed again only when the store's copy changed."""
        as_of = store.as_of(SOURCE)
        with self._lock:
            if as_of == self._store_as_of:
                return list(self._employers)
        try:
            raw = store.items(SOURCE).items
        except NotCached:
            raw = []
        found = [e for e in (employer_from(node) for node in raw) if e is not None]
        with self._lock:
            self._employers, self._store_as_of = found, as_of
        return list(found)

    def _refresh_in_background(self) -> None:
        try:
            self.refresh()
        except Exception as err:  # the top of a worker thread: log it, keep the old list
            log.error("employer list refresh failed error=%s", type(err).__name__)
        finally:
            with self._lock:
                self._refreshing = False
