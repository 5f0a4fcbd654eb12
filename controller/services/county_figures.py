"""The county's figures: one month of a region's applications, its waiting list and 好差评.

Counted where applications were filed (`transactions.county_code` and `region_code`,
copied from the kiosk on arrival) with the inbox's own scope rule (`inbox_filters.in_scope`), so a
county's figures and its inbox always agree, and a kiosk that moves takes none of its past
with it. (The fleet statistics of services/stats.py count by the kiosks standing in a
region now; this is the county's view of its casework.) A rating is counted with the
application it rates: its service, township and county.

Times are Beijing days, through stats.py (`utc_hour`, the one place where SQLite and
PostgreSQL differ, and `per_day`): applications by when they were made at the kiosk,
ratings by arrival. A month is [its 1st, the next month's 1st), midnights in Beijing.

The waiting list is a snapshot at `now`, whatever the month: the controller keeps where an
application stands, not its history. Every query is one GROUP BY; the rows that come back
are bounded by services x townships x hours (transactions), x kiosks x stars (ratings), or
x statuses x age bands (waiting), never by the number of applications, except the reasons
of low ratings, which are read row by row for the month (a JSON list per rating).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from controller.models import Kiosk, Rating, Transaction
from controller.services.inbox_filters import in_scope
from controller.services.ratings import LOW_STARS
from controller.services.stats import STATION_TIME, Window, local_midnight, parse_hour, utc_hour
from wire import ApplicationStatus

S = ApplicationStatus
TOWNSHIP_DIGITS = 9
# Waiting on county staff: what the waiting chart counts and ages.
WAITING: tuple[str, ...] = (S.RECEIVED, S.BOOKING_FAILED, S.REVIEWING)
# Waiting on the citizen (退回补正): shown beside the others, never counted as staff's.
WITH_CITIZEN: tuple[str, ...] = (S.RETURNED,)
# How old a waiting application is, since it was made: the upper end of each band (the
# last band has none). A county's service promise is counted in working days (承诺时限);
# these are calendar days, which is what the controller can know.
AGE_BANDS: tuple[dt.timedelta | None, ...] = (
    dt.timedelta(days=1),
    dt.timedelta(days=3),
    dt.timedelta(days=7),
    dt.timedelta(days=15),
    dt.timedelta(days=30),
    None,
)
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in Beijing time."""

    year: int
    month: int

    @classmethod
    def of(cls, moment: dt.datetime) -> Month:
        """The month `moment` falls in, in Beijing."""
        local = moment.astimezone(STATION_TIME)
        return cls(local.year, local.month)

    @classmethod
    def parse(cls, raw: str) -> Month | None:
        """'2026-11' as a month; None for anything else (or a year outside 2000-2099)."""
        found = _MONTH.fullmatch(raw.strip())
        if found is None:
            return None
        year, month = int(found.group(1)), int(found.group(2))
        if not (2000 <= year <= 2099 and 1 <= month <= 12):
            return None
        return cls(year, month)

    def first_day(self) -> dt.date:
        """Its first day."""
        return dt.date(self.year, self.month, 1)

    def next(self) -> Month:
        """The month after."""
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        """The month before."""
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def window(self) -> Window:
        """Its local days, as a stats.Window of UTC instants."""
        return Window(local_midnight(self.first_day()), local_midnight(self.next().first_day()))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def township_of(region_code: str | None) -> str:
    """Where in a county an application was filed: its township's code (9 digits), the
    county's (6) when the kiosk stood at county level, "" when it stood nowhere."""
    return (region_code or "")[:TOWNSHIP_DIGITS]


@dataclass
class Cell:
    """One service in one township over the month (a row of the report)."""

    # Applications made in the month.
    transactions: int = 0
    # Where those applications stand now, by status.
    statuses: Counter[str] = field(default_factory=Counter)
    # Ratings received in the month of this service's applications there, by stars.
    stars: Counter[int] = field(default_factory=Counter)

    @property
    def waiting(self) -> int:
        """The month's applications still waiting on staff."""
        return sum(self.statuses[s] for s in WAITING)

    @property
    def ratings(self) -> int:
        """How many ratings."""
        return sum(self.stars.values())

    @property
    def average(self) -> float | None:
        """The mean number of stars, None without ratings."""
        return sum(s * n for s, n in self.stars.items()) / self.ratings if self.ratings else None


@dataclass
class Rated:
    """The ratings of one service or one station: stars, and the reasons on low ones."""

    stars: Counter[int] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    # Low ratings (LOW_STARS or fewer) that gave no reason.
    low_without_reason: int = 0

    @property
    def count(self) -> int:
        """How many ratings."""
        return sum(self.stars.values())

    @property
    def low(self) -> int:
        """How many ratings of LOW_STARS or fewer."""
        return sum(n for s, n in self.stars.items() if s <= LOW_STARS)

    @property
    def average(self) -> float | None:
        """The mean number of stars, None without ratings."""
        return sum(s * n for s, n in self.stars.items()) / self.count if self.count else None


@dataclass(frozen=True)
class WaitingGroup:
    """Applications of one status and service in one age band (AGE_BANDS index)."""

    status: str
    service: str
    band: int
    count: int
    oldest: dt.datetime


@dataclass(frozen=True)
class Station:
    """A kiosk as the figures name it."""

    pk: int
    kiosk_id: str
    name: str


