"""Kiosk health: the colour rules, their words, and the history heartbeats and sweeps leave."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from controller.services.health import DeviceFact, KioskFacts, Thresholds, assess
from controller.services.health_reasons import Health, Reason, ReasonCode, describe
from tests.controller import alerts_testkit
from tests.controller.alerts_testkit import HEARTBEAT_SECONDS, make_settings, rig
from tests.support.clock import FakeClock
from wire import DeviceKind, DeviceState


@pytest.fixture(autouse=True)
def _on_each_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test of this module on SQLite and on PostgreSQL."""
    monkeypatch.setattr(alerts_testkit, "DATABASE_URL", database_url)


OK = DeviceFact(DeviceState.OK)
PRINTER = DeviceKind.RECEIPT_PRINTER.value
READER = DeviceKind.ID_CARD_READER.value


def facts(
    *,
    seen: bool = True,
    online: bool = True,
    status: str = "idle",
    devices: dict[str, DeviceFact] | None = None,
    outbox: int = 0,
    skew: float | None = None,
) -> KioskFacts:
    return KioskFacts(
        seen=seen,
        online=online,
        status=status,
        devices={READER: OK, PRINTER: OK} if devices is None else devices,
        outbox_pending=outbox,
        clock_skew=skew,
    )


@pytest.mark.parametrize(
    ("given", "health", "reasons"),
    [
        (facts(), Health.GREEN, []),
        (facts(seen=False, online=False), Health.GREY, ["never_seen"]),
        (
            facts(online=False, devices={PRINTER: DeviceFact(DeviceState.FAULTED)}),
            Health.GREY,
            ["offline"],
        ),
        (facts(status="out_of_service"), Health.RED, ["out_of_service"]),
        (
            facts(devices={READER: DeviceFact(DeviceState.FAULTED, "no answer")}),
            Health.RED,
            ["device_faulted:id_card_reader"],
        ),
        (
            facts(devices={READER: DeviceFact(DeviceState.ABSENT, "not connected")}),
            Health.RED,
            ["device_absent:id_card_reader"],
        ),
        (
            facts(devices={PRINTER: DeviceFact(DeviceState.FAULTED, "paper out")}),
            Health.RED,
            ["paper_out:receipt_printer"],
        ),
        (facts(status="maintenance"), Health.YELLOW, ["maintenance"]),
        (facts(status="in_session"), Health.GREEN, []),
        (
            facts(devices={PRINTER: DeviceFact(DeviceState.DEGRADED, "paper near end")}),
            Health.YELLOW,
            ["paper_near_end:receipt_printer"],
        ),
        (
            facts(devices={"camera": DeviceFact(DeviceState.DEGRADED, "slow frames")}),
            Health.YELLOW,
            ["device_degraded:camera"],
        ),
        (facts(outbox=21), Health.YELLOW, ["outbox_backlog"]),
        (facts(outbox=20), Health.GREEN, []),
        (facts(skew=121.0), Health.YELLOW, ["clock_skew"]),
        (facts(skew=-121.0), Health.YELLOW, ["clock_skew"]),
        (facts(skew=-120.0), Health.GREEN, []),
        (
            facts(
                status="maintenance",
                outbox=50,
                devices={
                    PRINTER: DeviceFact(DeviceState.DEGRADED, "paper near end"),
                    READER: DeviceFact(DeviceState.FAULTED, "x"),
                },
            ),
            Health.RED,
            [
                "device_faulted:id_card_reader",
                "maintenance",
                "outbox_backlog",
                "paper_near_end:receipt_printer",
            ],
        ),
    ],
)
def test_health_rules_give_the_worst_colour_and_every_reason_worst_first(
    given: KioskFacts, health: Health, reasons: list[str]
) -> None:
    assessment = assess(given, Thresholds(outbox_backlog=20, clock_skew_seconds=120))
    assert (assessment.health, assessment.keys) == (health, reasons)


def test_every_reason_speaks_both_languages_and_names_its_device() -> None:
    for code in ReasonCode:
        zh, en = Reason(code, PRINTER).text
        assert zh, code
        assert en, code
        assert zh != en, code
        assert "{" not in zh + en, code
    assert Reason(ReasonCode.DEVICE_FAULTED, PRINTER).text == ("打印机故障", "Printer faulted")
    assert Reason.from_key("device_absent:camera") == Reason(ReasonCode.DEVICE_ABSENT, "camera")
    assert describe([]) == ("正常", "Healthy")
    both = describe([Reason(ReasonCode.MAINTENANCE), Reason(ReasonCode.OUTBOX_BACKLOG)])
    assert both == ("维护中；待上传办件积压", "In maintenance; Transactions waiting to upload")


def test_a_kiosk_whose_facts_were_stored_by_another_release_still_gets_a_health() -> None:
    class Stored:
        last_seen_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        status = "idle"
        devices = {"printer": "not a dict", PRINTER: {"state": "melted"}, READER: {"state": "ok"}}
        outbox_pending = 0
        starts_last_hour = 0
        vitals = {"outbox_failed": "many"}  # a shape this release cannot read

    got = KioskFacts.of(Stored(), online=True)  # type: ignore[arg-type]
    assert got.devices == {READER: OK}
    assert assess(got).health is Health.GREEN


