"""Maintenance mode's kiosk side: what is shown, the self-test, out of service, the events.

The PIN and its lockout: test_maintenance_pin.py; the gesture: test_maintenance_gesture.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.demo import write_kiosk_config
from drivers.selftest import Check
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from kiosk.config_model import SocialCardConfig
from kiosk.maintenance import build_maintenance
from kiosk.maintenance_pin import LOCKOUT_SECONDS, MAX_FAILURES, MIN_GAP, PinFile, Verdict
from kiosk.outbox import OutboxFull
from tests.kiosk.maintenance_testkit import PIN, WallClock
from wire import Citizen, KioskStatus, MaintenanceEventKind, MaintenanceExit, TransactionIn

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    config = load_config(write_kiosk_config(tmp_path / "kiosk.toml", "http://127.0.0.1:9"))
    config = dataclasses.replace(
        config,
        receipt_printer=dataclasses.replace(config.receipt_printer, kind="file"),
        social_card_reader=SocialCardConfig(kind="none"),
        camera=dataclasses.replace(config.camera, kind="none"),
    )
    built = build_kiosk(config)
    built.start(sync=False)
    try:
        yield built
    finally:
        built.close()


def test_the_snapshot_shows_devices_outbox_and_redacted_log_lines(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    made = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)
    kiosk.outbox.add(
        TransactionIn(
            key=uuid.uuid4().hex,
            number="KA01-2611260001",
            service="employment_registration",
            created_at=made,
            identity_method="id_card",
            citizen=Citizen(id_number=ID_NUMBER, name="测试甲"),
            fields={},
        )
    )
    lines = [f'level=info msg="read {ID_NUMBER} name=测试甲"']
    maintenance = build_maintenance(
        kiosk, tmp_path / "maintenance.pin", log_lines=lambda n: lines[-n:]
    )
    shot = maintenance.snapshot()
    assert {d.kind: d.health for d in shot.devices} == {
        "id_card_reader": "ok",
        "receipt_printer": "ok",
    }
    assert (shot.outbox_pending, shot.oldest_pending) == (1, made)
    assert shot.online is False
    assert shot.out_of_service is None
    assert ID_NUMBER not in shot.log_lines[0]
    assert "测试甲" not in shot.log_lines[0]


def test_the_self_test_reports_progress_through_the_open_devices(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    maintenance = build_maintenance(kiosk, tmp_path / "maintenance.pin")
    seen: list[tuple[int, int, str, bool]] = []

    def progress(done: int, total: int, check: Check) -> None:
        seen.append((done, total, check.device, check.ok))

    report = maintenance.self_test(progress)
    assert report.ok, report.checks
    assert seen == [(1, 2, "idcard", True), (2, 2, "printer", True)]
    assert list(kiosk.config.receipt_dir.glob("selftest-*.escpos"))


def test_out_of_service_empties_the_menu_and_tells_the_controller(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    maintenance = build_maintenance(kiosk, tmp_path / "maintenance.pin")
    assert kiosk.service.catalog
    maintenance.set_out_of_service(True, "screen cracked")
    assert kiosk.service.catalog == []
    assert kiosk.service.heartbeat().status is KioskStatus.OUT_OF_SERVICE
    assert maintenance.snapshot().out_of_service == "screen cracked"
    maintenance.set_out_of_service(False, "")
    assert kiosk.service.catalog
    assert kiosk.service.heartbeat().status is KioskStatus.IDLE


def test_a_technician_inside_makes_the_heartbeat_say_maintenance_until_they_leave(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    maintenance = build_maintenance(kiosk, tmp_path / "maintenance.pin")
    assert kiosk.service.heartbeat().status is KioskStatus.IDLE
    maintenance.opened()
    assert kiosk.service.heartbeat().status is KioskStatus.MAINTENANCE
    # Out of service switched on meanwhile: still maintenance while the technician is in.
    maintenance.set_out_of_service(True, "maintenance")
    assert kiosk.service.heartbeat().status is KioskStatus.MAINTENANCE
    maintenance.closed("service")
    assert kiosk.service.heartbeat().status is KioskStatus.OUT_OF_SERVICE
    maintenance.set_out_of_service(False, "")
    assert kiosk.service.heartbeat().status is KioskStatus.IDLE


def test_what_happens_at_the_screen_is_queued_for_the_controller_in_order(
    kiosk: Kiosk, tmp_path: Path
) -> None:
    maintenance = build_maintenance(kiosk, tmp_path / "maintenance.pin")
    maintenance.closed("service")  # the PIN pad left without a PIN: nothing happened
    maintenance.opened()
    maintenance.set_out_of_service(True, "screen cracked")
    maintenance.set_out_of_service(False, "")
    maintenance.closed("desktop")
    events = kiosk.outbox.claim_due_maintenance_events()
    assert [(e.kind, e.left_to) for e in events] == [
        (MaintenanceEventKind.ENTERED, None),
        (MaintenanceEventKind.OUT_OF_SERVICE_ON, None),
        (MaintenanceEventKind.OUT_OF_SERVICE_OFF, None),
        (MaintenanceEventKind.LEFT, MaintenanceExit.DESKTOP),
    ]
    assert len({e.key for e in events}) == 4
    # The technician's own words stay on the kiosk.
    assert all("screen cracked" not in e.model_dump_json() for e in events)


def test_wrong_pins_and_the_lockout_are_queued_with_counts_and_never_the_digits(
    kiosk: Kiosk, pin_file: PinFile, wall: WallClock
) -> None:
    maintenance = build_maintenance(kiosk, pin_file.path, clock=wall)
    wrong = "135792"
    for _ in range(MAX_FAILURES):
        maintenance.try_pin(wrong)
        wall.now += MIN_GAP
    assert maintenance.try_pin(PIN).verdict is Verdict.LOCKED  # no event: nothing new
    events = kiosk.outbox.claim_due_maintenance_events()
    assert [(e.kind, e.failures) for e in events] == [
        *((MaintenanceEventKind.PIN_FAILED, n) for n in range(1, MAX_FAILURES)),
        (MaintenanceEventKind.LOCKED_OUT, MAX_FAILURES),
    ]
    lockout = events[-1]
    assert lockout.locked_until is not None
    assert lockout.locked_until - lockout.created_at == dt.timedelta(seconds=LOCKOUT_SECONDS)
    assert lockout.created_at.utcoffset() is not None
    assert all(wrong not in e.model_dump_json() and PIN not in e.model_dump_json() for e in events)


def test_a_full_outbox_does_not_keep_the_technician_out(
    kiosk: Kiosk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def full(event: object) -> None:
        raise OutboxFull("outbox at capacity (5000 of 5000)")

    monkeypatch.setattr(kiosk.outbox, "add_maintenance_event", full)
    maintenance = build_maintenance(kiosk, tmp_path / "maintenance.pin")
    with caplog.at_level(logging.WARNING, logger="kiosk.maintenance"):
        maintenance.opened()
    assert kiosk.service.heartbeat().status is KioskStatus.MAINTENANCE
    assert "maintenance_event not queued kind=entered" in caplog.text
