"""County content management: staff create, edit, schedule, expire and import items.

Appointment slots are items too: a row is one time of one day of a service
(wire.vocabulary.AppointmentKind, the services the kiosk's appointment flow offers), its
id made from the county, service, day and start, so a file or the series form ("every
weekday 09:00-11:30 in December, 4 places": `expand_series`) adds or changes slots by
their time. A capacity below the places already booked is a row error for every kind with
places (trainings, fairs, slots): never lowered under a citizen, never silently raised.

One path for every change: a form on the dashboard is a one-row CSV. Each row is read
column by column (`COLUMNS` says what each kind has and allows), then made into the item a
kiosk gets and validated as `wire.ContentItem` (or `wire.EmployerItem`): the same contract
the kiosk parses, which refuses everything flows/content.py would drop (hidden characters
included), so an item staff save is never hidden on a kiosk. (The controller may not import
flows, docs/architecture.md; tests/controller/test_content_admin.py feeds the same items
through flows' parse_items to hold the two in agreement.) Every problem names its row (as a
spreadsheet numbers it: the header is row 1), its column and what is allowed.

An import stores all its rows or none. A dry run reports without storing. A county's items
carry its region code; county staff reach only their own county's items (another county's
item is refused and audited), ops admins any county's. Every stored change is audited and
bumps the county's content version (`ContentVersion`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import enum
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller import region_codes
from controller.clock import CHINA_TIME, china_today
from controller.models import (
    Announcement,
    AppointmentSlot,
    ContentVersion,
    Employer,
    Job,
    JobFair,
    Policy,
    Training,
)
from controller.services import employers
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.content import slot_item
from pii import redact_id_numbers
from wire import ContentItem, EmployerItem
from wire.vocabulary import APPOINTMENT_TITLES, AppointmentKind

MAX_ROWS = 2000
MAX_SERIES_DAYS = 366  # the series form's longest span
MAX_FILE_BYTES = 2 * 1024 * 1024
DEFAULT_JOB_DAYS = 60


class Kind(enum.StrEnum):
    """What staff manage; each but employers is a content source of the same name."""

    JOBS = "jobs"
    POLICIES = "policies"
    TRAININGS = "trainings"
    JOB_FAIRS = "job_fairs"
    ANNOUNCEMENTS = "announcements"
    SLOTS = "slots"
    EMPLOYERS = "employers"


KIND_LABELS: dict[Kind, tuple[str, str]] = {
    Kind.JOBS: ("招聘岗位", "Jobs"),
    Kind.POLICIES: ("就业政策", "Policies"),
    Kind.TRAININGS: ("职业培训", "Trainings"),
    Kind.JOB_FAIRS: ("招聘会", "Job fairs"),
    Kind.ANNOUNCEMENTS: ("公告", "Announcements"),
    Kind.SLOTS: ("预约时段", "Appointment slots"),
    Kind.EMPLOYERS: ("用工企业", "Employers"),
}

MODELS: dict[Kind, type[Job | Policy | Training | JobFair | Announcement | AppointmentSlot]] = {
    Kind.JOBS: Job,
    Kind.POLICIES: Policy,
    Kind.TRAININGS: Training,
    Kind.JOB_FAIRS: JobFair,
    Kind.ANNOUNCEMENTS: Announcement,
    Kind.SLOTS: AppointmentSlot,
}
# The kinds with places citizens book (`taken` of `capacity`).
BOOKED_KINDS = frozenset({Kind.TRAININGS, Kind.JOB_FAIRS, Kind.SLOTS})


@dataclass(frozen=True)
class Column:
    """One column of a kind's CSV (and one field of its form)."""

    name: str
    required: bool
    allowed: str  # what may be written, as the error report and the docs say it


_DATE = "a date YYYY-MM-DD"
_ID = "1-64 letters, digits and . _ : - (starting with a letter or digit)"
_TEXT = "text of at most 500 characters, no control characters, no ID numbers"
_CODE = "a code of a-z, 0-9 and _ (e.g. manufacturing)"
_TIME = "HH:MM, Beijing time (09:00)"
_SERVICES = ", ".join(AppointmentKind)

