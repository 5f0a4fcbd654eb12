"""Fleet statistics for the charts page: counted in SQL, bucketed in the station's time.

Times are stored in UTC. The database counts per UTC hour (`utc_hour`, the one place where
SQLite and PostgreSQL differ) with GROUP BY over the indexed time column, so at most one row
per hour of the window comes back; Python then files those hours under the station's local
hours and days. That is exact because the station's zone (China, UTC+8, no daylight
saving) is a whole number of hours from UTC: a UTC hour never straddles a local midnight.

Nothing here measures paper: a kiosk reports neither receipts printed nor paper used, only
its printer's state in heartbeats. `paper_events` counts what is known (times a printer
entered "paper near end" or "paper out", from the stored health changes) and the page
counts receipts issued (transactions) beside them, saying so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict, deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

from controller.clock import CHINA_TIME
from controller.models import Kiosk, KioskHealthChange, Rating, Transaction
from controller.services.health_reasons import Health, ReasonCode

STATION_TIME = CHINA_TIME
HOUR = dt.timedelta(hours=1)
_HOUR_FORMAT = "%Y-%m-%d %H:00:00"
PAPER_CODES = (ReasonCode.PAPER_NEAR_END, ReasonCode.PAPER_OUT)


class utc_hour(FunctionElement[str]):  # noqa: N801 - reads as the SQL function it stands for
    """SQL: the UTC hour a stored time falls in, as text 'YYYY-MM-DD HH:00:00'."""

    type = String()
    inherit_cache = True
    name = "utc_hour"


@compiles(utc_hour, "sqlite")
def _utc_hour_sqlite(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC times as naive text (models.UtcDateTime).
    return f"strftime('{_HOUR_FORMAT}', {compiler.process(element.clauses, **kw)})"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    # timestamptz AT TIME ZONE 'UTC' reads the instant in UTC whatever the session's zone.
    column = compiler.process(element.clauses, **kw)
    return f"to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:00:00')"


def parse_hour(text: str) -> dt.datetime:
    """A `utc_hour` value as the UTC instant it names."""
    return dt.datetime.strptime(text, _HOUR_FORMAT).replace(tzinfo=dt.UTC)


def floor_hour(moment: dt.datetime) -> dt.datetime:
    """The start of the hour `moment` falls in (in UTC; the same instant in station time)."""
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def local_midnight(day: dt.date) -> dt.datetime:
    """When `day` starts in the station's time, as a UTC instant."""
    return dt.datetime.combine(day, dt.time(), STATION_TIME).astimezone(dt.UTC)


@dataclass(frozen=True)
class Window:
    """A stretch of whole local hours (`start` to `end`, UTC instants) the charts cover."""

    start: dt.datetime
    end: dt.datetime

    @classmethod
    def last_hours(cls, hours: int, now: dt.datetime) -> Window:
        """The `hours` local hours up to and including the one `now` is in."""
        end = floor_hour(now) + HOUR
        return cls(end - hours * HOUR, end)

    @classmethod
    def last_days(cls, days: int, now: dt.datetime) -> Window:
        """The `days` local days up to and including today (in the station's time)."""
        today = now.astimezone(STATION_TIME).date()
        return cls(local_midnight(today - dt.timedelta(days=days - 1)), floor_hour(now) + HOUR)

    def hours(self) -> list[dt.datetime]:
        """The start of every hour of the window, oldest first."""
        count = int((self.end - self.start) / HOUR)
        return [self.start + i * HOUR for i in range(count)]

    def days(self) -> list[dt.date]:
        """Every local day the window touches, oldest first."""
        first = self.start.astimezone(STATION_TIME).date()
        last = (self.end - dt.timedelta(microseconds=1)).astimezone(STATION_TIME).date()
        return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


Scope = Collection[int] | None  # kiosk primary keys to count, None: the whole fleet


def _scoped(column: QueryableAttribute[int], kiosks: Scope) -> list[ColumnElement[bool]]:
    return [] if kiosks is None else [column.in_(list(kiosks))]


def transactions_per_hour(
    session: Session, window: Window, kiosks: Scope = None
) -> dict[dt.datetime, int]:
    """Transactions made in each UTC hour of the window (hours with none are left out)."""
    hour = utc_hour(Transaction.created_at)
    query = (
        select(hour, func.count(Transaction.id))
        .where(
            Transaction.created_at >= window.start,
            Transaction.created_at < window.end,
            *_scoped(Transaction.kiosk_pk, kiosks),
        )
        .group_by(hour)
    )
    return {parse_hour(text): count for text, count in session.execute(query)}


def per_hour(counts: Mapping[dt.datetime, int], window: Window) -> list[tuple[dt.datetime, int]]:
    """Each hour of the window (UTC start) with its count, zeros included."""
    return [(hour, counts.get(hour, 0)) for hour in window.hours()]


def per_day(counts: Mapping[dt.datetime, int], window: Window) -> list[tuple[dt.date, int]]:
    """Each local day of the window with the sum of its hours."""
    days: Counter[dt.date] = Counter()
    for hour, count in counts.items():
        days[hour.astimezone(STATION_TIME).date()] += count
    return [(day, days[day]) for day in window.days()]


def per_hour_of_day(counts: Mapping[dt.datetime, int]) -> list[int]:
    """The counts summed by local hour of day (0 to 23): when in the day kiosks are used."""
    profile = [0] * 24
    for hour, count in counts.items():
        profile[hour.astimezone(STATION_TIME).hour] += count
    return profile


