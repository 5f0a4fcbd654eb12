"""Maintenance mode's kiosk side: the hashed PIN, its lockout, the gesture, what is shown."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.demo import write_kiosk_config
from drivers.selftest import Check
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import SocialCardConfig, load_config
from kiosk.maintenance import (
    HOLD_SECONDS,
    LOCKOUT_MAX_SECONDS,
    LOCKOUT_SECONDS,
    MAX_FAILURES,
    MIN_GAP,
    SEQUENCE_SECONDS,
    Corner,
    CornerGesture,
    PinError,
    PinFile,
    PinGate,
    Verdict,
    build_maintenance,
    corner_at,
)
from kiosk.outbox import OutboxFull
from wire import Citizen, KioskStatus, MaintenanceEventKind, MaintenanceExit, TransactionIn

PIN = "482915"
ID_NUMBER = "11010519491231002X"


class WallClock:
    """Wall-clock seconds that a test moves."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def pin_file(tmp_path: Path) -> PinFile:
    pins = PinFile(tmp_path / "maintenance.pin")
    pins.set(PIN)
    return pins


def gate(pin_file: PinFile, tmp_path: Path, wall: WallClock) -> PinGate:
    """A PIN gate as a fresh kiosk process would make it, on the same files."""
    return PinGate(pin_file, tmp_path / "data" / "lockout.json", clock=wall)


def test_the_pin_is_stored_as_a_salted_scrypt_hash(tmp_path: Path, pin_file: PinFile) -> None:
    text = pin_file.path.read_text()
    assert PIN not in text
    record = json.loads(text)
    assert record["scheme"] == "scrypt"
    assert pin_file.path.stat().st_mode & 0o777 == 0o600
    again = PinFile(tmp_path / "again.pin")
    again.set(PIN)
    assert json.loads(again.path.read_text())["salt"] != record["salt"]  # same PIN, new salt
    assert pin_file.matches(PIN)
    assert not pin_file.matches("482916")


@pytest.mark.parametrize("bad", ["12345", "1234567890123", "12a456", "111111", "１２３４５６"])
def test_a_pin_that_is_too_short_long_or_easy_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(PinError):
        PinFile(tmp_path / "p.pin").set(bad)


def test_the_right_pin_opens(pin_file: PinFile, tmp_path: Path, wall: WallClock) -> None:
    assert gate(pin_file, tmp_path, wall).try_pin(PIN).verdict is Verdict.OPEN


def test_a_wrong_pin_many_times_locks_the_pad_even_for_the_right_one(
    pin_file: PinFile, tmp_path: Path, wall: WallClock
) -> None:
    pad = gate(pin_file, tmp_path, wall)
    for n in range(1, MAX_FAILURES):
        attempt = pad.try_pin("000001")
        assert (attempt.verdict, attempt.failures) == (Verdict.WRONG, n)
        wall.now += MIN_GAP
    last = pad.try_pin("000001")
    assert last.verdict is Verdict.LOCKED
    assert last.wait_seconds == LOCKOUT_SECONDS
    wall.now += LOCKOUT_SECONDS - 1
    assert pad.try_pin(PIN).verdict is Verdict.LOCKED
    wall.now += 1
    assert pad.try_pin(PIN).verdict is Verdict.OPEN


def test_the_lockout_survives_a_restart(pin_file: PinFile, tmp_path: Path, wall: WallClock) -> None:
    for _ in range(MAX_FAILURES):
        gate(pin_file, tmp_path, wall).try_pin("000001")  # a new process for every attempt
        wall.now += MIN_GAP
    restarted = gate(pin_file, tmp_path, wall)
    assert restarted.locked_for() == LOCKOUT_SECONDS - MIN_GAP
    assert restarted.try_pin(PIN).verdict is Verdict.LOCKED


def test_each_further_lockout_is_longer_up_to_a_ceiling(
    pin_file: PinFile, tmp_path: Path, wall: WallClock
) -> None:
    pad = gate(pin_file, tmp_path, wall)
    lockouts = []
    for _ in range(6):
        for _ in range(MAX_FAILURES):
            wall.now += pad.locked_for() + MIN_GAP
            attempt = pad.try_pin("000001")
        lockouts.append(attempt.wait_seconds)
    assert lockouts[:3] == [LOCKOUT_SECONDS, 2 * LOCKOUT_SECONDS, 4 * LOCKOUT_SECONDS]
    assert lockouts[-1] == LOCKOUT_MAX_SECONDS