def test_a_heartbeat_records_a_change_of_health_once(tmp_path: Path, clock: FakeClock) -> None:
    with rig(make_settings(tmp_path), clock) as r:
        _kiosk_id, token = r.register()
        r.beat(token)
        r.beat(token)
        printer_low = {
            "id_card_reader": {"state": "ok"},
            "receipt_printer": {"state": "degraded", "reason": "paper near end"},
        }
        r.beat(token, devices=printer_low)
        r.beat(token, devices=printer_low)
        r.beat(token, status="maintenance", devices=printer_low)
    assert r.changes() == [
        ("green", "idle", []),
        ("yellow", "idle", ["paper_near_end:receipt_printer"]),
        ("yellow", "maintenance", ["maintenance", "paper_near_end:receipt_printer"]),
    ]


def test_the_sweep_turns_a_silent_kiosk_grey_from_its_third_missed_heartbeat(
    tmp_path: Path, clock: FakeClock
) -> None:
    with rig(make_settings(tmp_path), clock) as r:
        kiosk_id, token = r.register()
        r.beat(token)
        last_beat = clock.wall()
        clock.advance(3 * HEARTBEAT_SECONDS)
        assert r.sweep().changed == []  # exactly 3 intervals: still online
        clock.advance(100)
        assert r.sweep().changed == [kiosk_id]
        assert r.sweep().changed == []  # already grey: nothing more to record
        with r.session() as session:
            kiosk = r.kiosk(session, kiosk_id)
            changes = r.runtime.health.changes(
                session, kiosk, last_beat, clock.wall() + dt.timedelta(seconds=1)
            )
    assert [(c.health, c.status, c.reasons) for c in changes] == [
        ("green", "idle", []),
        ("grey", "offline", ["offline"]),
    ]
    assert changes[1].at == last_beat + dt.timedelta(seconds=3 * HEARTBEAT_SECONDS)
    assert changes[1].devices == {"id_card_reader": "ok", "receipt_printer": "ok"}


def test_a_kiosk_that_never_beat_is_grey_from_its_registration(
    tmp_path: Path, clock: FakeClock
) -> None:
    with rig(make_settings(tmp_path), clock) as r:
        kiosk_id, _token = r.register()
        registered = clock.wall()
        clock.advance(30)
        assert r.sweep().changed == [kiosk_id]
        assert r.sweep().changed == []
        with r.session() as session:
            kiosk = r.kiosk(session, kiosk_id)
            periods = r.runtime.health.timeline(
                session, kiosk, registered, registered + dt.timedelta(hours=1)
            )
    assert [(p.health, p.status, p.text) for p in periods] == [
        (Health.GREY, "registered", ("从未上线", "Never seen")),
    ]


def test_timeline_and_availability_count_the_grey_time_in_a_window(
    tmp_path: Path, clock: FakeClock
) -> None:
    with rig(make_settings(tmp_path), clock) as r:
        kiosk_id, token = r.register()
        start = clock.wall()
        r.beat(token)
        clock.advance(240)
        r.sweep()  # offline from start + 180 s
        clock.advance(360)  # start + 600 s
        r.beat(token, devices={"receipt_printer": {"state": "faulted", "reason": "cutter jam"}})
        with r.session() as session:
            kiosk = r.kiosk(session, kiosk_id)
            book = r.runtime.health
            end = start + dt.timedelta(seconds=1200)
            periods = book.timeline(session, kiosk, start, end)
            availability = book.availability(session, kiosk, start, end)
            earlier = book.timeline(session, kiosk, start - dt.timedelta(hours=1), start)
            later = book.availability(session, kiosk, end, end + dt.timedelta(seconds=100))
            with pytest.raises(ValueError, match="end after it starts"):
                book.timeline(session, kiosk, end, start)
    seconds = [
        ((p.start - start).total_seconds(), (p.end - start).total_seconds()) for p in periods
    ]
    assert seconds == [(0, 180), (180, 600), (600, 1200)]
    assert [p.health for p in periods] == [Health.GREEN, Health.GREY, Health.RED]
    assert periods[2].text == ("打印机故障", "Printer faulted")
    assert availability == pytest.approx(100 * (1200 - 420) / 1200)
    assert [p.health for p in earlier] == [Health.GREY]  # before the first beat: never seen
    assert later == 100.0


def test_device_states_over_time_are_unknown_while_the_kiosk_is_grey(
    tmp_path: Path, clock: FakeClock
) -> None:
    with rig(make_settings(tmp_path), clock) as r:
        kiosk_id, token = r.register()
        start = clock.wall()
        r.beat(token)
        clock.advance(60)
        r.beat(
            token, devices={"receipt_printer": {"state": "degraded", "reason": "paper near end"}}
        )
        clock.advance(60)
        r.beat(
            token, devices={"receipt_printer": {"state": "degraded", "reason": "paper near end"}}
        )
        clock.advance(400)
        r.sweep()  # offline at start + 120 + 180
        with r.session() as session:
            kiosk = r.kiosk(session, kiosk_id)
            states = r.runtime.health.device_states(
                session, kiosk, start, start + dt.timedelta(seconds=600)
            )
    printer = [
        ((s.start - start).total_seconds(), (s.end - start).total_seconds(), s.state)
        for s in states["receipt_printer"]
    ]
    assert printer == [(0, 60, "ok"), (60, 300, "degraded"), (300, 600, "unknown")]
    assert [s.state for s in states["id_card_reader"]] == ["ok", "unknown"]
