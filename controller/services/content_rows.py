"""One row of content, read and validated: the columns stored and the item a kiosk gets.

Each cell is read with the problem it has (`Cells`); the columns every item has are read
once (`parse_row`), then the kind's own (`_KIND_READERS`: one reader a kind; slots and
employers are rows of their own shape). The item is validated as `wire.ContentItem` (or
`wire.EmployerItem`), the contract the kiosk parses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from controller import region_codes
from controller.clock import CHINA_TIME, china_today
from controller.models import AppointmentSlot
from controller.services import employers
from controller.services.content import slot_item
from controller.services.content_kinds import (
    ALLOWED_CODE,
    ALLOWED_DATE,
    ALLOWED_ID,
    ALLOWED_SERVICES,
    ALLOWED_TIME,
    Kind,
    Problem,
)
from pii import redact_id_numbers
from wire import ContentItem, EmployerItem
from wire.vocabulary import APPOINTMENT_TITLES, AppointmentKind

DEFAULT_JOB_DAYS = 60


class Cells:
    """The cells of one row, read with the problems they have."""

    def __init__(self, row: int, values: Mapping[str, str], today: dt.date) -> None:
        self.row = row
        self.values = values
        self.today = today
        self.problems: list[Problem] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.row, column, message))

    def raw(self, name: str) -> str:
        return (self.values.get(name) or "").strip()

    def text(self, name: str, *, required: bool = False, limit: int = 500) -> str | None:
        value = self.raw(name)
        if not value:
            if required:
                self.problem(name, "required")
            return None
        if len(value) > limit:
            self.problem(name, f"{len(value)} characters; at most {limit}")
            return None
        if redact_id_numbers(value) != value:
            self.problem(name, "holds an ID number; content is public, never personal")
            return None
        return value

    def code(self, name: str) -> str | None:
        value = self.text(name, required=True, limit=32)
        if value is not None and not _is_code(value):
            self.problem(name, f"{value!r} is not {ALLOWED_CODE}")
            return None
        return value

    def number(self, name: str, low: int, high: int, *, required: bool = False) -> int | None:
        value = self.raw(name)
        if not value:
            if required:
                self.problem(name, "required")
            return None
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            self.problem(name, f"{value!r} is not a whole number {low}-{high}")
            return None
        return int(value)

    def clock(self, name: str) -> str | None:
        value = self.raw(name)
        if not value:
            self.problem(name, f"required: {ALLOWED_TIME}")
            return None
        try:
            return _clock(value)
        except ValueError:
            self.problem(name, f"{value!r} is not {ALLOWED_TIME}")
            return None

    def date(self, name: str, *, required: bool = False, past_ok: bool = False) -> dt.date | None:
        value = self.raw(name)
        if not value:
            if required:
                self.problem(name, f"required: {ALLOWED_DATE}")
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.problem(name, f"{value!r} is not {ALLOWED_DATE}")
            return None
        if day < self.today and not past_ok:
            self.problem(name, f"{value} is in the past; today ({self.today}) or later")
            return None
        return day


def _clock(raw: str) -> str:
    """ "9:00" -> "09:00"; ValueError for anything but a time of day in hours and minutes."""
    return f"{dt.datetime.strptime(raw.strip(), '%H:%M'):%H:%M}"


def slot_id(region: str, service: str, day: dt.date, starts: str) -> str:
    """A county slot's public id: its county, service, day and start."""
    return f"{region}-{service}-{day:%Y%m%d}-{starts.replace(':', '')}"


def row_id(kind: Kind, values: Mapping[str, str], region: str) -> str:
    """The id a row stores its item under ("" when a slot row's time cannot be read)."""
    if kind is not Kind.SLOTS:
        return (values.get("id") or "").strip()
    try:
        service = AppointmentKind((values.get("service") or "").strip())
        day = dt.date.fromisoformat((values.get("date") or "").strip())
        starts = _clock(values.get("starts") or "")
    except ValueError:
        return ""
    return slot_id(region, service.value, day, starts)


def _is_code(value: str) -> bool:
    return value.isascii() and value[0].isalnum() and all(c.isalnum() or c == "_" for c in value)


