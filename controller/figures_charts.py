"""The county's figures (controller/services/county_figures.py) as charts, tables and report rows.

Charts are drawn by controller/charts.py and wrapped as stats_charts.Figure, as on the
statistics page; services are named by the titles kiosks reported, townships by the region
tree, kiosks by their id and name. The report rows (one per service and township) are what
the CSV download holds and what the printable page tabulates: the same cells, written once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from controller import charts, region_codes
from controller.charts import Series
from controller.labels import RATING_REASON_LABELS, Label
from controller.services import regions, stats
from controller.services.county_figures import (
    AGE_BANDS,
    WAITING,
    WITH_CITIZEN,
    CountyMonth,
    Rated,
    S,
)
from controller.services.ratings import LOW_STARS
from controller.services.status_words import status_text
from controller.services.titles import ServiceName, ServiceTitles
from controller.stats_charts import NO_DATA, STAR_COLOURS, Figure, service_label

# The busiest services the per-day chart stacks by name; the rest are one band.
SERVICES_ON_DAY_CHART = 5
SERVICE_COLOURS = ("#1a56a6", "#e0701b", "#1e7b45", "#8e44ad", "#d9a400", "#9aa5b1")
STATUS_COLOURS: dict[str, str] = {
    S.RECEIVED: "#1a56a6",
    S.BOOKING_FAILED: "#b3261e",
    S.REVIEWING: "#d9a400",
    S.RETURNED: "#9aa5b1",
}
AGE_LABELS: tuple[str, ...] = ("1 天内", "1-3 天", "3-7 天", "7-15 天", "15-30 天", "30 天以上")
COUNTY_LEVEL: Label = ("县级（未分乡镇）", "County level")
UNPLACED: Label = ("未落位", "Not placed")
NO_RATINGS = "本月没有收到评价 · No ratings this month"
NO_LOW = "本月没有差评 · No low ratings this month"
NO_WAITING = "没有待办件 · Nothing waiting"
LOW_STARS_TEXT = f"1-{LOW_STARS} 星"
WAITING_NOTE: Label = (
    "待办件为当前快照（与所选月份无关），按提交以来的自然日计龄；“退回补正”等待的是群众，单列。",
    "Waiting applications are counted as they stand now, whatever the month, aged in "
    "calendar days since they were made; returned ones wait on the citizen and are shown "
    "apart.",
)


def _title(heading: Label) -> str:
    return f"{heading[0]} · {heading[1]}"


def _stars_text(rated: Rated) -> str:
    average = rated.average
    return "-" if average is None else f"{average:.1f} ★（{rated.count} 条）"


@dataclass(frozen=True)
class Names:
    """What the figures call services, townships and kiosks."""

    services: Mapping[str, ServiceName]
    townships: Mapping[str, str]
    stations: Mapping[int, str]

    def service(self, code: str) -> str:
        """A service's title."""
        return service_label(self.services, code)

    def township(self, code: str) -> str:
        """A township's name (or what stands for it), with its code when the tree lacks it."""
        if not code:
            return UNPLACED[0]
        if region_codes.level_of(code) is not region_codes.Level.TOWNSHIP:
            return f"{self.townships.get(code, code)} {COUNTY_LEVEL[0]}"
        return self.townships.get(code, code)

    def station(self, pk: int) -> str:
        """A kiosk as 'KA01 城关镇一号机'."""
        return self.stations.get(pk, str(pk))


def names_for(session: Session, titles: ServiceTitles, month: CountyMonth) -> Names:
    """Look up every name the figures of `month` need, in three queries."""
    services = {service for service, _ in month.cells} | set(month.by_service)
    services |= {group.service for group in month.waiting}
    townships = {t for t in month.townships() if t}
    return Names(
        services=titles.names(session, sorted(services)),
        townships=regions.names(session, townships),
        stations={pk: f"{s.kiosk_id} {s.name}" for pk, s in month.stations.items()},
    )


def _day_label(day: dt.date) -> str:
    return day.strftime("%m-%d")