_ITEM_COLUMNS = (
    Column("id", True, _ID),
    Column("title_zh", True, _TEXT),
    Column("title_en", False, _TEXT + "; empty: the Chinese title in both languages"),
    Column("summary_zh", False, _TEXT),
    Column("summary_en", False, _TEXT),
    Column("qr", False, "a link of at most 500 characters"),
    Column("publish_on", False, _DATE + ", today or later; empty: today"),
    Column("until", False, _DATE + ", not before publish_on; empty: no end"),
    Column("age_min", False, "a whole number 0-150"),
    Column("age_max", False, "a whole number 0-150, not below age_min"),
)
_PLACES = Column("capacity", True, "a whole number of places, 1-100000")

COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.JOBS: (
        *_ITEM_COLUMNS,
        Column("area", True, _CODE + " (the area filter of the job search)"),
        Column("industry", True, _CODE),
        Column("work_type", True, "full_time or part_time"),
        Column("salary_min", False, "yuan a month, a whole number; empty: negotiable"),
        Column("salary_max", False, "yuan a month, not below salary_min"),
        Column("openings", False, "a whole number 1-10000"),
        Column("duties_zh", False, _TEXT),
        Column("duties_en", False, _TEXT),
        Column("employer", False, "the credit code of an employer of this county"),
    ),
    Kind.POLICIES: (*_ITEM_COLUMNS, Column("rank", False, "a whole number; lower first")),
    Kind.TRAININGS: (
        *_ITEM_COLUMNS,
        Column("category", True, _CODE + " (the training category filter)"),
        Column("starts_on", True, _DATE + ", today or later"),
        Column("enrol_until", True, _DATE + ", today or later, not after starts_on"),
        _PLACES,
    ),
    Kind.JOB_FAIRS: (
        *_ITEM_COLUMNS,
        Column("held_on", True, _DATE + ", today or later"),
        Column("signup_closes", True, "YYYY-MM-DD HH:MM Beijing time, later than now, by held_on"),
        _PLACES,
    ),
    Kind.ANNOUNCEMENTS: (*_ITEM_COLUMNS, Column("rank", False, "a whole number; lower first")),
    Kind.SLOTS: (
        Column("service", True, f"one of {_SERVICES} (the appointment flow's services)"),
        Column("date", True, _DATE + ", today or later"),
        Column("starts", True, _TIME),
        Column("ends", True, _TIME + ", after starts"),
        _PLACES,
        Column("where_zh", True, _TEXT + " (the hall and window to come to)"),
        Column("where_en", False, _TEXT),
        Column("service_zh", False, _TEXT + "; empty: the service's usual name"),
        Column("service_en", False, _TEXT),
    ),
    Kind.EMPLOYERS: (
        Column("id", True, _ID),
        Column("name", True, "the registered name, at most 200 characters"),
        Column("credit_code", True, "the 18-character unified social credit code (checked)"),
        Column("township", False, "the 9-digit code of a township of this county"),
        Column("contact_person", False, "at most 50 characters (never sent to kiosks)"),
        Column("contact_phone", False, "digits, spaces, + and -, at most 20 (never sent)"),
    ),
}


@dataclass(frozen=True)
class Problem:
    """What is wrong where: `row` as a spreadsheet numbers it (header = 1), 0 for the file."""

    row: int
    column: str
    message: str


@dataclass
class Report:
    """What an import (or a form) did or, on a dry run, would do."""

    kind: Kind
    region_code: str
    dry_run: bool
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # ids of another county's items the file tried to change (refused, audited)
    foreign: list[str] = field(default_factory=list)

    @property
    def stored(self) -> bool:
        """True when the rows were written."""
        return not self.dry_run and not self.problems


class CsvRefused(ValueError):
    """A file that cannot be read as CSV at all (encoding, binary, size)."""


class OutOfScope(PermissionError):
    """The item (or the county asked for) is not one this user may change."""


class StillBooked(ValueError):
    """A slot citizens have booked places of cannot be removed."""


