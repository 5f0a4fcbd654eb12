"""The county's figures, monthly report (CSV and printable page), on SQLite and PostgreSQL.

Seeded through the kiosk API (applications and ratings) and the inbox's review pages, as a
county works. The conftest clock stands at 2026-11-26 10:00:30 Beijing time; the month is
November 2026. In 上城区 (330102): three applications at a kiosk of 湖滨街道 (330102001),
one of them made a second before November; one at a kiosk placed at county level. In 西湖区
(330106), one, which 上城区's figures must never count.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import warnings
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import SADeprecationWarning

from controller.auth.access import Role
from controller.figures_charts import AGE_LABELS, REPORT_COLUMNS, report_header
from controller.services import stats
from controller.services.county_figures import (
    AGE_BANDS,
    CountyMonth,
    Month,
    month_figures,
    township_of,
)
from controller.settings import Settings
from tests.controller.controller_testkit import post_json, register, rows, teach_catalog
from tests.controller.inbox_testkit import (
    MY_COUNTY,
    MY_TOWNSHIP,
    OTHER_COUNTY,
    Counties,
    move,
    place,
    staff,
    submit,
    two_counties,
)

SVG_BLOCK = re.compile(r"<svg\b.*?</svg>", re.S)
NOVEMBER = Month(2026, 11)


def rate(client: TestClient, kiosk: tuple[str, str], number: str, service: str, stars: int,
         reasons: tuple[str, ...] = ()) -> None:  # fmt: skip
    """Rate an application at the kiosk it was made at, as the rating screen does."""
    key = hashlib.md5(f"rating {number}".encode(), usedforsecurity=False).hexdigest()
    body = {"key": key, "transaction_number": number,
            "service": service, "stars": stars, "reasons": list(reasons)}  # fmt: skip
    answer = post_json(client, "/ratings", body, kiosk[1])
    assert answer.status_code == 201, answer.text


class Seeded:
    """The applications of the seed, by what they are for the checks."""

    def __init__(self, client: TestClient) -> None:
        self.counties: Counties = two_counties(client)
        mine, theirs = self.counties.mine, self.counties.theirs
        self.county_level = register(client, hardware_id="hw-county", name="区政务中心")
        place(client, self.county_level[0], MY_COUNTY)
        teach_catalog(client, self.county_level[1])
        emp, unemp = "employment_registration", "unemployment_registration"
        self.first = submit(client, mine, 1, created_at="2026-11-01T00:00:00+08:00")
        self.approved = submit(client, mine, 2, created_at="2026-11-25T09:00:00+08:00")
        self.returned = submit(client, mine, 3, service=unemp,
                               created_at="2026-11-25T23:59:59+08:00")  # fmt: skip
        self.october = submit(client, mine, 4, created_at="2026-10-31T23:59:59+08:00")
        self.at_county = submit(client, self.county_level, 5, service=unemp,
                                created_at="2026-11-26T08:00:00+08:00")  # fmt: skip
        self.theirs = submit(client, theirs, 6, created_at="2026-11-20T10:00:00+08:00")
        clerk = staff(client, "clerk")
        for number in (self.approved, self.returned):
            assert move(clerk, number, "reviewing").status_code in (200, 303)
        assert move(clerk, self.approved, "approved").status_code in (200, 303)
        answer = move(clerk, self.returned, "returned", reason_code="missing_document",
                      reason_text="请补交材料")  # fmt: skip
        assert answer.status_code in (200, 303)
        rate(client, mine, self.approved, emp, 5)
        rate(client, mine, self.october, emp, 4)  # an October application, rated in November
        rate(client, mine, self.returned, unemp, 1, ("too_long", "guide_unclear"))
        rate(client, self.county_level, self.at_county, unemp, 2)  # low, no reason given
        rate(client, theirs, self.theirs, emp, 1, ("device_fault",))
        self.clerk = clerk


@pytest.fixture
def seeded(client: TestClient) -> Seeded:
    return Seeded(client)


def figures_of(client: TestClient, scope: str | None, month: Month = NOVEMBER) -> CountyMonth:
    """The service's figures of `month` for `scope`, at the app's clock."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        return month_figures(session, scope, month, runtime.clock())


# -- the numbers ----------------------------------------------------------------------------


def test_a_month_is_counted_by_service_township_and_beijing_day(
    client: TestClient, seeded: Seeded
) -> None:
    figures = figures_of(client, MY_COUNTY)
    assert figures.transactions == 4  # October's and 西湖区's left out
    cells = {key: (c.transactions, c.waiting, dict(c.statuses), dict(c.stars))
             for key, c in figures.cells.items()}  # fmt: skip
    assert cells == {
        ("employment_registration", MY_TOWNSHIP): (
            2,
            1,
            {"received": 1, "approved": 1},
            {5: 1, 4: 1},
        ),
        ("unemployment_registration", MY_TOWNSHIP): (1, 0, {"returned": 1}, {1: 1}),
        ("unemployment_registration", MY_COUNTY): (1, 1, {"received": 1}, {2: 1}),
    }
    assert figures.per_township() == {MY_TOWNSHIP: 3, MY_COUNTY: 1}
    days: dict[dt.date, int] = {}
    for counts in figures.hours.values():
        for day, n in stats.per_day(counts, figures.window):
            days[day] = days.get(day, 0) + n
    assert [d.day for d in days if days[d]] == [1, 25, 26]
    assert (days[Month(2026, 11).first_day()], sum(days.values())) == (1, 4)
    assert len(days) == 30


