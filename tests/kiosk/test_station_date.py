"""Form dates are checked against the station's date, not the process's.

The kiosk's process runs in UTC; from 00:00 to 08:00 Beijing time the machine's date is
still yesterday's. The date picker opens on the station's date, so a check on the machine's
date refused every date a citizen picked at night, and let through a booking for "today".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devkit.demo import write_kiosk_config
from devkit.scripted import walk_kiosk
from flows.walker import WalkError
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from kiosk.enrollment import Enrollment

BEIJING = ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"


def one_in_the_morning_in_beijing() -> dt.datetime:
    """01:00 tomorrow at the station, 17:00 today in UTC: the two dates differ."""
    return dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(17), tzinfo=dt.UTC)


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    config = load_config(
        write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    )
    wall = one_in_the_morning_in_beijing()
    kiosk = build_kiosk(config, wall=lambda: wall)
    kiosk.start(sync=False)
    kiosk.enroller.current = Enrollment("KA07", "t", config.controller_url)
    yield kiosk
    kiosk.close()


def booking(day: dt.date) -> list[dict[str, object]]:
    form = {"appointment_service": "unemployment_benefit", "appointment_date": day.isoformat(),
            "phone": PHONE}  # fmt: skip
    return [{"press": "id_card"}, {"form": form}]


def test_a_booking_for_the_stations_today_is_refused_as_not_from_tomorrow(kiosk: Kiosk) -> None:
    station_today = one_in_the_morning_in_beijing().astimezone(BEIJING).date()
    assert station_today != dt.datetime.now(dt.UTC).date()
    tomorrow = station_today + dt.timedelta(days=1)
    with pytest.raises(WalkError, match=f"appointment_date.*{tomorrow.isoformat()}"):
        walk_kiosk(kiosk, "appointment_booking", booking(station_today))


def test_a_booking_for_the_stations_tomorrow_passes_the_form(kiosk: Kiosk) -> None:
    station_tomorrow = one_in_the_morning_in_beijing().astimezone(BEIJING).date()
    station_tomorrow += dt.timedelta(days=1)
    # Offline, the slots cannot be fetched: the walk ends past the form, not at it.
    with pytest.raises(WalkError) as ended:
        walk_kiosk(kiosk, "appointment_booking", booking(station_tomorrow))
    assert "appointment_date" not in str(ended.value)