# -- reading a file -----------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without BOM) or GBK; else CsvRefused."""
    if len(data) > MAX_FILE_BYTES:
        raise CsvRefused(f"the file has {len(data)} bytes; at most {MAX_FILE_BYTES}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvRefused("the file is UTF-16; save it as CSV in UTF-8 or GBK")
    if b"\x00" in data:
        raise CsvRefused("the file holds NUL bytes: not a CSV text file")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as err:
            raise CsvRefused(f"UTF-8 BOM, but byte {err.start + 3} is not UTF-8") from err
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gbk")
    except UnicodeDecodeError as err:
        raise CsvRefused(
            f"byte {err.start} is neither UTF-8 nor GBK; save the file as CSV in UTF-8 or GBK"
        ) from err


def read_rows(kind: Kind, text: str) -> tuple[list[dict[str, str]], list[Problem]]:
    """The data rows of a CSV text by column name, or the header's problems."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return [], [Problem(1, "", "the file is empty; the first row names the columns")]
    except csv.Error as err:
        return [], [Problem(1, "", f"not CSV: {err}")]
    known = {c.name for c in COLUMNS[kind]}
    problems = [
        Problem(1, c.name, f"missing column; {kind.value} need it: {c.allowed}")
        for c in COLUMNS[kind]
        if c.required and c.name not in header
    ]
    for name in header:
        if name not in known:
            problems.append(
                Problem(1, name, f"unknown column; {kind.value} have {', '.join(sorted(known))}")
            )
    if len(set(header)) != len(header):
        problems.append(Problem(1, "", "a column is named twice"))
    if problems:
        return [], problems
    rows: list[dict[str, str]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                rows.append({})  # a blank line keeps its number but holds no item
                continue
            if len(values) != len(header):
                rows.append({"": f"{len(values)} cells; the header has {len(header)}"})
                continue
            rows.append(dict(zip(header, values, strict=True)))
            if len(rows) > MAX_ROWS:
                return [], [Problem(0, "", f"more than {MAX_ROWS} rows; split the file")]
    except csv.Error as err:
        return [], [Problem(reader.line_num, "", f"not CSV: {err}")]
    return rows, []


# -- one row -----------------------------------------------------------------------------


class _Cells:
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
            self.problem(name, f"{value!r} is not {_CODE}")
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
            self.problem(name, f"required: {_TIME}")
            return None
        try:
            return _clock(value)
        except ValueError:
            self.problem(name, f"{value!r} is not {_TIME}")
            return None

    def date(self, name: str, *, required: bool = False, past_ok: bool = False) -> dt.date | None:
        value = self.raw(name)
        if not value:
            if required:
                self.problem(name, f"required: {_DATE}")
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.problem(name, f"{value!r} is not {_DATE}")
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
    cells = _Cells(row, values, china_today(now))
    if "" in values:
        cells.problem("", values[""])
        return None, cells.problems
    if kind is Kind.SLOTS:
        return _slot_row(cells, region, now)
    ident = cells.raw("id")
    if not ident:
        cells.problem("id", f"required: {_ID}")
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
    _KIND_READERS[kind](cells, columns, rows, start, until, employer_names or {})
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


def _job(
    cells: _Cells,
    columns: dict[str, Any],
    rows: list[Any],
    start: dt.date,
    until: dt.date | None,
    employer_names: Mapping[str, str],
) -> None:
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
        if employer in employer_names:
            rows.append([_pair("招聘单位", "Employer"), employer_names[employer]])
        else:
            cells.problem("employer", f"{employer} is not an employer of this county; add it first")
    if salary_min is None and salary_max is None:
        pay = _pair("面议", "Negotiable")
    else:
        figures = "-".join(str(n) for n in (salary_min, salary_max) if n is not None)
        pay = _pair(f"{figures}元/月", f"{figures} yuan a month")
    rows.append([_pair("薪资待遇", "Pay"), pay])
    full = work_type == "full_time"
    rows.append(
        [
            _pair("用工形式", "Type"),
            _pair(*(("全职", "Full time") if full else ("兼职", "Part time"))),
        ]
    )
    if openings is not None:
        rows.append([_pair("招聘人数", "Openings"), _pair(f"{openings}人", str(openings))])
    duties = _text(cells.text("duties_zh"), cells.text("duties_en"))
    if duties:
        rows.append([_pair("岗位职责", "Duties"), duties])
    columns.update(
        area=cells.code("area"),
        industry=cells.code("industry"),
        work_type=work_type,
        salary_min=salary_min,
        salary_max=salary_max,
        published_on=start,
        open_until=until or start + dt.timedelta(days=DEFAULT_JOB_DAYS),
        employer_code=employer_names.get(f"code:{employer}") if employer else None,
    )


def _policy(
    cells: _Cells,
    columns: dict[str, Any],
    _rows: list[Any],
    start: dt.date,
    until: dt.date | None,
    _employers: Mapping[str, str],
) -> None:
    columns.update(
        in_force_from=start, in_force_until=until, rank=cells.number("rank", 0, 100_000) or 0
    )


def _training(
    cells: _Cells,
    columns: dict[str, Any],
    rows: list[Any],
    _start: dt.date,
    _until: dt.date | None,
    _employers: Mapping[str, str],
) -> None:
    starts = cells.date("starts_on", required=True)
    enrol_until = cells.date("enrol_until", required=True)
    if starts and enrol_until and enrol_until > starts:
        cells.problem("enrol_until", f"{enrol_until} is after starts_on ({starts})")
    if starts:
        rows.append([_pair("开课日期", "Starts"), starts.isoformat()])
    columns.update(
        category=cells.code("category"),
        starts_on=starts,
        enrol_until=enrol_until,
        capacity=cells.number("capacity", 1, 100_000, required=True),
    )


def _job_fair(
    cells: _Cells,
    columns: dict[str, Any],
    rows: list[Any],
    _start: dt.date,
    _until: dt.date | None,
    _employers: Mapping[str, str],
) -> None:
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
        rows.append([_pair("举办日期", "Date"), held_on.isoformat()])
    columns.update(
        held_on=held_on,
        signup_closes_at=closes.astimezone(dt.UTC) if closes else None,
        capacity=cells.number("capacity", 1, 100_000, required=True),
    )


def _announcement(
    cells: _Cells,
    columns: dict[str, Any],
    _rows: list[Any],
    _start: dt.date,
    _until: dt.date | None,
    _employers: Mapping[str, str],
) -> None:
    columns.update(rank=cells.number("rank", 0, 100_000) or 0)


_KIND_READERS = {
    Kind.JOBS: _job,
    Kind.POLICIES: _policy,
    Kind.TRAININGS: _training,
    Kind.JOB_FAIRS: _job_fair,
    Kind.ANNOUNCEMENTS: _announcement,
}


def _slot_row(cells: _Cells, region: str, now: dt.datetime) -> tuple[Parsed | None, list[Problem]]:
    raw = cells.raw("service")
    service: AppointmentKind | None = None
    try:
        service = AppointmentKind(raw)
    except ValueError:
        cells.problem("service", f"{raw!r} is not one of {_SERVICES}" if raw else "required")
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


def _employer_row(cells: _Cells, ident: str, region: str) -> tuple[Parsed | None, list[Problem]]:
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


# -- scope, storing, versions ------------------------------------------------------------


def county_of(role_is_county_staff: bool, user_region: str | None, asked: str) -> str:
    """The county a change goes to: county staff their own; others the one they name."""
    raw = user_region if role_is_county_staff else asked
    try:
        code = region_codes.canonical(raw or "")
    except region_codes.BadRegionCode as err:
        raise OutOfScope(f"{raw or '(none)'} is not a region code") from err
    if role_is_county_staff and asked and asked.strip() and asked.strip() != code:
        raise OutOfScope(f"county staff of {code} may not change {asked.strip()}'s content")
    if region_codes.level_of(code) is not region_codes.Level.COUNTY:
        raise OutOfScope(f"{code} is not a county: content belongs to a county")
    return code


def bump_version(session: Session, region: str, now: dt.datetime) -> int:
    """Add one to the county's content version; the new version."""
    row = session.get(ContentVersion, region)
    if row is None:
        row = ContentVersion(region_code=region, version=0, changed_at=now)
        session.add(row)
    row.version += 1
    row.changed_at = now
    return row.version


def content_version(session: Session, region: str) -> int:
    """The county's content version (0 before its first change)."""
    row = session.get(ContentVersion, region)
    return row.version if row else 0


class ContentAdmin:
    """Creates, edits, imports and expires a county's content, audited."""

    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit

    def import_rows(
        self,
        session: Session,
        actor: Actor,
        kind: Kind,
        region: str,
        rows: Sequence[Mapping[str, str]],
        now: dt.datetime,
        *,
        dry_run: bool,
        first_row: int = 2,
    ) -> Report:
        """Check every row; store them all (unless a dry run) only if none has a problem."""
        report = Report(kind=kind, region_code=region, dry_run=dry_run)
        parsed: list[tuple[int, Parsed]] = []
        seen: dict[str, int] = {}
        seen_credit: dict[str, int] = {}
        names = self._employer_names(session, region)
        existing = self._existing(session, kind, [row_id(kind, r, region) for r in rows])
        for number, values in enumerate(rows, start=first_row):
            if not values:
                continue
            report.rows += 1
            ident = row_id(kind, values, region)
            if ident and ident in seen:
                report.problems.append(_twice(kind, number, ident, seen[ident]))
                continue
            seen[ident] = number
            stored = existing.get(ident)
            if stored is not None and stored[0] != region:
                report.foreign.append(ident)
                report.problems.append(
                    Problem(number, "id", f"{ident} is an item of another county; use another id")
                )
                continue
            row, problems = parse_row(
                kind, number, values, now, stored and stored[1], names, region
            )
            report.problems.extend(problems)
            if row is None:
                continue
            if stored is not None and kind in BOOKED_KINDS and stored[2] > row.columns["capacity"]:
                booked = stored[2]
                report.problems.append(
                    Problem(
                        number,
                        "capacity",
                        f"{row.columns['capacity']} is below the {booked} places already booked;"
                        f" at least {booked}",
                    )
                )
                continue
            credit = row.columns.get("credit_code")
            if credit:
                if credit in seen_credit:
                    report.problems.append(
                        Problem(number, "credit_code", f"also on row {seen_credit[credit]}")
                    )
                    continue
                seen_credit[credit] = number
                other = names.get(f"owner:{credit}")
                if other is not None and other != row.code:
                    report.problems.append(
                        Problem(number, "credit_code", f"already the employer {other}")
                    )
                    continue
            (report.updated if stored else report.created).append(row.code)
            parsed.append((number, row))
        if report.foreign:
            self._audit.record(
                session,
                actor,
                AuditAction.CONTENT_REFUSED,
                target=f"{kind.value}:{','.join(report.foreign)[:150]}",
                detail=f"another county's items; acting for {region}",
            )
        if not report.stored:
            return report
        for _number, row in parsed:
            self._store(session, kind, region, row, now)
        bump_version(session, region, now)
        if len(parsed) == 1:
            action, target = AuditAction.CONTENT_SAVED, f"{kind.value}:{parsed[0][1].code}"
        else:
            action, target = AuditAction.CONTENT_IMPORTED, kind.value
        self._audit.record(
            session,
            actor,
            action,
            target=target,
            detail=f"region={region} created={len(report.created)} updated={len(report.updated)}",
        )
        return report

    def expire(
        self, session: Session, actor: Actor, kind: Kind, region: str, code: str, now: dt.datetime
    ) -> None:
        """Stop listing an item from today on (it stays stored); OutOfScope if not the county's."""
        item = self.find(session, kind, code)
        owner = item.region_code if item is not None else None
        if item is None or owner != region:
            if item is not None:
                self._audit.record(
                    session,
                    actor,
                    AuditAction.CONTENT_REFUSED,
                    target=f"{kind.value}:{code}",
                    detail=f"expire; acting for {region}",
                )
            raise OutOfScope(f"{kind.value} {code} is not an item of {region}")
        if isinstance(item, AppointmentSlot):
            if item.taken:
                raise StillBooked(f"{item.taken} places of slot {code} are booked")
            session.delete(item)  # a slot is its own time: nothing is left to list
        elif isinstance(item, Employer):
            session.delete(item)  # an employer has no listing period: it leaves the list
        else:
            item.shows_until = china_today(now) - dt.timedelta(days=1)
        bump_version(session, region, now)
        self._audit.record(
            session, actor, AuditAction.CONTENT_EXPIRED, target=f"{kind.value}:{code}"
        )

    @staticmethod
    def find(session: Session, kind: Kind, code: str) -> Any:
        """The stored item (or employer) with this id, in any county; None if there is none."""
        model: Any = Employer if kind is Kind.EMPLOYERS else MODELS[kind]
        return session.scalar(select(model).where(model.code == code))

    @staticmethod
    def listing(session: Session, kind: Kind, region: str | None) -> list[Any]:
        """The items of a kind, of one county (None: every county and the fleet-wide ones)."""
        model: Any = Employer if kind is Kind.EMPLOYERS else MODELS[kind]
        found = select(model)
        if region is not None:
            found = found.where(model.region_code == region)
        return list(session.scalars(found.order_by(model.id.desc()).limit(500)))

    @staticmethod
    def _existing(
        session: Session, kind: Kind, codes: list[str]
    ) -> dict[str, tuple[str | None, dt.date | None, int]]:
        """id -> (county, publish day, places booked) of the stored items among `codes`."""
        model: Any = Employer if kind is Kind.EMPLOYERS else MODELS[kind]
        found: dict[str, tuple[str | None, dt.date | None, int]] = {}
        for start in range(0, len(codes), 500):
            for item in session.scalars(
                select(model).where(model.code.in_(codes[start : start + 500]))
            ):
                found[item.code] = (
                    item.region_code,
                    getattr(item, "shows_from", None),
                    getattr(item, "taken", 0),
                )
        return found

    @staticmethod
    def _employer_names(session: Session, region: str) -> dict[str, str]:
        # credit code -> name (for job rows), "code:<credit>" -> id, "owner:<credit>" -> id
        names: dict[str, str] = {}
        for employer in session.scalars(select(Employer).where(Employer.region_code == region)):
            names[employer.credit_code] = employer.name
            names[f"code:{employer.credit_code}"] = employer.code
            names[f"owner:{employer.credit_code}"] = employer.code
        return names

    def _store(
        self, session: Session, kind: Kind, region: str, row: Parsed, now: dt.datetime
    ) -> None:
        item = self.find(session, kind, row.code)
        if kind is Kind.EMPLOYERS:
            if item is None:
                item = Employer(code=row.code, region_code=region)
                session.add(item)
            for name, value in row.columns.items():
                setattr(item, name, value)
            item.updated_at = now
            return
        if item is None:
            item = MODELS[kind](code=row.code, region_code=region)
            if isinstance(item, Training | JobFair | AppointmentSlot):
                item.taken = 0
            session.add(item)
        item.display = row.display
        # A capacity below `taken` was a row error; a hold taken since is caught by the
        # table's places check, and the whole import is rolled back.
        for name, value in row.columns.items():
            setattr(item, name, value)


def _twice(kind: Kind, row: int, ident: str, first: int) -> Problem:
    if kind is Kind.SLOTS:
        return Problem(row, "starts", f"the same service, date and start as row {first}")
    return Problem(row, "id", f"{ident} is also on row {first}: one row an item")


# The series form's fields beyond a slot row's (service, starts, ends, capacity, texts).
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
    cells = _Cells(0, values, today)
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


def csv_template(kind: Kind) -> str:
    """The header row of a kind's CSV: its columns in order."""
    return ",".join(c.name for c in COLUMNS[kind]) + "\r\n"


def iter_columns(kind: Kind) -> Iterator[Column]:
    """The kind's columns, required first (the form's order)."""
    yield from (c for c in COLUMNS[kind] if c.required)
    yield from (c for c in COLUMNS[kind] if not c.required)
