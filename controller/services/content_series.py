"""A series of appointment slots as slot rows ("every weekday 09:00-11:30 in December")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from controller.services.content_kinds import COLUMNS, MAX_ROWS, Kind, Problem
from controller.services.content_rows import Cells

MAX_SERIES_DAYS = 366  # the series form's longest span

SERIES_FIELDS = ("first_day", "last_day", "weekdays", "every")


def expand_series(
    values: Mapping[str, str], today: dt.date
) -> tuple[list[dict[str, str]], list[Problem]]:
    """The slot rows of a series ("every weekday 09:00-11:30 in December, 4 places").

    `weekdays`: ISO numbers, comma-separated (1 = Monday); `every`: minutes a slot lasts,
    empty for one slot of the whole window. The rows then go through `import_rows` as a
    file's would; problems of the series itself are on row 0, named by field.
    """
    problems: list[Problem] = []
    cells = Cells(0, values, today)
    first = cells.date("first_day", required=True)
    last = cells.date("last_day", required=True)
    starts, ends = cells.clock("starts"), cells.clock("ends")
    every = cells.number("every", 5, 24 * 60)
    problems.extend(cells.problems)
    raw_days = [d.strip() for d in values.get("weekdays", "").split(",") if d.strip()]
    if not raw_days or not all(d in "1234567" and len(d) == 1 for d in raw_days):
        problems.append(Problem(0, "weekdays", "choose at least one day of the week"))
    if first and last:
        if last < first:
            problems.append(Problem(0, "last_day", f"{last} is before first_day ({first})"))
        elif (last - first).days >= MAX_SERIES_DAYS:
            problems.append(Problem(0, "last_day", f"at most {MAX_SERIES_DAYS} days"))
    if starts and ends and ends <= starts:
        problems.append(Problem(0, "ends", f"{ends} is not after starts ({starts})"))
    if problems or not (first and last and starts and ends):
        return [], problems
    opens = dt.datetime.combine(first, dt.time.fromisoformat(starts))
    closes = dt.datetime.combine(first, dt.time.fromisoformat(ends))
    step = dt.timedelta(minutes=every) if every else closes - opens
    windows = []
    while opens + step <= closes:
        windows.append((f"{opens:%H:%M}", f"{opens + step:%H:%M}"))
        opens += step
    if not windows:
        return [], [Problem(0, "every", f"{every} minutes do not fit in {starts}-{ends}")]
    weekdays = {int(d) for d in raw_days}
    shared = {name: values.get(name, "") for name in ("service", "capacity")}
    shared.update({c.name: values.get(c.name, "") for c in COLUMNS[Kind.SLOTS] if "_" in c.name})
    found: list[dict[str, str]] = []
    day = first
    while day <= last:
        if day.isoweekday() in weekdays:
            for a, b in windows:
                found.append({**shared, "date": day.isoformat(), "starts": a, "ends": b})
        day += dt.timedelta(days=1)
    if not found:
        return [], [Problem(0, "weekdays", f"no day from {first} to {last} is one of them")]
    if len(found) > MAX_ROWS:
        return [], [Problem(0, "", f"{len(found)} slots; at most {MAX_ROWS} at once")]
    return found, []
