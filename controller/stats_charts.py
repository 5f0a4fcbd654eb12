"""The statistics of controller/services/stats.py as labelled charts (controller/charts.py).

Shared by the statistics page (controller/stats_pages.py) and the kiosk page. Times are
labelled in the station's time, as every dashboard page shows them; services by the titles
kiosks reported (services/titles.py), never by their code alone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller import charts
from controller.charts import Chart, Series
from controller.models import Kiosk
from controller.services import stats
from controller.services.health_reasons import HEALTH_LABELS, Health, ReasonCode
from controller.services.stats import STATION_TIME, Scope, Window
from controller.services.titles import ServiceName, ServiceTitles

Label = tuple[str, str]
NO_DATA = "此时段内没有数据 · No data in this period"
HEALTH_COLOURS: dict[Health, str] = {
    Health.GREEN: "#1e7b45",
    Health.YELLOW: "#d9a400",
    Health.RED: "#b3261e",
    Health.GREY: "#9aa5b1",
}
STAR_COLOURS = ("#b3261e", "#e0701b", "#d9a400", "#6aa84f", "#1e7b45")
PAPER_COLOURS = {ReasonCode.PAPER_NEAR_END: "#d9a400", ReasonCode.PAPER_OUT: "#b3261e"}
PAPER_LABELS: dict[ReasonCode, str] = {
    ReasonCode.PAPER_NEAR_END: "纸将尽 Near end",
    ReasonCode.PAPER_OUT: "缺纸 Out",
}
# The busiest kiosks the receipts chart names; the rest are summed in one bar.
KIOSKS_ON_CHART = 20
KIOSK_PAGE_DAYS = 30


class Span(StrEnum):
    """The periods the statistics page offers."""

    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"


# (label, how often kiosks' health is sampled) per period.
SPANS: dict[Span, tuple[Label, dt.timedelta]] = {
    Span.DAY: (("最近 24 小时", "Last 24 h"), dt.timedelta(hours=1)),
    Span.WEEK: (("最近 7 天", "Last 7 days"), dt.timedelta(hours=6)),
    Span.MONTH: (("最近 30 天", "Last 30 days"), dt.timedelta(hours=12)),
}


def window_of(span: Span, now: dt.datetime) -> Window:
    """The hours (24 h) or local days (7 and 30 d, today included) a period covers."""
    if span is Span.DAY:
        return Window.last_hours(24, now)
    return Window.last_days(7 if span is Span.WEEK else 30, now)


@dataclass(frozen=True)
class Figure:
    """A chart with its heading and, where the numbers need it, a note on what they are."""

    heading: Label
    chart: Chart
    note: Label | None = None


def _hour_label(hour: dt.datetime) -> str:
    return hour.astimezone(STATION_TIME).strftime("%H:00")


def _day_label(day: dt.date) -> str:
    return day.strftime("%m-%d")


def _title(heading: Label) -> str:
    return f"{heading[0]} · {heading[1]}"


def _columns(ident: str, heading: Label, desc: str, labels: Sequence[str], values: Sequence[int],
             label_header: str) -> Figure:  # fmt: skip
    series = [Series("笔数 Transactions", values)]
    chart = charts.columns(
        ident, _title(heading), desc, labels, series, label_header=label_header, empty_text=NO_DATA
    )
    return Figure(heading, chart)


def transaction_figures(
    session: Session, span: Span, window: Window, kiosks: Scope = None
) -> list[Figure]:
    """Transactions per hour (24 h) or by hour of day (longer periods), and per day."""
    counts = stats.transactions_per_hour(session, window, kiosks)
    figures = []
    if span is Span.DAY:
        hours = stats.per_hour(counts, window)
        figures.append(
            _columns(
                "per-hour",
                ("每小时业务量", "Transactions per hour"),
                "每小时办理的业务笔数（北京时间）",
                [_hour_label(h) for h, _ in hours],
                [n for _, n in hours],
                "小时 Hour",
            )
        )
    else:
        profile = stats.per_hour_of_day(counts)
        figures.append(
            _columns(
                "hour-of-day",
                ("各时段业务量", "Transactions by hour of day"),
                "本时段内每天同一小时的业务笔数之和（北京时间）",
                [f"{h:02d}:00" for h in range(24)],
                profile,
                "小时 Hour",
            )
        )
    days = stats.per_day(counts, window)
    figures.append(
        _columns(
            "per-day",
            ("每日业务量", "Transactions per day"),
            "每天办理的业务笔数（北京时间）",
            [_day_label(d) for d, _ in days],
            [n for _, n in days],
            "日期 Day",
        )
    )
    return figures


def service_label(names: Mapping[str, ServiceName], service: str) -> str:
    """A service as charts name it: its title, with its code when no kiosk has named it."""
    # A service no kiosk has named: the generic wording, its code beside it for ops.
    name = names[service]
    return name.title.zh if name.known else f"{name.title.zh}（{service}）"


def service_figure(
    session: Session, titles: ServiceTitles, window: Window, kiosks: Scope = None
) -> Figure:
    """Transactions per service, most used first."""
    used = stats.services_used(session, window, kiosks)
    names = titles.names(session, [service for service, _ in used])
    heading = ("各项服务使用量", "Services used")
    chart = charts.bars(
        "services",
        _title(heading),
        "本时段内每项服务的办理笔数",
        [(service_label(names, service), count) for service, count in used],
        label_header="服务 Service",
        value_header="笔数 Transactions",
        empty_text=NO_DATA,
    )
    return Figure(heading, chart)


def rating_figures(
    session: Session, titles: ServiceTitles, window: Window, kiosks: Scope = None
) -> list[Figure]:
    """好差评: how many ratings gave each number of stars, and each service's average."""
    rated = stats.ratings_by_service(session, window, kiosks)
    overall: Counter[int] = Counter()
    for service in rated:
        overall.update(service.stars)
    heading = ("好差评评分分布", "Ratings by stars")
    distribution = charts.columns(
        "stars",
        _title(heading),
        "本时段内收到的评价按星级计数（1 星最差，5 星最好）",
        [f"{stars} 星" for stars in range(1, 6)],
        [
            Series(
                f"{stars} 星", [overall[stars] if s == stars else 0 for s in range(1, 6)], colour
            )
            for stars, colour in zip(range(1, 6), STAR_COLOURS, strict=True)
        ],
        label_header="星级 Stars",
        empty_text=NO_DATA,
        legend=False,  # one series per bar, each under its own label already
    )
    names = titles.names(session, [r.service for r in rated])
    average_heading = ("各项服务平均评分", "Average rating per service")
    averages = charts.bars(
        "stars-per-service",
        _title(average_heading),
        "每项服务的平均星级（满分 5 星）及评价条数",
        [(service_label(names, r.service), r.average) for r in rated],
        label_header="服务 Service",
        value_header="平均星级（条数） Average stars (ratings)",
        empty_text=NO_DATA,
        texts=[f"{r.average:.1f} ★（{r.count} 条）" for r in rated],
        top=5,
    )
    return [
        Figure(heading, distribution),
        Figure(average_heading, averages),
    ]