def _text(zh: str | None, en: str | None) -> Any:
    return {"zh-CN": zh, "en": en} if zh and en else zh


def _pair(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


# Which column a wire error on an item's part points to.
_PART_COLUMNS = {
    "id": "id",
    "title": "title_zh",
    "summary": "summary_zh",
    "qr": "qr",
    "criteria": "age_min",
    "rows": "duties_zh",
}


@dataclass(frozen=True)
class Parsed:
    """One row, read and validated: the stored columns and the item a kiosk gets."""

    code: str
    columns: dict[str, Any]
    display: dict[str, Any]


@dataclass(frozen=True)
class _ItemRow:
    """What a kind's reader gets: the row's cells, and the columns and rows it adds to."""

    cells: Cells
    columns: dict[str, Any]
    rows: list[Any]
    start: dt.date  # the day it shows from
    until: dt.date | None
    employer_names: Mapping[str, str]


def parse_row(
    kind: Kind,
    row: int,
    values: Mapping[str, str],
    now: dt.datetime,
    stored_from: dt.date | None = None,
    employer_names: Mapping[str, str] | None = None,
    region: str = "",
) -> tuple[Parsed | None, list[Problem]]:
    """One row of `kind` as stored columns and a kiosk item, or its problems.

    `stored_from` is the item's stored publish day: an item already published keeps its
    day in the past when edited. `employer_names`: credit code -> name, of the county.
    """
    cells = Cells(row, values, china_today(now))
    if "" in values:
        cells.problem("", values[""])
        return None, cells.problems
    if kind is Kind.SLOTS:
        return _slot_row(cells, region, now)
    ident = cells.raw("id")
    if not ident:
        cells.problem("id", f"required: {ALLOWED_ID}")
    if kind is Kind.EMPLOYERS:
        return _employer_row(cells, ident, region)
    title_zh = cells.text("title_zh", required=True)
    title_en = cells.text("title_en")
    summary = _text(cells.text("summary_zh"), cells.text("summary_en"))
    qr = cells.text("qr")
    publish_raw = cells.raw("publish_on")
    publish_past_ok = stored_from is not None and publish_raw == stored_from.isoformat()
    publish_on = cells.date("publish_on", past_ok=publish_past_ok)
    until = cells.date("until")
    start = publish_on or cells.today
    if until is not None and until < start:
        cells.problem("until", f"{until} is before publish_on ({start})")
    age_min = cells.number("age_min", 0, 150)
    age_max = cells.number("age_max", 0, 150)
    if age_min is not None and age_max is not None and age_min > age_max:
        cells.problem("age_max", f"{age_max} is below age_min ({age_min})")
    columns: dict[str, Any] = {"shows_from": publish_on, "shows_until": until}
    rows: list[Any] = []
    _KIND_READERS[kind](_ItemRow(cells, columns, rows, start, until, employer_names or {}))
    if cells.problems:
        return None, cells.problems
    item: dict[str, Any] = {"id": ident, "title": _text(title_zh, title_en), "rows": rows}
    if summary:
        item["summary"] = summary
    if qr:
        item["qr"] = qr
    if age_min is not None or age_max is not None:
        item["criteria"] = {"age": [age_min, age_max]}
    try:
        checked = ContentItem.model_validate(item)
    except ValidationError as err:
        named: set[str] = set()
        for error in err.errors():
            part = str(error["loc"][0]) if error["loc"] else ""
            column = _PART_COLUMNS.get(part, part)
            if column not in named:  # a text is str | {zh-CN, en}: one error per branch
                named.add(column)
                cells.problem(column, error["msg"].removeprefix("Value error, "))
        return None, cells.problems
    display = {k: v for k, v in checked.as_mapping().items() if k != "id"}
    return Parsed(ident, columns, display), []


def _job(item: _ItemRow) -> None:
    cells = item.cells
    work_type = cells.raw("work_type")
    if work_type not in ("full_time", "part_time"):
        cells.problem("work_type", f"{work_type!r} is not full_time or part_time")
    salary_min = cells.number("salary_min", 0, 1_000_000)
    salary_max = cells.number("salary_max", 0, 1_000_000)
    if salary_min is not None and salary_max is not None and salary_min > salary_max:
        cells.problem("salary_max", f"{salary_max} is below salary_min ({salary_min})")
    openings = cells.number("openings", 1, 10_000)
    employer = cells.raw("employer").upper()
    if employer:
        if employer in item.employer_names:
            item.rows.append([_pair("招聘单位", "Employer"), item.employer_names[employer]])
        else:
            cells.problem("employer", f"{employer} is not an employer of this county; add it first")
    if salary_min is None and salary_max is None:
        pay = _pair("面议", "Negotiable")
    else:
        figures = "-".join(str(n) for n in (salary_min, salary_max) if n is not None)
        pay = _pair(f"{figures}元/月", f"{figures} yuan a month")
    item.rows.append([_pair("薪资待遇", "Pay"), pay])
    full = work_type == "full_time"
    item.rows.append(
        [
            _pair("用工形式", "Type"),
            _pair(*(("全职", "Full time") if full else ("兼职", "Part time"))),
        ]
    )
    if openings is not None:
        item.rows.append([_pair("招聘人数", "Openings"), _pair(f"{openings}人", str(openings))])
    duties = _text(cells.text("duties_zh"), cells.text("duties_en"))
    if duties:
        item.rows.append([_pair("岗位职责", "Duties"), duties])
    item.columns.update(
        area=cells.code("area"),
        industry=cells.code("industry"),
        work_type=work_type,
        salary_min=salary_min,
        salary_max=salary_max,
        published_on=item.start,
        open_until=item.until or item.start + dt.timedelta(days=DEFAULT_JOB_DAYS),
        employer_code=item.employer_names.get(f"code:{employer}") if employer else None,
    )


def _policy(item: _ItemRow) -> None:
    cells = item.cells
    item.columns.update(
        in_force_from=item.start,
        in_force_until=item.until,
        rank=cells.number("rank", 0, 100_000) or 0,
    )


def _training(item: _ItemRow) -> None:
    cells = item.cells
    starts = cells.date("starts_on", required=True)
    enrol_until = cells.date("enrol_until", required=True)
    if starts and enrol_until and enrol_until > starts:
        cells.problem("enrol_until", f"{enrol_until} is after starts_on ({starts})")
    if starts:
        item.rows.append([_pair("开课日期", "Starts"), starts.isoformat()])
    item.columns.update(
        category=cells.code("category"),
        starts_on=starts,
        enrol_until=enrol_until,
        capacity=cells.number("capacity", 1, 100_000, required=True),
    )


def _job_fair(item: _ItemRow) -> None:
    cells = item.cells
    held_on = cells.date("held_on", required=True)
    raw = cells.raw("signup_closes")
    closes: dt.datetime | None = None
    try:
        closes = dt.datetime.strptime(raw, "%Y-%m-%d %H:%M").replace(tzinfo=CHINA_TIME)
    except ValueError:
        cells.problem("signup_closes", f"{raw!r} is not YYYY-MM-DD HH:MM (Beijing time)")
    if closes is not None:
        if closes.date() < cells.today:
            cells.problem("signup_closes", f"{raw} is in the past")
            closes = None
        elif held_on is not None and closes.date() > held_on:
            cells.problem("signup_closes", f"{raw} is after held_on ({held_on})")
    if held_on:
        item.rows.append([_pair("举办日期", "Date"), held_on.isoformat()])
    item.columns.update(
        held_on=held_on,
        signup_closes_at=closes.astimezone(dt.UTC) if closes else None,
        capacity=cells.number("capacity", 1, 100_000, required=True),
    )


def _announcement(item: _ItemRow) -> None:
    cells = item.cells
    item.columns.update(rank=cells.number("rank", 0, 100_000) or 0)


# What each kind of item reads beyond the columns every item has.
_KIND_READERS: dict[Kind, Callable[[_ItemRow], None]] = {
    Kind.JOBS: _job,
    Kind.POLICIES: _policy,
    Kind.TRAININGS: _training,
    Kind.JOB_FAIRS: _job_fair,
    Kind.ANNOUNCEMENTS: _announcement,
}


def _slot_row(cells: Cells, region: str, now: dt.datetime) -> tuple[Parsed | None, list[Problem]]:
    raw = cells.raw("service")
    service: AppointmentKind | None = None
    try:
        service = AppointmentKind(raw)
    except ValueError:
        cells.problem("service", f"{raw!r} is not one of {ALLOWED_SERVICES}" if raw else "required")
    day = cells.date("date", required=True)
    starts, ends = cells.clock("starts"), cells.clock("ends")
    if starts and ends and ends <= starts:
        cells.problem("ends", f"{ends} is not after starts ({starts})")
    capacity = cells.number("capacity", 1, 100_000, required=True)
    where = _text(cells.text("where_zh", required=True), cells.text("where_en"))
    title = _text(cells.text("service_zh"), cells.text("service_en"))
    if cells.problems or service is None or day is None or not starts or not ends:
        return None, cells.problems
    starts_at = dt.datetime.combine(day, dt.time.fromisoformat(starts), CHINA_TIME)
    if starts_at <= now:
        cells.problem("starts", f"{day} {starts} has begun or is past; a later time")
        return None, cells.problems
    title = title or _pair(*APPOINTMENT_TITLES[service])
    code = slot_id(region, service.value, day, starts)
    columns: dict[str, Any] = {
        "service_code": service.value,
        "day": day,
        "starts": starts,
        "ends": ends,
        "starts_at": starts_at.astimezone(dt.UTC),
        "capacity": capacity,
    }
    # Validated as the very item a kiosk lists (content.slot_item), each text first so a
    # refusal names its column.
    for column, text in (("service_zh", title), ("where_zh", where)):
        try:
            ContentItem.model_validate({"id": code, "title": text})
        except ValidationError as err:
            cells.problem(column, err.errors()[0]["msg"].removeprefix("Value error, "))
    if cells.problems:
        return None, cells.problems
    probe = AppointmentSlot(code=code, taken=0, **columns)
    shown = ContentItem.model_validate({"id": code, "title": title, "summary": where})
    slot_item(probe, shown.title, shown.summary or "", now)
    return Parsed(code, columns, {"service": title, "where": where}), []


def _employer_row(cells: Cells, ident: str, region: str) -> tuple[Parsed | None, list[Problem]]:
    name = cells.text("name", required=True, limit=200)
    raw_code = cells.raw("credit_code")
    credit_code = None
    if not raw_code:
        cells.problem("credit_code", "required: the 18-character unified social credit code")
    else:
        try:
            credit_code = employers.check_credit_code(raw_code)
        except employers.CreditCodeRefused as err:
            cells.problem("credit_code", str(err))
    township = cells.raw("township")
    if township:
        try:
            township = region_codes.canonical(township)
        except region_codes.BadRegionCode as err:
            cells.problem("township", str(err))
        else:
            inside = region and region_codes.contains(region, township)
            if region_codes.level_of(township) is not region_codes.Level.TOWNSHIP or not inside:
                cells.problem("township", f"{township} is not a township of {region}")
    person = cells.text("contact_person", limit=50) or ""
    phone = cells.raw("contact_phone")
    if phone and (len(phone) > 20 or not all(c.isdigit() or c in " +-" for c in phone)):
        cells.problem("contact_phone", f"{phone!r}: digits, spaces, + and -, at most 20")
    if cells.problems or name is None or credit_code is None:
        return None, cells.problems
    item = {"id": ident, "name": name, "credit_code": credit_code, "region_code": region}
    try:
        EmployerItem.model_validate({**item, "initials": employers.initials(name)})
    except ValidationError as err:
        for error in err.errors():
            cells.problem(str(error["loc"][0]) if error["loc"] else "", error["msg"])
        return None, cells.problems
    columns = {
        "name": name,
        "credit_code": credit_code,
        "initials": employers.initials(name),
        "township_code": township or None,
        "contact_person": person,
        "contact_phone": phone,
    }
    return Parsed(ident, columns, {}), []
