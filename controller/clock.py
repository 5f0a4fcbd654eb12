"""Time as the controller sees it: always timezone-aware UTC, injectable for tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """Convert to UTC; a naive time is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


# China has one time zone and no daylight saving, so a fixed offset needs no tz database.
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")


def china_today(now: dt.datetime) -> dt.date:
    """The calendar date in China at `now`: opening days, slots and deadlines follow it."""
    return as_utc(now).astimezone(CHINA_TIME).date()