def test_attempts_faster_than_the_rate_limit_are_not_even_checked(
    pin_file: PinFile, tmp_path: Path, wall: WallClock
) -> None:
    pad = gate(pin_file, tmp_path, wall)
    pad.try_pin("000001")
    wall.now += MIN_GAP / 2
    hurried = pad.try_pin(PIN)
    assert hurried.verdict is Verdict.TOO_SOON
    wall.now += MIN_GAP / 2
    assert pad.try_pin(PIN).verdict is Verdict.OPEN


def test_a_damaged_lockout_record_keeps_the_pad_locked(
    pin_file: PinFile, tmp_path: Path, wall: WallClock
) -> None:
    pad = gate(pin_file, tmp_path, wall)
    pad.try_pin("000001")
    (tmp_path / "data" / "lockout.json").write_text("{not json")
    assert pad.try_pin(PIN).verdict is Verdict.LOCKED


def test_without_a_pin_set_the_pad_never_opens(tmp_path: Path, wall: WallClock) -> None:
    pad = PinGate(PinFile(tmp_path / "none.pin"), tmp_path / "l.json", clock=wall)
    assert pad.try_pin("").verdict is Verdict.NO_PIN


def test_every_attempt_is_audited_without_the_digits(
    pin_file: PinFile, tmp_path: Path, wall: WallClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.maintenance")
    pad = gate(pin_file, tmp_path, wall)
    pad.try_pin("000001")
    wall.now += MIN_GAP
    pad.try_pin(PIN)
    events = [r.getMessage() for r in caplog.records if r.name == "kiosk.maintenance"]
    assert events == [
        "maintenance_pin result=wrong failures=1 wait_s=2",
        "maintenance_pin result=open failures=0 wait_s=0",
    ]
    assert not any(PIN in e or "000001" in e for e in events)


def press(gesture: CornerGesture, clock: WallClock, corner: Corner | None, hold: float) -> bool:
    gesture.down(corner)
    clock.now += hold
    return gesture.up(corner)


def test_a_long_press_top_left_then_three_corners_clockwise_opens(wall: WallClock) -> None:
    gesture = CornerGesture(clock=wall)
    assert not press(gesture, wall, Corner.TOP_LEFT, HOLD_SECONDS)
    assert not press(gesture, wall, Corner.TOP_RIGHT, 0.1)
    assert not press(gesture, wall, Corner.BOTTOM_RIGHT, 0.1)
    assert press(gesture, wall, Corner.BOTTOM_LEFT, 0.1)
    # Done: the corners again without the long press do nothing.
    assert not any(press(gesture, wall, c, 0.1) for c in [*Corner, *Corner])


@pytest.mark.parametrize(
    "taps",
    [
        [Corner.TOP_RIGHT, Corner.BOTTOM_LEFT, Corner.BOTTOM_RIGHT],  # wrong order
        [Corner.TOP_RIGHT, None, Corner.BOTTOM_RIGHT, Corner.BOTTOM_LEFT],  # a tap mid-screen
    ],
    ids=["wrong-order", "tap-between"],
)
def test_a_wrong_sequence_does_not_open(wall: WallClock, taps: list[Corner | None]) -> None:
    gesture = CornerGesture(clock=wall)
    press(gesture, wall, Corner.TOP_LEFT, HOLD_SECONDS)
    assert not any(press(gesture, wall, corner, 0.1) for corner in taps)


def test_a_short_press_or_a_slow_sequence_does_not_open(wall: WallClock) -> None:
    gesture = CornerGesture(clock=wall)
    press(gesture, wall, Corner.TOP_LEFT, HOLD_SECONDS - 0.5)  # a citizen's ordinary tap
    assert not any(press(gesture, wall, c, 0.1) for c in TAPS)
    press(gesture, wall, Corner.TOP_LEFT, HOLD_SECONDS)
    wall.now += SEQUENCE_SECONDS
    assert not any(press(gesture, wall, c, 0.1) for c in TAPS)


TAPS = (Corner.TOP_RIGHT, Corner.BOTTOM_RIGHT, Corner.BOTTOM_LEFT)


def test_corners_are_small_squares_of_the_screen() -> None:
    assert corner_at(5, 795, 1280, 800) is Corner.TOP_LEFT
    assert corner_at(1275, 5, 1280, 800) is Corner.BOTTOM_RIGHT
    assert corner_at(5, 400, 1280, 800) is None
    assert corner_at(200, 795, 1280, 800) is None


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
