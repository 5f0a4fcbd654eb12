"""The kiosk's start log: how often the program started in the last hour, across restarts."""

from __future__ import annotations

from pathlib import Path

from kiosk.starts import HOUR, KEEP_AT_MOST, StartLog


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_starts_are_counted_across_processes_within_the_hour(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "starts.json"
    for minute in (0, 4, 9):  # crashed and restarted twice in ten minutes
        clock.now += minute * 60
        StartLog(path, clock).record()  # a new process each time
    assert StartLog(path, clock).within_last_hour() == 3
    clock.now += HOUR  # an hour of running without a restart
    assert StartLog(path, clock).within_last_hour() == 0
    StartLog(path, clock).record()
    assert StartLog(path, clock).within_last_hour() == 1


def test_a_missing_or_broken_file_counts_as_no_earlier_start(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "starts.json"
    assert StartLog(path, clock).within_last_hour() == 0
    for broken in ("{not json", '{"a": 1}', '["x", true, null]'):
        path.write_text(broken, encoding="utf-8")
        assert StartLog(path, clock).within_last_hour() == 0
        StartLog(path, clock).record()
        assert StartLog(path, clock).within_last_hour() == 1


def test_the_file_stays_small_however_often_the_kiosk_starts(tmp_path: Path) -> None:
    clock = Clock()
    log = StartLog(tmp_path / "starts.json", clock)
    for _ in range(KEEP_AT_MOST + 50):
        clock.now += 1
        log.record()
    assert log.within_last_hour() == KEEP_AT_MOST
    clock.now += 2 * 24 * HOUR
    log.record()
    assert len((tmp_path / "starts.json").read_text(encoding="utf-8").split(",")) == 1