def test_ratings_count_by_service_and_station_with_the_reasons_on_low_ones(
    client: TestClient, seeded: Seeded
) -> None:
    figures = figures_of(client, MY_COUNTY)
    employment = figures.by_service["employment_registration"]
    unemployment = figures.by_service["unemployment_registration"]
    assert (dict(employment.stars), employment.average, employment.low) == ({5: 1, 4: 1}, 4.5, 0)
    assert dict(unemployment.stars) == {1: 1, 2: 1}
    assert dict(unemployment.reasons) == {"too_long": 1, "guide_unclear": 1}
    assert unemployment.low_without_reason == 1
    assert "device_fault" not in figures.low_reasons()  # 西湖区's complaint
    stations = {figures.stations[pk].kiosk_id: rated for pk, rated in figures.by_station.items()}
    assert set(stations) == {seeded.counties.mine[0], seeded.county_level[0]}
    assert dict(stations[seeded.counties.mine[0]].stars) == {5: 1, 4: 1, 1: 1}
    assert stations[seeded.county_level[0]].low_without_reason == 1


def test_waiting_applications_are_aged_now_whatever_the_month(
    client: TestClient, seeded: Seeded
) -> None:
    figures = figures_of(client, MY_COUNTY, Month(2026, 1))  # a month with nothing in it
    assert figures.transactions == 0
    by = {(g.status, g.service, g.band): g.count for g in figures.waiting}
    # 1 November 00:00 and 31 October 23:59:59 are 25 and 26 days before now: 15-30 days.
    assert by == {
        ("received", "employment_registration", 4): 2,
        ("received", "unemployment_registration", 0): 1,
        ("returned", "unemployment_registration", 0): 1,
    }
    assert len(AGE_LABELS) == len(AGE_BANDS)


def test_ops_count_every_region_or_the_one_they_choose(client: TestClient, seeded: Seeded) -> None:
    assert figures_of(client, None).transactions == 5
    assert figures_of(client, OTHER_COUNTY).transactions == 1
    assert figures_of(client, MY_TOWNSHIP).transactions == 3
    assert figures_of(client, "").transactions == 0


def test_months_parse_step_and_cover_whole_beijing_days() -> None:
    assert Month.parse("2026-11") == Month(2026, 11)
    assert [Month.parse(raw) for raw in ("2026-13", "26-11", "2026-1", "", "1999-12")] == [None] * 5
    assert (str(Month(2026, 12).next()), str(Month(2026, 1).previous())) == ("2027-01", "2025-12")
    window = Month(2026, 2).window()
    assert window.start.isoformat() == "2026-01-31T16:00:00+00:00"
    assert window.end.isoformat() == "2026-02-28T16:00:00+00:00"
    assert (township_of("330102001001"), township_of("330102"), township_of(None)) == (
        "330102001", "330102", ""
    )  # fmt: skip


# -- the pages ------------------------------------------------------------------------------


def test_county_staff_see_their_countys_charts(seeded: Seeded) -> None:
    page = seeded.clerk.get("/figures?month=2026-11")
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "style=" not in page.text
    svgs = SVG_BLOCK.findall(page.text)
    assert len(svgs) == 8
    for svg in svgs:
        ET.fromstring(svg)  # noqa: S314 - well-formed, or this raises
    assert "上城区" in page.text
    assert "西湖一号" not in page.text  # the other county's kiosk is nowhere
    assert "设备故障" not in page.text  # nor its citizen's complaint
    assert "办理时间过长 1" in page.text  # a reason given on a low rating, by service
    assert "未选原因 1" in page.text
    assert 'href="/figures/report.csv?month=2026-11&amp;region=330102"' in page.text
    assert 'name="region"' not in page.text  # county staff choose no region


def test_another_countys_figures_are_refused_to_county_staff_and_audited(
    seeded: Seeded, settings: Settings
) -> None:
    for path in ("/figures", "/figures/print", "/figures/report.csv"):
        refused = seeded.clerk.get(f"{path}?month=2026-11&region={OTHER_COUNTY}")
        assert refused.status_code == 403
        assert "无权访问" in refused.text
        assert "西湖" not in refused.text
    assert (
        rows(
            settings,
            "SELECT actor, action, target, detail FROM audit_log WHERE action = ? ORDER BY id",
            "application.refused",
        )
        == [("clerk", "application.refused", "figures", f"region={OTHER_COUNTY}")] * 3
    )
    # Their own township narrows the figures; that is not a refusal.
    narrowed = seeded.clerk.get(f"/figures/report.csv?month=2026-11&region={MY_TOWNSHIP}")
    assert narrowed.status_code == 200
    assert MY_COUNTY + "," not in narrowed.text


