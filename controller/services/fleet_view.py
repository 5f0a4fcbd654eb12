"""The fleet page's data: kiosks filtered by region and search, worst first, one page at a time.

Built for tens of thousands of kiosks: every count is a GROUP BY in the database, a region
is a range on the indexed `kiosks.region_code` (controller/region_codes.py
`prefix_bounds`), and only the kiosks of the page shown are loaded. Health comes from
`kiosk_health` (controller/services/health_history.py); a kiosk never assessed counts as grey.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from controller import region_codes
from controller.models import Kiosk, KioskHealthNow, Region, Transaction
from controller.services import regions
from controller.services.health_reasons import Health
from wire import EnrollmentState

PER_PAGE = 50
SEARCH_MAX = 64
# Worst first; the page lists kiosks in this order, then by name.
SEVERITY_ORDER: tuple[Health, ...] = (Health.RED, Health.YELLOW, Health.GREY, Health.GREEN)
_HEALTH = func.coalesce(KioskHealthNow.health, Health.GREY.value)
_RANK = case(
    {health.value: rank for rank, health in enumerate(SEVERITY_ORDER)},
    value=_HEALTH,
    else_=len(SEVERITY_ORDER),
)


@dataclass
class HealthCounts:
    """How many kiosks are of each health colour."""

    by_health: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All of them."""
        return sum(self.by_health.values())

    def of(self, health: Health) -> int:
        """How many are `health`."""
        return self.by_health.get(health.value, 0)

    def add(self, health: str, count: int) -> None:
        """Count `count` more of `health`."""
        self.by_health[health] = self.by_health.get(health, 0) + count


@dataclass(frozen=True)
class ChildRegion:
    """A region one level below the one shown, with its kiosks' health counts."""

    code: str
    name: str
    counts: HealthCounts


@dataclass(frozen=True)
class FleetRow:
    """One kiosk of the page shown."""

    kiosk: Kiosk
    health: Health
    transactions: int


@dataclass(frozen=True)
class FleetPage:
    """What the fleet page shows for one filter and page number."""

    region: Region | None
    lineage: list[Region]
    children: list[ChildRegion]
    # Kiosks with no region (shown at the top of the tree only).
    unplaced: HealthCounts | None
    counts: HealthCounts
    online: int
    pending: int
    transactions: int
    rows: list[FleetRow]
    page: int
    pages: int
    search: str

    @property
    def total(self) -> int:
        """Kiosks matching the filter."""
        return self.counts.total


# Kiosks waiting for approval are listed on the enrollment page, and decommissioned ones
# have left the fleet (controller/services/enrollment.py): neither is on the fleet page.
_IN_FLEET = Kiosk.state.not_in(
    (EnrollmentState.PENDING.value, EnrollmentState.DECOMMISSIONED.value)
)


def _filters(region: str | None, scope: str | None, search: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_IN_FLEET]
    if scope is not None:
        where.append(regions.kiosks_inside(scope))
    if region is not None:
        where.append(regions.kiosks_inside(region))
    if search:
        where.append(
            or_(
                Kiosk.kiosk_id.icontains(search, autoescape=True),
                Kiosk.name.icontains(search, autoescape=True),
            )
        )
    return where


def fleet_page(
    session: Session,
    *,
    now: dt.datetime,
    online_within: dt.timedelta,
    region: str | None = None,
    scope: str | None = None,
    search: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> FleetPage:
    """One page of the fleet inside `region` (and inside `scope`, a county staff's region),
    matching `search` (kiosk id or name), worst health first.

    `region` and `scope` are canonical codes; a region outside the scope shows nothing.
    """
    search = search.strip()[:SEARCH_MAX]
    where = _filters(region, scope, search)
    joined = select().select_from(Kiosk).outerjoin(KioskHealthNow).where(*where)

    counts = HealthCounts()
    per_region: list[tuple[str | None, str, int]] = []
    online = pending = 0
    # One pass over the kiosks for every count the page shows.
    heard = case((Kiosk.last_seen_at >= now - online_within, 1), else_=0)
    grouped = joined.add_columns(
        Kiosk.region_code,
        _HEALTH,
        func.count(),
        func.coalesce(func.sum(heard), 0),
        func.coalesce(func.sum(Kiosk.outbox_pending), 0),
    ).group_by(Kiosk.region_code, _HEALTH)
    for code, health, count, heard_count, pending_count in session.execute(grouped):
        counts.add(health, count)
        per_region.append((code, health, count))
        online += heard_count
        pending += pending_count

    shown = regions.find(session, region) if region else None
    child_regions = regions.children(session, shown.code if shown else None)
    if region is None and scope is not None:
        # County staff start at their own region, not at the provinces.
        shown = regions.find(session, scope)
        child_regions = regions.children(session, scope)
    children, unplaced = _tally(child_regions, per_region, top=shown is None)

    pages = max(1, -(-counts.total // per_page))
    page = min(max(page, 1), pages)
    # Sort the narrow (id, rank, name) rows, then load only the page's kiosks.
    ordered = (
        select(Kiosk.id)
        .outerjoin(KioskHealthNow)
        .where(*where)
        .order_by(_RANK, Kiosk.name, Kiosk.kiosk_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    ids = list(session.scalars(ordered))
    loaded = {
        kiosk.id: (kiosk, health)
        for kiosk, health in session.execute(
            select(Kiosk, _HEALTH).outerjoin(KioskHealthNow).where(Kiosk.id.in_(ids))
        )
    }
    txn_counts = _transaction_counts(session, ids)
    rows = [
        FleetRow(loaded[pk][0], Health(loaded[pk][1]), txn_counts.get(pk, 0))
        for pk in ids
        if pk in loaded
    ]
    transactions = select(func.count()).select_from(Transaction)
    if len(where) > 1:  # beyond _IN_FLEET: a region or a search (the whole fleet counts all)
        inside = select(Kiosk.id).where(*where)
        transactions = transactions.where(Transaction.kiosk_pk.in_(inside))
    return FleetPage(
        region=shown,
        lineage=regions.lineage(session, shown.code) if shown else [],
        children=children,
        unplaced=unplaced,
        counts=counts,
        online=online,
        pending=pending,
        transactions=session.scalar(transactions) or 0,
        rows=rows,
        page=page,
        pages=pages,
        search=search,
    )


def _tally(
    child_regions: Sequence[Region],
    per_region: Sequence[tuple[str | None, str, int]],
    *,
    top: bool,
) -> tuple[list[ChildRegion], HealthCounts | None]:
    """Add the (region code, health, count) groups up per child region."""
    by_prefix = {region_codes.significant(r.code): HealthCounts() for r in child_regions}
    unplaced = HealthCounts() if top else None
    for code, health, count in per_region:
        if code is None:
            if unplaced is not None:
                unplaced.add(health, count)
            continue
        # The child whose prefix the code starts with: at most one of these lengths matches.
        for length in (2, 4, 6, 9, 12):
            counts = by_prefix.get(code[:length])
            if counts is not None:
                counts.add(health, count)
                break
    children = [
        ChildRegion(r.code, r.name, by_prefix[region_codes.significant(r.code)])
        for r in child_regions
    ]
    return children, unplaced if unplaced and unplaced.total else None


def _transaction_counts(session: Session, kiosk_pks: list[int]) -> dict[int, int]:
    if not kiosk_pks:
        return {}
    query = (
        select(Transaction.kiosk_pk, func.count())
        .where(Transaction.kiosk_pk.in_(kiosk_pks))
        .group_by(Transaction.kiosk_pk)
    )
    return {pk: count for pk, count in session.execute(query)}
