"""Fleet statistics and the /stats page, on SQLite and on PostgreSQL.

The conftest clock stands at 2026-11-26 10:00:30 Beijing time (02:00:30 UTC). Rows are
written straight into the tables (as the intake, ratings and health services would) so that
their times can be put exactly on the edges the counts must get right.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from controller.auth.access import Role
from controller.models import Kiosk, KioskHealthChange, Rating, Transaction
from controller.services import stats
from controller.services.health_reasons import Health, ReasonCode
from controller.services.stats import STATION_TIME, Window
from tests.controller.controller_testkit import (
    post_json,
    register,
    signed_in_as,
    teach_catalog,
    transaction,
)
from tests.support.clock import FakeClock

CST = STATION_TIME


def cst(*args: int) -> dt.datetime:
    """A Beijing time as a UTC instant."""
    return dt.datetime(*args, tzinfo=CST).astimezone(dt.UTC)  # type: ignore[misc]


def kiosk_pk(client: TestClient, kiosk_id: str) -> int:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        return int(session.execute(select(Kiosk.id).where(Kiosk.kiosk_id == kiosk_id)).scalar_one())


_serial = iter(range(1, 1_000_000))


def add_transactions(
    client: TestClient,
    pk: int,
    times: Iterable[dt.datetime],
    service: str = "employment_registration",
) -> list[int]:
    """Store transactions made at `times` by kiosk `pk`; their ids."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    ids = []
    with runtime.db.session() as session:
        for at in times:
            n = next(_serial)
            row = Transaction(
                key=f"{n:032d}", number=f"KA01-{n:010d}", kiosk_pk=pk, service=service,
                created_at=at, received_at=at, identity_method="id_card", id_masked="1101**",
                name_masked="测*", id_lookup=f"{n:064d}", citizen_sealed=b"x",
                fields_sealed=b"x", field_names=[], body_hash="0" * 64,
            )  # fmt: skip
            session.add(row)
            session.flush()
            ids.append(row.id)
        session.commit()
    return ids


def add_ratings(client: TestClient, pk: int, stars: Iterable[int], service: str) -> None:
    """Rate new transactions of `service` at kiosk `pk` with each of `stars`."""
    stars = list(stars)
    now = client.app.state.runtime.clock()  # type: ignore[attr-defined]
    ids = add_transactions(client, pk, [now - dt.timedelta(hours=1)] * len(stars), service)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        for transaction_pk, count in zip(ids, stars, strict=True):
            session.add(
                Rating(
                    key=f"r{transaction_pk:031d}", kiosk_pk=pk, transaction_pk=transaction_pk,
                    service=service, stars=count, reasons=[], received_at=now,
                    body_hash="0" * 64,
                )
            )  # fmt: skip
        session.commit()


Change = tuple[dt.datetime, Health, list[str]]


def add_changes(client: TestClient, pk: int, changes: Iterable[Change]) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        for at, health, reasons in changes:
            session.add(
                KioskHealthChange(
                    kiosk_pk=pk, at=at, health=health.value, status="idle", reasons=reasons,
                    devices={},
                )
            )  # fmt: skip
        session.commit()


@pytest.fixture
def kiosk(client: TestClient, device: tuple[str, str]) -> int:
    return kiosk_pk(client, device[0])


def test_days_and_hours_split_at_midnight_in_station_time(client: TestClient, kiosk: int) -> None:
    # 23:59:59 on the 25th and 00:00:00 on the 26th, Beijing time: 15:59:59 / 16:00 UTC.
    add_transactions(client, kiosk, [cst(2026, 11, 25, 23, 59, 59), cst(2026, 11, 26, 0, 0, 0)])
    add_transactions(client, kiosk, [cst(2026, 11, 26, 0, 30), cst(2026, 11, 26, 9, 59)])
    add_transactions(client, kiosk, [cst(2026, 11, 19, 23, 59, 59)])  # before the 7 days
    window = Window.last_days(7, cst(2026, 11, 26, 10, 0, 30))
    assert window.start == cst(2026, 11, 20, 0, 0)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        counts = stats.transactions_per_hour(session, window)
    assert counts == {
        cst(2026, 11, 25, 23): 1,
        cst(2026, 11, 26, 0): 2,
        cst(2026, 11, 26, 9): 1,
    }
    days = dict(stats.per_day(counts, window))
    assert list(days) == [dt.date(2026, 11, d) for d in range(20, 27)]
    assert days[dt.date(2026, 11, 25)] == 1
    assert days[dt.date(2026, 11, 26)] == 3
    assert sum(days.values()) == 4
    profile = stats.per_hour_of_day(counts)
    assert (profile[23], profile[0], profile[9], sum(profile)) == (1, 2, 1, 4)


