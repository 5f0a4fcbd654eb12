"""What county staff manage, as data: the kinds, their CSV columns, reports and refusals.

Every kind is a row of these tables (`COLUMNS`, `KIND_LABELS`, `MODELS`): the CSV reader
(content_csv.py), the row validation (content_rows.py) and the store (content_admin.py)
look a kind up here rather than branching on it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from controller.models import (
    Announcement,
    AppointmentSlot,
    Employer,
    Job,
    JobFair,
    Policy,
    Training,
)
from wire.vocabulary import AppointmentKind

MAX_ROWS = 2000  # of a file or a series


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


def model_of(kind: Kind) -> Any:
    """The table a kind's items are stored in."""
    return Employer if kind is Kind.EMPLOYERS else MODELS[kind]


# The kinds with places citizens book (`taken` of `capacity`).
BOOKED_KINDS = frozenset({Kind.TRAININGS, Kind.JOB_FAIRS, Kind.SLOTS})


@dataclass(frozen=True)
class Column:
    """One column of a kind's CSV (and one field of its form)."""

    name: str
    required: bool
    allowed: str  # what may be written, as the error report and the docs say it


ALLOWED_DATE = "a date YYYY-MM-DD"
ALLOWED_ID = "1-64 letters, digits and . _ : - (starting with a letter or digit)"
ALLOWED_TEXT = "text of at most 500 characters, no control characters, no ID numbers"
ALLOWED_CODE = "a code of a-z, 0-9 and _ (e.g. manufacturing)"
ALLOWED_TIME = "HH:MM, Beijing time (09:00)"
ALLOWED_SERVICES = ", ".join(AppointmentKind)

_ITEM_COLUMNS = (
    Column("id", True, ALLOWED_ID),
    Column("title_zh", True, ALLOWED_TEXT),
    Column("title_en", False, ALLOWED_TEXT + "; empty: the Chinese title in both languages"),
    Column("summary_zh", False, ALLOWED_TEXT),
    Column("summary_en", False, ALLOWED_TEXT),
    Column("qr", False, "a link of at most 500 characters"),
    Column("publish_on", False, ALLOWED_DATE + ", today or later; empty: today"),
    Column("until", False, ALLOWED_DATE + ", not before publish_on; empty: no end"),
    Column("age_min", False, "a whole number 0-150"),
    Column("age_max", False, "a whole number 0-150, not below age_min"),
)
_PLACES = Column("capacity", True, "a whole number of places, 1-100000")

COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.JOBS: (
        *_ITEM_COLUMNS,
        Column("area", True, ALLOWED_CODE + " (the area filter of the job search)"),
        Column("industry", True, ALLOWED_CODE),
        Column("work_type", True, "full_time or part_time"),
        Column("salary_min", False, "yuan a month, a whole number; empty: negotiable"),
        Column("salary_max", False, "yuan a month, not below salary_min"),
        Column("openings", False, "a whole number 1-10000"),
        Column("duties_zh", False, ALLOWED_TEXT),
        Column("duties_en", False, ALLOWED_TEXT),
        Column("employer", False, "the credit code of an employer of this county"),
    ),
    Kind.POLICIES: (*_ITEM_COLUMNS, Column("rank", False, "a whole number; lower first")),
    Kind.TRAININGS: (
        *_ITEM_COLUMNS,
        Column("category", True, ALLOWED_CODE + " (the training category filter)"),
        Column("starts_on", True, ALLOWED_DATE + ", today or later"),
        Column("enrol_until", True, ALLOWED_DATE + ", today or later, not after starts_on"),
        _PLACES,
    ),
    Kind.JOB_FAIRS: (
        *_ITEM_COLUMNS,
        Column("held_on", True, ALLOWED_DATE + ", today or later"),
        Column("signup_closes", True, "YYYY-MM-DD HH:MM Beijing time, later than now, by held_on"),
        _PLACES,
    ),
    Kind.ANNOUNCEMENTS: (*_ITEM_COLUMNS, Column("rank", False, "a whole number; lower first")),
    Kind.SLOTS: (
        Column("service", True, f"one of {ALLOWED_SERVICES} (the appointment flow's services)"),
        Column("date", True, ALLOWED_DATE + ", today or later"),
        Column("starts", True, ALLOWED_TIME),
        Column("ends", True, ALLOWED_TIME + ", after starts"),
        _PLACES,
        Column("where_zh", True, ALLOWED_TEXT + " (the hall and window to come to)"),
        Column("where_en", False, ALLOWED_TEXT),
        Column("service_zh", False, ALLOWED_TEXT + "; empty: the service's usual name"),
        Column("service_en", False, ALLOWED_TEXT),
    ),
    Kind.EMPLOYERS: (
        Column("id", True, ALLOWED_ID),
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


def csv_template(kind: Kind) -> str:
    """The header row of a kind's CSV: its columns in order."""
    return ",".join(c.name for c in COLUMNS[kind]) + "\r\n"


def iter_columns(kind: Kind) -> Iterator[Column]:
    """The kind's columns, required first (the form's order)."""
    yield from (c for c in COLUMNS[kind] if c.required)
    yield from (c for c in COLUMNS[kind] if not c.required)