def transaction_figures(month: CountyMonth, names: Names) -> list[Figure]:
    """Applications per day by service, per service, and per township."""
    days = month.window.days()
    ranked = month.services()
    shown, rest = ranked[:SERVICES_ON_DAY_CHART], ranked[SERVICES_ON_DAY_CHART:]
    series = []
    for service, colour in zip(shown, SERVICE_COLOURS, strict=False):
        per_day = dict(stats.per_day(month.hours.get(service, {}), month.window))
        series.append(Series(names.service(service), [per_day[d] for d in days], colour))
    if rest:
        others: Counter[dt.date] = Counter()
        for service in rest:
            others.update(dict(stats.per_day(month.hours.get(service, {}), month.window)))
        series.append(Series("其他 Others", [others[d] for d in days], SERVICE_COLOURS[-1]))
    day_heading = ("每日办件量（按服务）", "Applications per day, by service")
    per_day_chart = charts.columns(
        "county-per-day",
        _title(day_heading),
        "本月每天提交的办件笔数，按服务叠加（北京时间）",
        [_day_label(d) for d in days],
        series or [Series("笔数 Applications", [0] * len(days))],
        label_header="日期 Day",
        empty_text=NO_DATA,
    )
    totals: Counter[str] = Counter()
    for (service, _), cell in month.cells.items():
        totals[service] += cell.transactions
    service_heading = ("各项服务办件量", "Applications per service")
    service_chart = charts.bars(
        "county-services",
        _title(service_heading),
        "本月每项服务提交的办件笔数",
        [(names.service(s), float(totals[s])) for s in ranked if totals[s]],
        label_header="服务 Service",
        value_header="笔数 Applications",
        empty_text=NO_DATA,
    )
    per_township = month.per_township()
    places = sorted(
        (t for t in per_township if per_township[t]), key=lambda t: (-per_township[t], t)
    )
    township_heading = ("各乡镇办件量", "Applications per township")
    township_chart = charts.bars(
        "county-townships",
        _title(township_heading),
        "本月每个乡镇（街道）的终端上提交的办件笔数",
        [(names.township(t), float(per_township[t])) for t in places],
        label_header="乡镇 Township",
        value_header="笔数 Applications",
        empty_text=NO_DATA,
    )
    return [
        Figure(day_heading, per_day_chart),
        Figure(service_heading, service_chart),
        Figure(township_heading, township_chart),
    ]


def _status_name(status: str) -> str:
    # Chinese only: four legend entries in both languages run past the chart's width.
    return status_text(status).zh