def test_the_last_24_hours_are_whole_local_hours_up_to_now(client: TestClient, kiosk: int) -> None:
    now = cst(2026, 11, 26, 10, 0, 30)
    add_transactions(client, kiosk, [cst(2026, 11, 25, 10, 59), cst(2026, 11, 25, 11, 0)])
    add_transactions(client, kiosk, [cst(2026, 11, 26, 10, 0, 10)])
    window = Window.last_hours(24, now)
    assert (window.start, window.end) == (cst(2026, 11, 25, 11), cst(2026, 11, 26, 11))
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        hours = stats.per_hour(stats.transactions_per_hour(session, window), window)
    assert len(hours) == 24
    assert hours[0] == (cst(2026, 11, 25, 11), 1)  # 10:59 the day before is outside
    assert hours[-1] == (cst(2026, 11, 26, 10), 1)
    assert sum(n for _, n in hours) == 2


def test_services_kiosks_and_ratings_are_counted_per_group(client: TestClient, kiosk: int) -> None:
    other = kiosk_pk(client, register(client, "hw-0002", "二号机")[0])
    now = cst(2026, 11, 26, 10, 0, 30)
    add_transactions(client, kiosk, [now - dt.timedelta(hours=2)] * 3)
    add_transactions(client, other, [now - dt.timedelta(days=1)] * 2, "unemployment_registration")
    add_ratings(client, kiosk, [5, 4, 4], "employment_registration")
    add_ratings(client, other, [1], "unemployment_registration")
    window = Window.last_days(7, now)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        assert stats.services_used(session, window) == [
            ("employment_registration", 6),  # 3 + 3 rated
            ("unemployment_registration", 3),
        ]
        assert stats.services_used(session, window, [other]) == [("unemployment_registration", 3)]
        assert stats.transactions_per_kiosk(session, window) == {kiosk: 6, other: 3}
        rated = stats.ratings_by_service(session, window)
    assert [(r.service, dict(r.stars), r.count) for r in rated] == [
        ("employment_registration", {5: 1, 4: 2}, 3),
        ("unemployment_registration", {1: 1}, 1),
    ]
    assert rated[0].average == pytest.approx(13 / 3)


def test_kiosk_health_is_sampled_from_the_stored_changes(
    client: TestClient, kiosk: int, clock: FakeClock
) -> None:
    now = cst(2026, 11, 26, 10, 0, 30)
    later = kiosk_pk(client, register(client, "hw-0002", "二号机")[0])  # registered now
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        session.get_one(Kiosk, kiosk).registered_at = cst(2026, 11, 1, 9, 0)
        session.commit()
    paper = ["paper_near_end:receipt_printer"]
    add_changes(client, kiosk, [
        (cst(2026, 11, 20, 9, 0), Health.GREEN, []),  # before the window: green at its start
        (cst(2026, 11, 26, 2, 0), Health.YELLOW, paper),
        (cst(2026, 11, 26, 3, 0), Health.RED, ["paper_out:receipt_printer"]),
        (cst(2026, 11, 26, 5, 0), Health.GREY, ["offline"]),
        (cst(2026, 11, 26, 6, 0), Health.YELLOW, paper),  # near end again after "out"
        (cst(2026, 11, 26, 7, 0), Health.GREY, ["offline"]),
        (cst(2026, 11, 26, 7, 30), Health.YELLOW, paper),  # the same warning, back from away
    ])  # fmt: skip
    window = Window.last_hours(24, now)
    times = stats.sample_times(window, now, dt.timedelta(hours=1))
    assert times[0] == window.start
    assert times[-1] == now
    assert len(times) == 25
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        history = stats.fleet_history(session, window, times)
    by_time = dict(history.samples)
    assert by_time[cst(2026, 11, 26, 1)][Health.GREEN] == 1
    assert by_time[cst(2026, 11, 26, 2)][Health.YELLOW] == 1  # a change at the sample counts
    assert by_time[cst(2026, 11, 26, 4)][Health.RED] == 1
    assert by_time[cst(2026, 11, 26, 5)][Health.GREY] == 1
    # The second kiosk counts from its registration (now), grey: never seen.
    assert sum(by_time[cst(2026, 11, 26, 9)].values()) == 1
    assert by_time[now] == {Health.GREEN: 0, Health.YELLOW: 1, Health.RED: 0, Health.GREY: 1}
    assert later not in {pk for pk, _ in history.paper}
    assert history.paper == {
        (kiosk, dt.date(2026, 11, 26)): {
            ReasonCode.PAPER_NEAR_END: 2,
            ReasonCode.PAPER_OUT: 1,
        }
    }