def health_figure(
    session: Session, span: Span, window: Window, now: dt.datetime, kiosks: Scope = None
) -> tuple[Figure, stats.FleetHistory]:
    """How many kiosks were green, yellow, red or grey over the period (sampled)."""
    step = SPANS[span][1]
    history = stats.fleet_history(session, window, stats.sample_times(window, now, step), kiosks)
    label = _hour_label if step < dt.timedelta(days=1) else _day_label
    labels = [
        (label(t) if span is Span.DAY else t.astimezone(STATION_TIME).strftime("%m-%d %H:%M"))
        for t, _ in history.samples
    ]
    series = [
        Series(
            f"{HEALTH_LABELS[h][0]} {HEALTH_LABELS[h][1]}",
            [counts[h] for _, counts in history.samples],
            HEALTH_COLOURS[h],
        )
        for h in (Health.GREEN, Health.YELLOW, Health.RED, Health.GREY)
    ]
    heading = ("终端在线情况", "Kiosks online over time")
    chart = charts.areas(
        "kiosk-health",
        _title(heading),
        f"每 {int(step.total_seconds() // 3600)} 小时取样一次各健康状态的终端数（灰色为离线）",
        labels,
        series,
        label_header="时间 Time",
        empty_text=NO_DATA,
    )
    return Figure(heading, chart), history