@dataclass
class CountyMonth:
    """Everything the figures page, its printable form and the CSV report show."""

    scope: str | None
    month: Month
    window: Window
    now: dt.datetime
    cells: dict[tuple[str, str], Cell]  # (service, township) -> the month there
    hours: dict[str, dict[dt.datetime, int]]  # service -> transactions per UTC hour
    by_service: dict[str, Rated]
    by_station: dict[int, Rated]
    stations: dict[int, Station]
    waiting: list[WaitingGroup]

    @property
    def transactions(self) -> int:
        """Applications made in the month."""
        return sum(cell.transactions for cell in self.cells.values())

    def townships(self) -> list[str]:
        """The townships with anything to report, by code."""
        return sorted({township for _, township in self.cells})

    def services(self) -> list[str]:
        """The services with anything to report, most applications first."""
        totals: Counter[str] = Counter()
        for (service, _), cell in self.cells.items():
            totals[service] += cell.transactions
        return sorted(totals, key=lambda s: (-totals[s], s))

    def per_township(self) -> dict[str, int]:
        """Applications made in the month by township."""
        totals: Counter[str] = Counter()
        for (_, township), cell in self.cells.items():
            totals[township] += cell.transactions
        return dict(totals)

    def low_reasons(self) -> Counter[str]:
        """The reasons given on low ratings, over every service."""
        total: Counter[str] = Counter()
        for rated in self.by_service.values():
            total.update(rated.reasons)
        return total


def month_figures(
    session: Session, scope: str | None, month: Month, now: dt.datetime
) -> CountyMonth:
    """The figures of `month` for the applications filed inside `scope` (None: everywhere,
    "": nowhere), with the waiting list as it stands at `now`."""
    window = month.window()
    filed = in_scope(scope)
    cells: dict[tuple[str, str], Cell] = defaultdict(Cell)
    hours: dict[str, dict[dt.datetime, int]] = defaultdict(dict)
    made = (Transaction.created_at >= window.start, Transaction.created_at < window.end)
    # Grouped by their labels: PostgreSQL cannot tell that two expressions with their own
    # bound parameters (substr's 1 and 9) are the same, and would refuse the SELECT.
    township = func.substr(Transaction.region_code, 1, TOWNSHIP_DIGITS).label("township")
    hour = utc_hour(Transaction.created_at).label("hour")
    for service, place, text, count in session.execute(
        select(Transaction.service, township, hour, func.count(Transaction.id))
        .where(filed, *made)
        .group_by(Transaction.service, township, hour)
    ):
        cells[(service, place or "")].transactions += count
        at = parse_hour(text)
        hours[service][at] = hours[service].get(at, 0) + count
    for service, place, status, count in session.execute(
        select(Transaction.service, township, Transaction.status, func.count(Transaction.id))
        .where(filed, *made)
        .group_by(Transaction.service, township, Transaction.status)
    ):
        cells[(service, place or "")].statuses[status] += count
    by_service: dict[str, Rated] = defaultdict(Rated)
    by_station: dict[int, Rated] = defaultdict(Rated)
    rated = (
        Rating.received_at >= window.start,
        Rating.received_at < window.end,
        filed,
    )
    for service, place, kiosk_pk, stars, count in session.execute(
        select(Rating.service, township, Rating.kiosk_pk, Rating.stars, func.count(Rating.id))
        .join(Transaction, Transaction.id == Rating.transaction_pk)
        .where(*rated)
        .group_by(Rating.service, township, Rating.kiosk_pk, Rating.stars)
    ):
        cells[(service, place or "")].stars[stars] += count
        by_service[service].stars[stars] += count
        by_station[kiosk_pk].stars[stars] += count
    for service, kiosk_pk, reasons in session.execute(
        select(Rating.service, Rating.kiosk_pk, Rating.reasons)
        .join(Transaction, Transaction.id == Rating.transaction_pk)
        .where(*rated, Rating.stars <= LOW_STARS)
    ):
        for target in (by_service[service], by_station[kiosk_pk]):
            if reasons:
                target.reasons.update(reasons)
            else:
                target.low_without_reason += 1
    return CountyMonth(
        scope=scope,
        month=month,
        window=window,
        now=now,
        cells=dict(cells),
        hours=dict(hours),
        by_service=dict(by_service),
        by_station=dict(by_station),
        stations=_stations(session, by_station),
        waiting=waiting(session, scope, now),
    )


def _stations(session: Session, pks: Iterable[int]) -> dict[int, Station]:
    wanted = list(pks)
    if not wanted:
        return {}
    query = select(Kiosk.id, Kiosk.kiosk_id, Kiosk.name).where(Kiosk.id.in_(wanted))
    return {pk: Station(pk, kiosk_id, name) for pk, kiosk_id, name in session.execute(query)}


def _band(now: dt.datetime) -> ColumnElement[int]:
    """SQL: the AGE_BANDS index of an application's age at `now`."""
    whens = [
        (Transaction.created_at > now - upper, index)
        for index, upper in enumerate(AGE_BANDS)
        if upper is not None
    ]
    return case(*whens, else_=len(AGE_BANDS) - 1)


def waiting(session: Session, scope: str | None, now: dt.datetime) -> list[WaitingGroup]:
    """Applications inside `scope` waiting on staff or on the citizen at `now`, by status,
    service and age band, with the oldest of each group."""
    band = _band(now).label("band")  # grouped by its label, as `township` above
    query = (
        select(
            Transaction.status,
            Transaction.service,
            band,
            func.count(Transaction.id),
            func.min(Transaction.created_at),
        )
        .where(in_scope(scope), Transaction.status.in_([*WAITING, *WITH_CITIZEN]))
        .group_by(Transaction.status, Transaction.service, band)
    )
    groups = [
        WaitingGroup(status, service, int(index), count, oldest)
        for status, service, index, count, oldest in session.execute(query)
    ]
    return sorted(groups, key=lambda g: (g.band, g.status, g.service))
