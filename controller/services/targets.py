"""Target state: what a county's kiosks (or a group, or one kiosk) should run, and what
each reported.

County staff or ops admins set, per county, the services the menu offers, each one's opening
hours and the help phone (controller/target_pages.py); an ops admin may set them for a named
group of kiosks (a township's stations, a pilot) and for one kiosk. A kiosk follows the
first that is set of: its own, its group's, its county's (kiosk > group > county); it is in
one group at most, so the answer is always one row, never a merge of fields. Each setting
is stored as the wire.TargetState a kiosk fetches, minus the version, which is a digest of
the content: the same settings are the same version wherever they are set, and a kiosk
already running them has nothing to do.

The controller checks only the shape (the wire models): it cannot read flows. The kiosk
checks the catalog the target makes with the catalog validator, applies it between visits
and reports it applied or rejected with the reason (kiosk/target.py); the kiosk page shows
wanted, applied and rejected side by side.

The heartbeat reads the wanted versions from a snapshot made at most every
`cache_seconds` (a few small SELECTs), dropped whenever a target is saved.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller import region_codes
from controller.clock import Clock
from controller.models import CatalogTarget, Kiosk, KioskGroup, KioskGroupMember, KioskTarget
from controller.services.errors import BadMessage, Conflict
from wire import TargetOutcome, TargetReport, TargetReportAck, TargetService, TargetState


@dataclass(frozen=True)
class TargetSpec:
    """What staff set: the services offered (in menu order) and the help phone."""

    services: tuple[TargetService, ...]
    help_phone: str = ""

    @property
    def version(self) -> str:
        """A digest of the content: the version kiosks compare."""
        body = {
            "services": [s.model_dump(mode="json") for s in self.services],
            "help_phone": self.help_phone,
        }
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def state(self) -> TargetState:
        """The message a kiosk fetches; BadMessage names what the wire refuses."""
        try:
            return TargetState(
                version=self.version, services=list(self.services), help_phone=self.help_phone
            )
        except ValueError as err:
            raise BadMessage(f"target: {err}") from err


@dataclass(frozen=True)
class TargetView:
    """A kiosk's target for its page: what it should run, from where, and what it said."""

    wanted: str  # "" none set: the catalog it ships with
    source: str  # "kiosk", "group", "county" or ""
    group: str = ""  # the kiosk's group's name, if it is in one
    revision: int = 0
    applied: str | None = None
    applied_at: object = None
    rejected: str | None = None
    rejected_reason: str = ""
    rejected_at: object = None


def _spec(row: CatalogTarget) -> TargetSpec:
    return TargetSpec(tuple(TargetService.model_validate(s) for s in row.services), row.help_phone)


@dataclass
class _Snapshot:
    kiosks: dict[int, str] = field(default_factory=dict)  # kiosk pk -> wanted version
    read_at: float = float("-inf")