def _days_old(now: dt.datetime, since: dt.datetime) -> int:
    return max(0, (now - since) // dt.timedelta(days=1))


def waiting_figures(month: CountyMonth, names: Names) -> list[Figure]:
    """Waiting applications by age and status, and per service with the oldest's age."""
    statuses = (*WAITING, *WITH_CITIZEN)
    counts: dict[str, list[int]] = {s: [0] * len(AGE_BANDS) for s in statuses}
    per_service: Counter[str] = Counter()
    oldest: dict[str, dt.datetime] = {}
    for group in month.waiting:
        counts[group.status][group.band] += group.count
        if group.status in WAITING:
            per_service[group.service] += group.count
            if group.service not in oldest or group.oldest < oldest[group.service]:
                oldest[group.service] = group.oldest
    age_heading = ("待办件及其等待时长", "Waiting applications by age")
    ages = charts.columns(
        "county-waiting-age",
        _title(age_heading),
        "当前各状态的待办件数，按提交以来的天数分段",
        list(AGE_LABELS),
        [Series(_status_name(s), counts[s], STATUS_COLOURS[s]) for s in statuses],
        label_header="等待 Age",
        empty_text=NO_WAITING,
    )
    ranked = sorted(per_service, key=lambda s: (oldest[s], s))
    service_heading = ("各项服务待办件（最久等待）", "Waiting per service (oldest)")
    per_service_chart = charts.bars(
        "county-waiting-services",
        _title(service_heading),
        "当前等待工作人员办理的件数，及其中最久的已等待天数（最久的在前）",
        [(names.service(s), float(per_service[s])) for s in ranked],
        label_header="服务 Service",
        value_header="待办（最久天数） Waiting (oldest, days)",
        empty_text=NO_WAITING,
        texts=[f"{per_service[s]}（{_days_old(month.now, oldest[s])} 天）" for s in ranked],
    )
    return [
        Figure(age_heading, ages, WAITING_NOTE),
        Figure(service_heading, per_service_chart),
    ]


def _star_series(groups: Sequence[Rated]) -> list[Series]:
    return [
        Series(f"{stars} 星", [g.stars[stars] for g in groups], colour)
        for stars, colour in zip(range(1, 6), STAR_COLOURS, strict=True)
    ]


def rating_figures(month: CountyMonth, names: Names) -> list[Figure]:
    """好差评 by service and by station (five levels stacked), and the reasons on low ones."""
    services = sorted(month.by_service, key=lambda s: (-month.by_service[s].count, s))
    service_heading = ("各项服务好差评", "Ratings per service")
    per_service = charts.columns(
        "county-ratings-services",
        _title(service_heading),
        "本月收到的评价按服务和星级计数（1 星最差，5 星最好）",
        [names.service(s) for s in services],
        _star_series([month.by_service[s] for s in services]),
        label_header="服务 Service",
        empty_text=NO_RATINGS,
    )
    stations = sorted(month.by_station, key=lambda pk: (-month.by_station[pk].count, pk))
    station_heading = ("各终端好差评", "Ratings per station")
    per_station = charts.columns(
        "county-ratings-stations",
        _title(station_heading),
        "本月收到的评价按终端和星级计数",
        [names.station(pk).split(" ")[0] for pk in stations],
        _star_series([month.by_station[pk] for pk in stations]),
        label_header="终端 Station",
        empty_text=NO_RATINGS,
    )
    reasons = month.low_reasons()
    ranked = sorted(reasons, key=lambda r: (-reasons[r], r))
    reason_heading = ("差评原因", "Reasons given on low ratings")
    reason_chart = charts.bars(
        "county-low-reasons",
        _title(reason_heading),
        f"本月 {LOW_STARS_TEXT} 的评价中群众选择的原因（一条评价可选多项）",
        [(reason_label(r)[0], float(reasons[r])) for r in ranked],
        label_header="原因 Reason",
        value_header="次数 Times",
        empty_text=NO_LOW,
    )
    return [
        Figure(service_heading, per_service),
        Figure(station_heading, per_station),
        Figure(reason_heading, reason_chart),
    ]


def reason_label(code: str) -> Label:
    """A low rating's reason in words (its code when this release does not know it)."""
    return RATING_REASON_LABELS.get(code, (code, code))


@dataclass(frozen=True)
class RatedRow:
    """One service or station in the ratings table."""

    name: str
    stars: tuple[int, ...]  # 1 to 5
    average: str
    low: int
    reasons: tuple[tuple[Label, int], ...]  # most frequent first
    low_without_reason: int


def rated_rows(month: CountyMonth, names: Names) -> tuple[list[RatedRow], list[RatedRow]]:
    """The ratings tables: by service, then by station, most rated first."""

    def row(name: str, rated: Rated) -> RatedRow:
        ranked = sorted(rated.reasons.items(), key=lambda item: (-item[1], item[0]))
        return RatedRow(
            name,
            tuple(rated.stars[s] for s in range(1, 6)),
            _stars_text(rated),
            rated.low,
            tuple((reason_label(code), n) for code, n in ranked),
            rated.low_without_reason,
        )

    services = sorted(month.by_service.items(), key=lambda item: (-item[1].count, item[0]))
    stations = sorted(month.by_station.items(), key=lambda item: (-item[1].count, item[0]))
    return (
        [row(names.service(s), r) for s, r in services],
        [row(names.station(pk), r) for pk, r in stations],
    )


# The monthly report: one row per service and township.
REPORT_COLUMNS: tuple[Label, ...] = (
    ("月份", "Month"),
    ("乡镇代码", "Township code"),
    ("乡镇", "Township"),
    ("服务代码", "Service code"),
    ("服务", "Service"),
    ("办件", "Applications"),
    ("待办", "Waiting"),
    ("退回补正", "Returned"),
    ("已通过", "Approved"),
    ("未通过", "Rejected"),
    ("已办结", "Done"),
    ("评价", "Ratings"),
    ("1星", "1 star"),
    ("2星", "2 stars"),
    ("3星", "3 stars"),
    ("4星", "4 stars"),
    ("5星", "5 stars"),
    ("平均星级", "Average stars"),
)


def report_header() -> list[str]:
    """The report's first row: each column in zh-CN and English."""
    return [f"{zh} {en}" for zh, en in REPORT_COLUMNS]


def report_rows(month: CountyMonth, names: Names) -> list[list[str]]:
    """The monthly report, by township code then service (the CSV and the printed table)."""
    rows = []
    for service, township in sorted(month.cells, key=lambda key: (key[1], key[0])):
        cell = month.cells[(service, township)]
        average = cell.average
        rows.append(
            [
                str(month.month),
                township,
                names.township(township),
                service,
                names.service(service),
                str(cell.transactions),
                str(cell.waiting),
                str(cell.statuses[S.RETURNED]),
                str(cell.statuses[S.APPROVED]),
                str(cell.statuses[S.REJECTED]),
                str(cell.statuses[S.DONE]),
                str(cell.ratings),
                *(str(cell.stars[s]) for s in range(1, 6)),
                "" if average is None else f"{average:.2f}",
            ]
        )
    return rows