PAPER_NOTE: Label = (
    "终端不上报打印张数和用纸量：此处统计的是每台终端开出的回执数（即办件笔数，每笔办件一张"
    "回执，是否实际打印控制端无从得知），以及心跳中打印机报告“纸将尽”“缺纸”的次数。",
    "Kiosks report neither pages printed nor paper used. Counted here: receipts issued per "
    "kiosk (one per transaction; whether it was printed the controller cannot tell), and how "
    "often a printer reported paper near end or out in its heartbeats.",
)


def paper_figures(
    session: Session, window: Window, history: stats.FleetHistory, kiosks: Scope = None
) -> list[Figure]:
    """Printer paper warnings per day, and receipts issued per kiosk (the busiest first)."""
    days = window.days()
    per_day: dict[dt.date, Counter[ReasonCode]] = {day: Counter() for day in days}
    for (_pk, day), codes in history.paper.items():
        per_day.setdefault(day, Counter()).update(codes)
    warnings_heading = ("打印纸告警", "Printer paper warnings per day")
    warnings = charts.columns(
        "paper-warnings",
        _title(warnings_heading),
        "每天打印机新报告“纸将尽”或“缺纸”的次数",
        [_day_label(day) for day in days],
        [
            Series(PAPER_LABELS[code], [per_day[day][code] for day in days], PAPER_COLOURS[code])
            for code in stats.PAPER_CODES
        ],
        label_header="日期 Day",
        empty_text="此时段内没有打印纸告警 · No paper warnings in this period",
    )
    issued = stats.transactions_per_kiosk(session, window, kiosks)
    query = select(Kiosk.id, Kiosk.kiosk_id, Kiosk.name).where(Kiosk.id.in_(list(issued)))
    names = {pk: f"{kiosk_id} {name}" for pk, kiosk_id, name in session.execute(query)}
    ranked = sorted(issued.items(), key=lambda item: (-item[1], names.get(item[0], "")))
    items = [(names.get(pk, str(pk)), float(count)) for pk, count in ranked[:KIOSKS_ON_CHART]]
    rest = sum(count for _, count in ranked[KIOSKS_ON_CHART:])
    if rest:
        items.append((f"其余 {len(ranked) - KIOSKS_ON_CHART} 台 Others", float(rest)))
    receipts_heading = ("各终端开出回执数", "Receipts issued per kiosk")
    receipts = charts.bars(
        "receipts",
        _title(receipts_heading),
        "本时段内每台终端开出的回执数（每笔办件一张；不是打印张数）",
        items,
        label_header="终端 Kiosk",
        value_header="回执 Receipts",
        empty_text=NO_DATA,
    )
    return [Figure(warnings_heading, warnings, PAPER_NOTE), Figure(receipts_heading, receipts)]


def kiosk_figure(session: Session, kiosk: Kiosk, now: dt.datetime) -> Figure:
    """One kiosk's transactions per day over the last 30 days, for its page."""
    window = Window.last_days(KIOSK_PAGE_DAYS, now)
    days = stats.per_day(stats.transactions_per_hour(session, window, [kiosk.id]), window)
    return _columns(
        "kiosk-per-day",
        ("近 30 天每日业务量", "Transactions per day, last 30 days"),
        "本终端每天办理的业务笔数（北京时间）",
        [_day_label(d) for d, _ in days],
        [n for _, n in days],
        "日期 Day",
    )
