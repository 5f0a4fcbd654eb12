"""A validated catalog as the kiosk holds it: its services, their opening hours, its flows.

flows/manifest.py makes one from a county's files, checked whole; flows/catalog_cache.py
reads one back from the JSON it kept. The classes live apart from that parser so a kiosk
whose catalog comes from its cache loads none of the validator's modules before its menu.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from flows.model import Flow, Texts


@dataclass(frozen=True)
class OpeningHours:
    """When a service is offered: per weekday (Monday first), minute ranges [start, end)."""

    days: tuple[tuple[tuple[int, int], ...], ...]

    def is_open(self, when: dt.datetime) -> bool:
        """True if `when` (the kiosk's local time) is inside an opening span."""
        minute = when.hour * 60 + when.minute
        return any(start <= minute < end for start, end in self.days[when.weekday()])


_WHOLE_DAY: tuple[tuple[int, int], ...] = ((0, 24 * 60),)
ALWAYS = OpeningHours((_WHOLE_DAY,) * 7)


@dataclass(frozen=True)
class Service:
    """One menu entry: a flow, when it is offered, and the devices it cannot do without."""

    flow: Flow
    hours: OpeningHours
    needs: frozenset[str]
    needs_any: frozenset[str] = frozenset()  # at least one of these (ways to identify)

    def offered(self, when: dt.datetime, devices: Collection[str]) -> bool:
        """True if open at `when` on a kiosk that has `devices`."""
        have = set(devices)
        if self.needs_any and not self.needs_any & have:
            return False
        return self.hours.is_open(when) and self.needs <= have


@dataclass(frozen=True)
class Catalog:
    """A validated catalog: the manifest with every flow it names."""

    version: int
    region: str
    title: Texts
    texts: dict[str, Texts]
    services: tuple[Service, ...]
    flows: dict[str, Flow]  # every flow of the catalog, offered or not
    source: str

    def offered(self, when: dt.datetime, devices: Collection[str]) -> tuple[Service, ...]:
        """The services to show on the menu now, in the manifest's order."""
        return tuple(s for s in self.services if s.offered(when, devices))

    def flow(self, flow_id: str) -> Flow:
        """The flow with this id."""
        return self.flows[flow_id]


# The shipped catalog's folder, read as files (the kiosk is installed as files in its
# release's environment): importlib.resources' machinery was 2 ms of every start.
CATALOG_FOLDER = Path(__file__).with_name("catalog")


def builtin_files() -> dict[str, bytes]:
    """The files of the demo catalog shipped in flows/catalog/ (name -> content)."""
    return {path.name: path.read_bytes() for path in sorted(CATALOG_FOLDER.glob("*.yaml"))}