class Targets:
    """The targets staff set, and what kiosks report of them."""

    def __init__(
        self,
        clock: Clock,
        *,
        cache_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self.cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._snapshot = _Snapshot()
        self._lock = threading.Lock()

    # -- what staff set --------------------------------------------------------------------

    def county_row(self, session: Session, county: str) -> CatalogTarget | None:
        """The county's target row (county: 6 digits)."""
        return session.scalar(select(CatalogTarget).where(CatalogTarget.region_code == county))

    def kiosk_row(self, session: Session, kiosk: Kiosk) -> CatalogTarget | None:
        """The kiosk's own override row."""
        return session.scalar(select(CatalogTarget).where(CatalogTarget.kiosk_pk == kiosk.id))

    def spec(self, row: CatalogTarget | None) -> TargetSpec | None:
        """The settings a row holds."""
        return _spec(row) if row is not None else None

    def set_county(self, session: Session, county: str, spec: TargetSpec, by: str) -> CatalogTarget:
        """Save the county's target (a new revision when it changed)."""
        row = self.county_row(session, county)
        if row is None:
            row = CatalogTarget(region_code=county, revision=0)
            session.add(row)
        return self._store(row, spec, by)

    def set_kiosk(self, session: Session, kiosk: Kiosk, spec: TargetSpec, by: str) -> CatalogTarget:
        """Save a kiosk's own target, which wins over its county's."""
        row = self.kiosk_row(session, kiosk)
        if row is None:
            row = CatalogTarget(kiosk_pk=kiosk.id, revision=0)
            session.add(row)
        return self._store(row, spec, by)

    def clear_kiosk(self, session: Session, kiosk: Kiosk) -> bool:
        """Drop a kiosk's override: it follows its county again. True if there was one."""
        row = self.kiosk_row(session, kiosk)
        if row is not None:
            session.delete(row)
        self.changed()
        return row is not None

    def _store(self, row: CatalogTarget, spec: TargetSpec, by: str) -> CatalogTarget:
        state = spec.state()
        if row.version != state.version:
            row.revision = (row.revision or 0) + 1
        row.version = state.version
        row.services = [s.model_dump(mode="json") for s in state.services]
        row.help_phone = state.help_phone
        row.updated_at = self._clock()
        row.updated_by = by
        self.changed()
        return row

    def effective(self, session: Session, kiosk: Kiosk) -> tuple[CatalogTarget | None, str]:
        """The row a kiosk follows and whose it is: "kiosk" > "group" > "county" ("" none)."""
        own = self.kiosk_row(session, kiosk)
        if own is not None:
            return own, "kiosk"
        group = self.group_of(session, kiosk)
        row = self.group_row(session, group) if group is not None else None
        if row is not None:
            return row, "group"
        county = _county(kiosk.region_code)
        row = self.county_row(session, county) if county else None
        return row, ("county" if row is not None else "")

    # -- groups ----------------------------------------------------------------------------

    def groups(self, session: Session) -> list[KioskGroup]:
        """Every group, by name."""
        return list(session.scalars(select(KioskGroup).order_by(KioskGroup.name)))

    def group(self, session: Session, group_pk: int) -> KioskGroup | None:
        """A group by its number."""
        return session.get(KioskGroup, group_pk)

    def group_named(self, session: Session, name: str) -> KioskGroup | None:
        """A group by its name."""
        return session.scalar(select(KioskGroup).where(KioskGroup.name == name.strip()))

    def add_group(self, session: Session, name: str, by: str) -> KioskGroup:
        """A new, empty group; BadMessage for an empty or long name, Conflict for a taken one."""
        name = " ".join(name.split())
        if not name or len(name) > 64:
            raise BadMessage("a group's name is 1 to 64 characters")
        if self.group_named(session, name) is not None:
            raise Conflict(f"a group named {name!r} exists")
        group = KioskGroup(name=name, created_at=self._clock(), created_by=by)
        session.add(group)
        session.flush()
        return group

    def group_of(self, session: Session, kiosk: Kiosk) -> KioskGroup | None:
        """The kiosk's group, if it is in one."""
        return session.scalar(
            select(KioskGroup)
            .join(KioskGroupMember, KioskGroupMember.group_pk == KioskGroup.id)
            .where(KioskGroupMember.kiosk_pk == kiosk.id)
        )

    def members(self, session: Session, group: KioskGroup) -> list[Kiosk]:
        """The group's kiosks, by kiosk id."""
        return list(
            session.scalars(
                select(Kiosk)
                .join(KioskGroupMember, KioskGroupMember.kiosk_pk == Kiosk.id)
                .where(KioskGroupMember.group_pk == group.id)
                .order_by(Kiosk.kiosk_id)
            )
        )

    def set_group_of(self, session: Session, kiosk: Kiosk, group: KioskGroup | None) -> None:
        """Put a kiosk in `group` (out of any other), or with None in no group."""
        member = session.get(KioskGroupMember, kiosk.id)
        if group is None:
            if member is not None:
                session.delete(member)
        elif member is None:
            session.add(KioskGroupMember(kiosk_pk=kiosk.id, group_pk=group.id))
        else:
            member.group_pk = group.id
        self.changed()

    def group_row(self, session: Session, group: KioskGroup) -> CatalogTarget | None:
        """The group's target row."""
        return session.get(CatalogTarget, group.target_pk) if group.target_pk else None

    def set_group(
        self, session: Session, group: KioskGroup, spec: TargetSpec, by: str
    ) -> CatalogTarget:
        """Save a group's target, which wins over its kiosks' counties'."""
        row = self.group_row(session, group)
        if row is None:
            row = CatalogTarget(revision=0)
            session.add(row)
        stored = self._store(row, spec, by)
        session.flush()
        group.target_pk = stored.id
        return stored

    def clear_group(self, session: Session, group: KioskGroup) -> bool:
        """Drop a group's target: its kiosks follow their counties again. True if it had one."""
        row = self.group_row(session, group)
        if row is not None:
            group.target_pk = None
            session.flush()
            session.delete(row)
        self.changed()
        return row is not None

    def for_kiosk(self, session: Session, kiosk: Kiosk) -> TargetState | None:
        """What GET target answers this kiosk (None: nothing set)."""
        row, _ = self.effective(session, kiosk)
        return _spec(row).state() if row is not None else None

    # -- what kiosks report ----------------------------------------------------------------

    def report(self, session: Session, kiosk: Kiosk, body: TargetReport) -> TargetReportAck:
        """Record a kiosk's report: applied (clears a rejection) or rejected."""
        row = session.get(KioskTarget, kiosk.id)
        if row is None:
            row = KioskTarget(kiosk_pk=kiosk.id)
            session.add(row)
        at = self._clock()
        if body.outcome is TargetOutcome.APPLIED:
            # What runs now is newer than any rejection: that is history, not a problem.
            row.applied_version, row.applied_at = body.version, at
            row.rejected_version, row.rejected_reason, row.rejected_at = None, "", None
        else:
            row.rejected_version, row.rejected_reason = body.version, body.reason
            row.rejected_at = at
        session.commit()
        return TargetReportAck()

    def view(self, session: Session, kiosk: Kiosk) -> TargetView:
        """Wanted, applied and rejected, for the kiosk page."""
        row, source = self.effective(session, kiosk)
        seen = session.get(KioskTarget, kiosk.id)
        group = self.group_of(session, kiosk)
        return TargetView(
            wanted=row.version if row is not None else "",
            source=source,
            group=group.name if group is not None else "",
            revision=row.revision if row is not None else 0,
            applied=seen.applied_version if seen else None,
            applied_at=seen.applied_at if seen else None,
            rejected=seen.rejected_version if seen else None,
            rejected_reason=seen.rejected_reason if seen else "",
            rejected_at=seen.rejected_at if seen else None,
        )

    # -- the heartbeat ---------------------------------------------------------------------

    def changed(self) -> None:
        """Drop the heartbeat's snapshot: the next heartbeat reads a fresh one."""
        with self._lock:
            self._snapshot = _Snapshot()

    def stale(self) -> bool:
        """True when the snapshot is older than `cache_seconds`: call `refresh` first."""
        return self._monotonic() - self._snapshot.read_at > self.cache_seconds

    def refresh(self, session_factory: Callable[[], AbstractContextManager[Session]]) -> None:
        """Read the wanted version of every kiosk that has one: county, then group, then
        the kiosk's own, each overwriting the one before (kiosk > group > county)."""
        read_at = self._monotonic()
        wanted: dict[int, str] = {}
        with session_factory() as session:
            rows = session.execute(
                select(CatalogTarget.region_code, CatalogTarget.kiosk_pk, CatalogTarget.version)
            ).all()
            for county, _, version in rows:
                if county is None:
                    continue
                # A county is a range on the indexed kiosks.region_code (region_codes.py).
                low, high = region_codes.prefix_bounds(county)
                in_county = select(Kiosk.id).where(
                    Kiosk.region_code >= low, Kiosk.region_code < high
                )
                wanted.update((pk, version) for pk in session.scalars(in_county))
            in_groups = (
                select(KioskGroupMember.kiosk_pk, CatalogTarget.version)
                .join(KioskGroup, KioskGroup.id == KioskGroupMember.group_pk)
                .join(CatalogTarget, CatalogTarget.id == KioskGroup.target_pk)
            )
            wanted.update((pk, version) for pk, version in session.execute(in_groups))
            wanted.update((pk, version) for _, pk, version in rows if pk is not None)
        with self._lock:
            self._snapshot = _Snapshot(wanted, read_at)

    def wanted(self, kiosk_pk: int) -> str:
        """The version a kiosk should run, from the snapshot ("" none set)."""
        return self._snapshot.kiosks.get(kiosk_pk, "")


def _county(region_code: str | None) -> str | None:
    if not region_code:
        return None
    try:
        return region_codes.county_of(region_codes.canonical(region_code))
    except region_codes.BadRegionCode:
        return None
