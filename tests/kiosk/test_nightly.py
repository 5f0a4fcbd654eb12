"""Night on a 24-hour kiosk: dimming on the station clock, a restart that waits for a gap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.config_model import NightConfig
from kiosk.nightly import Backlight, Window
from tests.support.clock import FakeClock

BEIJING = ZoneInfo("Asia/Shanghai")
PLAN = NightConfig().plan()  # dim 22:00-06:00 after 60 s idle, restart 03:00-04:30


def at(hour: int, minute: int = 0, day: int = 26) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=BEIJING)


@pytest.mark.parametrize(
    ("moment", "idle", "level"),
    [
        (at(21, 59), 600, 1.0),
        (at(22, 0), 600, 0.4),
        (at(2, 30), 600, 0.4),  # past midnight, still night
        (at(6, 0), 600, 1.0),
        (at(2, 30), 10, 1.0),  # someone is using it: full brightness
    ],
)
def test_the_idle_screen_dims_at_night_only(moment: dt.datetime, idle: float, level: float) -> None:
    assert PLAN.brightness(moment, idle) == level


def test_dimming_follows_the_clock_through_a_night() -> None:
    # The fake clock starts at 10:00:30 Beijing time; walk it 24 h in 30-minute steps.
    clock = FakeClock()
    levels = []
    for _ in range(48):
        levels.append(PLAN.brightness(clock.wall().astimezone(BEIJING), idle_seconds=3600))
        clock.advance(1800)
    dim = [i for i, level in enumerate(levels) if level < 1]
    # 22:00 is step 24 (10:00 + 12 h); 06:00 is step 40: dim for 16 half-hours.
    assert dim == list(range(24, 40))


def test_the_restart_comes_between_visits_inside_the_window_once() -> None:
    started = at(9, 0, day=25)
    ok = {"between_visits": True, "idle_seconds": 300.0}
    assert not PLAN.restart_due(at(2, 59), started, **ok)
    assert PLAN.restart_due(at(3, 0), started, **ok)
    assert not PLAN.restart_due(at(3, 10), started, between_visits=False, idle_seconds=300)
    assert not PLAN.restart_due(at(3, 10), started, between_visits=True, idle_seconds=30)
    assert not PLAN.restart_due(at(4, 30), started, **ok)  # the window has closed
    # The restarted process starts inside the window and must not restart again.
    assert not PLAN.restart_due(at(3, 20), at(3, 1), **ok)
    assert PLAN.restart_due(at(3, 20, day=27), at(3, 1), **ok)  # the next night it does


def test_a_window_across_midnight_opened_the_evening_before() -> None:
    window = Window.parse("23:00", "01:00")
    assert window.contains(at(0, 30))
    assert window.opened_at(at(0, 30)) == at(23, 0, day=25)


def test_the_backlight_is_dimmed_from_its_daytime_brightness(tmp_path: Path) -> None:
    panel = tmp_path / "intel_backlight"
    panel.mkdir()
    (panel / "max_brightness").write_text("1000\n")
    (panel / "brightness").write_text("800\n")
    light = Backlight.find(tmp_path)
    assert light is not None
    light.set(0.4)
    assert (panel / "brightness").read_text() == "320"
    light.set(0.0)
    assert (panel / "brightness").read_text() == "1"  # never fully dark
    light.set(1.0)
    assert (panel / "brightness").read_text() == "800"


def test_no_backlight_means_none(tmp_path: Path) -> None:
    assert Backlight.find(tmp_path / "absent") is None


BASE = """
[kiosk]
hardware_id = "SN-1"
name = "测试站"
[controller]
url = "http://127.0.0.1:9"
"""


def test_the_night_table_of_kiosk_toml_sets_the_schedule(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(BASE + '[night]\ndim_from = ""\nrestart_from = "02:00"\n', encoding="utf-8")
    config = load_config(path)
    plan = config.night.plan()
    assert plan.dim is None
    assert plan.restart == Window.parse("02:00", "04:30")
    assert config.maintenance.pin_file == tmp_path / "maintenance.pin"


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('[night]\ndim_from = "25:00"\n', "HH:MM"),
        ("[night]\ndim_level = 0\n", "dim_level"),
        ("[night]\nbright = 1\n", r"unknown key\(s\) bright"),
        ('[maintenance]\npin = "123456"\n', r"unknown key\(s\) pin"),
    ],
)
def test_a_wrong_night_or_maintenance_entry_is_refused(
    tmp_path: Path, table: str, says: str
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(BASE + table, encoding="utf-8")
    with pytest.raises(ConfigError, match=says):
        load_config(path)