def services_used(session: Session, window: Window, kiosks: Scope = None) -> list[tuple[str, int]]:
    """(service id, transactions) in the window, most used first."""
    query = (
        select(Transaction.service, func.count(Transaction.id))
        .where(
            Transaction.created_at >= window.start,
            Transaction.created_at < window.end,
            *_scoped(Transaction.kiosk_pk, kiosks),
        )
        .group_by(Transaction.service)
    )
    rows = [(service, count) for service, count in session.execute(query)]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def transactions_per_kiosk(
    session: Session, window: Window, kiosks: Scope = None
) -> dict[int, int]:
    """Transactions in the window by kiosk primary key (kiosks with none are left out)."""
    query = (
        select(Transaction.kiosk_pk, func.count(Transaction.id))
        .where(
            Transaction.created_at >= window.start,
            Transaction.created_at < window.end,
            *_scoped(Transaction.kiosk_pk, kiosks),
        )
        .group_by(Transaction.kiosk_pk)
    )
    return {pk: count for pk, count in session.execute(query)}


@dataclass(frozen=True)
class ServiceRatings:
    """How one service was rated in the window: ratings per number of stars (1 to 5)."""

    service: str
    stars: Mapping[int, int]

    @property
    def count(self) -> int:
        """How many ratings."""
        return sum(self.stars.values())

    @property
    def average(self) -> float:
        """The mean number of stars."""
        return sum(s * n for s, n in self.stars.items()) / self.count


def ratings_by_service(
    session: Session, window: Window, kiosks: Scope = None
) -> list[ServiceRatings]:
    """Each rated service's star counts in the window (by arrival), most rated first."""
    query = (
        select(Rating.service, Rating.stars, func.count(Rating.id))
        .where(
            Rating.received_at >= window.start,
            Rating.received_at < window.end,
            *_scoped(Rating.kiosk_pk, kiosks),
        )
        .group_by(Rating.service, Rating.stars)
    )
    found: dict[str, dict[int, int]] = defaultdict(dict)
    for service, stars, count in session.execute(query):
        found[service][stars] = count
    rated = [ServiceRatings(service, stars) for service, stars in found.items()]
    return sorted(rated, key=lambda r: (-r.count, r.service))


@dataclass
class FleetHistory:
    """The fleet's health at sample times, and paper warnings, from stored health changes."""

    samples: list[tuple[dt.datetime, dict[Health, int]]]
    # (kiosk pk, local day) -> times a printer newly reported paper near end / out (newly:
    # not in the kiosk's last health before that was not grey)
    paper: dict[tuple[int, dt.date], Counter[ReasonCode]] = field(default_factory=dict)


def sample_times(window: Window, now: dt.datetime, step: dt.timedelta) -> list[dt.datetime]:
    """Sample instants every `step` from the window's start, ending with `now`."""
    times = []
    moment = window.start
    while moment < now:
        times.append(moment)
        moment += step
    return [*times, now]


def fleet_history(
    session: Session, window: Window, times: list[dt.datetime], kiosks: Scope = None
) -> FleetHistory:
    """How many kiosks were green, yellow, red or grey at each of `times` (oldest first).

    A kiosk counts from its registration on; before its first recorded change it is grey
    (never seen), as HealthBook.timeline has it. Reads the last change before the window of
    each kiosk and every change inside it.
    """
    query = select(Kiosk.id, Kiosk.registered_at).where(*_scoped(Kiosk.id, kiosks))
    registered = {pk: at for pk, at in session.execute(query)}
    latest_before = (
        select(func.max(KioskHealthChange.id))
        .where(KioskHealthChange.at < window.start, *_scoped(KioskHealthChange.kiosk_pk, kiosks))
        .group_by(KioskHealthChange.kiosk_pk)
    )
    earlier = session.scalars(
        select(KioskHealthChange).where(KioskHealthChange.id.in_(latest_before))
    )
    inside = session.scalars(
        select(KioskHealthChange)
        .where(
            KioskHealthChange.at >= window.start,
            KioskHealthChange.at <= times[-1],
            *_scoped(KioskHealthChange.kiosk_pk, kiosks),
        )
        .order_by(KioskHealthChange.at, KioskHealthChange.id)
    ).all()
    health: dict[int, Health] = {}
    paper_now: dict[int, set[ReasonCode]] = {}
    for change in earlier:
        health[change.kiosk_pk] = Health(change.health)
        paper_now[change.kiosk_pk] = _paper(change.reasons or [])
    history = FleetHistory(samples=[])
    # Kiosks join the count at registration; a change then moves one kiosk between colours.
    joining = deque(sorted(registered.items(), key=lambda item: (item[1], item[0])))
    counts = dict.fromkeys(Health, 0)
    counted: set[int] = set()
    pending = iter(inside)
    upcoming = next(pending, None)
    for moment in times:
        while joining and joining[0][1] <= moment:
            pk, _ = joining.popleft()
            counted.add(pk)
            counts[health.get(pk, Health.GREY)] += 1
        while upcoming is not None and upcoming.at <= moment:
            pk, after = upcoming.kiosk_pk, Health(upcoming.health)
            if pk in counted:
                counts[health.get(pk, Health.GREY)] -= 1
                counts[after] += 1
            health[pk] = after
            # A grey kiosk's devices are not judged: a printer still low after the kiosk was
            # away is the same warning, not a new one.
            if after is not Health.GREY:
                paper = _paper(upcoming.reasons or [])
                for code in paper - paper_now.get(pk, set()):
                    day = upcoming.at.astimezone(STATION_TIME).date()
                    history.paper.setdefault((pk, day), Counter())[code] += 1
                paper_now[pk] = paper
            upcoming = next(pending, None)
        history.samples.append((moment, dict(counts)))
    return history


def _paper(reasons: Iterable[str]) -> set[ReasonCode]:
    codes = {key.partition(":")[0] for key in reasons}
    return {code for code in PAPER_CODES if code.value in codes}