def test_ops_choose_a_region(client: TestClient, seeded: Seeded) -> None:
    ops = staff(client, "ops", role=Role.OPS_ADMIN)
    page = ops.get(f"/figures?month=2026-11&region={OTHER_COUNTY}").text
    assert f'<option value="{OTHER_COUNTY}" selected>' in page
    assert "西湖区" in page
    report = ops.get(f"/figures/report.csv?month=2026-11&region={OTHER_COUNTY}").text
    assert len(report.strip().splitlines()) == 2
    everything = ops.get("/figures/report.csv?month=2026-11").text
    assert len(everything.strip().splitlines()) == 5  # header, 3 rows of 上城区, 1 of 西湖区


def test_the_counties_ops_choose_from_are_read_without_a_deprecated_call(
    client: TestClient, seeded: Seeded
) -> None:
    ops = staff(client, "ops", role=Role.OPS_ADMIN)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SADeprecationWarning)
        page = ops.get("/figures?month=2026-11").text
    assert f'<option value="{OTHER_COUNTY}" >' in page  # listed, not chosen
    assert [str(w.message) for w in caught if w.category is SADeprecationWarning] == []


def test_the_csv_report_has_a_row_per_service_and_township(seeded: Seeded) -> None:
    answer = seeded.clerk.get("/figures/report.csv?month=2026-11")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="figures-330102-2026-11.csv"' in answer.headers["content-disposition"]
    assert answer.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0] == report_header()
    assert table[0][0] == "月份 Month"
    assert len(table[0]) == len(REPORT_COLUMNS)
    body = [dict(zip([en for _, en in REPORT_COLUMNS], row, strict=True)) for row in table[1:]]
    keys = [(r["Township code"], r["Service code"]) for r in body]
    assert keys == [
        (MY_COUNTY, "unemployment_registration"),
        (MY_TOWNSHIP, "employment_registration"),
        (MY_TOWNSHIP, "unemployment_registration"),
    ]
    at_county, employment, unemployment = body
    assert at_county["Township"] == "上城区 县级（未分乡镇）"
    assert employment["Township"] == "湖滨街道"
    assert employment["Service"] == "就业登记"
    counts = ("Applications", "Waiting", "Returned", "Approved", "Rejected", "Done", "Ratings")
    assert [employment[c] for c in counts] == ["2", "1", "0", "1", "0", "0", "2"]
    assert [employment[f"{s} star" + ("s" if s > 1 else "")] for s in range(1, 6)] == [
        "0", "0", "0", "1", "1"
    ]  # fmt: skip
    assert employment["Average stars"] == "4.50"
    assert [unemployment[c] for c in counts] == ["1", "0", "1", "0", "0", "0", "1"]
    assert at_county["Waiting"] == "1"
    assert {r["Month"] for r in body} == {"2026-11"}


def test_csv_cells_from_kiosks_cannot_run_as_formulas(client: TestClient, seeded: Seeded) -> None:
    catalog = {"version": 9, "titles": {"employment_registration":
               {"zh-CN": "=cmd|' /C calc'!A0", "en": "x"}}}  # fmt: skip
    teach_catalog(client, seeded.counties.mine[1], catalog)
    text = seeded.clerk.get("/figures/report.csv?month=2026-11").text
    assert "'=cmd|" in text
    assert ",=cmd" not in text


def test_the_printable_page_holds_every_chart_and_table(seeded: Seeded) -> None:
    page = seeded.clerk.get("/figures/print?month=2026-11")
    assert page.status_code == 200
    assert "上城区 2026-11 就业服务站月报" in page.text
    assert len(SVG_BLOCK.findall(page.text)) == 8
    assert page.text.count('<details class="chart-data" open>') == 8
    assert '<table class="grid report" id="report">' in page.text
    report = page.text[page.text.index('id="report"') :]
    assert report.count("<tr><td>湖滨街道</td><td>就业登记</td>") == 1
    assert report.count("<tr><td>湖滨街道</td>") == 2
    assert report.count("<tr><td>上城区 县级（未分乡镇）</td><td>失业登记</td>") == 1
    assert "style=" not in page.text


def test_an_unknown_month_falls_back_to_this_one_and_an_empty_month_says_so(
    client: TestClient, seeded: Seeded
) -> None:
    page = seeded.clerk.get("/figures?month=someday").text
    assert 'name="month" value="2026-11"' in page
    empty = seeded.clerk.get("/figures?month=2025-01").text
    assert "本月没有办件和评价" in empty
    assert "本月没有收到评价" in empty
    assert "没有待办件" not in empty  # the waiting list is now's, and there are some