# -- the page ---------------------------------------------------------------------------

EVIL_TITLE = '<script>alert("x")</script>就业登记'
SVG_BLOCK = re.compile(r"<svg\b.*?</svg>", re.S)


@pytest.fixture
def busy(client: TestClient, device: tuple[str, str]) -> TestClient:
    """A kiosk with a hostile catalog title, a transaction and a rating of it."""
    kiosk_id, token = device
    catalog = {
        "version": 3,
        "titles": {"employment_registration": {"zh-CN": EVIL_TITLE, "en": "x"}},
    }
    teach_catalog(client, token, catalog)
    assert post_json(client, "/transactions", transaction(), token).status_code == 201
    rating = {"key": "2" * 32, "transaction_number": "KA01-2611260001",
              "service": "employment_registration", "stars": 4}  # fmt: skip
    assert post_json(client, "/ratings", rating, token).status_code == 201
    return signed_in_as(client, Role.OPS_VIEWER)


@pytest.mark.parametrize("period", ["24h", "7d", "30d"])
def test_the_stats_page_draws_every_chart_within_the_csp(busy: TestClient, period: str) -> None:
    page = busy.get(f"/stats?range={period}")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script" not in page.text
    assert "style=" not in page.text
    assert "<style" not in page.text
    svgs = SVG_BLOCK.findall(page.text)
    assert len(svgs) == 8
    for svg in svgs:
        ET.fromstring(svg)  # noqa: S314 - well-formed, or this raises
    # The service by its (hostile) title, as text; never its code alone.
    assert "&lt;script&gt;alert(" in page.text
    assert "employment_registration" not in page.text
    assert 'aria-current="page">' in page.text
    assert f'range={period}" class="active"' in page.text


def test_the_stats_page_shows_the_counts_in_its_tables(busy: TestClient) -> None:
    page = busy.get("/stats?range=24h").text
    # Transaction at 10:00 Beijing time: the last hour's bar holds it.
    assert re.search(r"<td>10:00</td><td class=\"num\">1</td>", page)
    assert "4.0 ★（1 条）" in page
    assert "KA01" in page  # the receipts chart names the kiosk
    assert "终端不上报打印张数和用纸量" in page


def test_an_unknown_range_falls_back_to_seven_days(busy: TestClient) -> None:
    page = busy.get("/stats?range=forever")
    assert page.status_code == 200
    assert 'range=7d" class="active"' in page.text


def test_an_empty_fleet_gets_words_not_blank_charts(client: TestClient) -> None:
    page = signed_in_as(client, Role.OPS_ADMIN).get("/stats").text
    assert page.count("此时段内没有数据") >= 5
    assert "此时段内没有打印纸告警" in page


def test_the_kiosk_page_charts_its_last_30_days(busy: TestClient, device: tuple[str, str]) -> None:
    page = busy.get(f"/kiosks/{device[0]}").text
    svgs = SVG_BLOCK.findall(page)
    assert len(svgs) == 1
    root = ET.fromstring(svgs[0])  # noqa: S314
    bars = [e for e in root.iter("{http://www.w3.org/2000/svg}rect") if e.get("class") == "bar"]
    assert [b.get("data-value") for b in bars] == ["1"]
    assert '<td>11-26</td><td class="num">1</td>' in page
    assert "style=" not in page
