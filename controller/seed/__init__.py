"""Filling the content store from a file: the fictitious demo county, or a county's own.

The file is JSON (the controller reads no YAML: the import rules of docs/architecture.md), checked
whole before anything is stored; an error names the file and the path inside it. Dates
are relative to the day of loading (`published_days_ago`, `starts_in_days` ...), so the
demo is current whenever it is started. The shape, per source, is in the `Seed*` models;
`title`, `summary`, `rows`, `qr` and `criteria` are those of wire.ContentItem.

`python -m controller --seed-demo` loads `demo_content.json` at start-up when the content
store is empty (the first start on a data dir), and leaves it alone afterwards so places
booked in the demo stay booked.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controller.clock import CHINA_TIME, china_today
from controller.logs import event
from controller.models import (
    AppointmentService,
    Job,
    JobFair,
    Policy,
    Training,
)
from wire import ContentItem, Criteria, Text

log = logging.getLogger(__name__)

DEMO_CONTENT = Path(__file__).resolve().with_name("demo_content.json")

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,31}$")]
Clock = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Days = Annotated[int, Field(ge=0, le=3650)]
Places = Annotated[int, Field(ge=0, le=100_000)]


class SeedError(ValueError):
    """A content file does not have the shape this module reads; the text says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeedItem(_Strict):
    """What every listed item has: an id and how it is shown."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
    title: Text
    summary: Text | None = None
    rows: list[tuple[Text, Text]] = Field(default_factory=list)
    qr: str | None = None
    criteria: Criteria | None = None

    def display(self) -> dict[str, Any]:
        """The item as wire.ContentItem shows it, less what is computed when listed."""
        fields = {"title", "summary", "rows", "qr", "criteria"}
        item = ContentItem.model_validate({"id": self.id, **self.model_dump(include=fields)})
        return {k: v for k, v in item.as_mapping().items() if k in fields}


class SeedJob(SeedItem):
    """A vacancy. `salary` is [min, max] yuan a month; null for negotiable."""

    area: Code
    industry: Code
    work_type: Literal["full_time", "part_time"]
    salary: tuple[int | None, int | None] = (None, None)
    published_days_ago: Days = 0
    open_days: Annotated[int, Field(ge=1, le=365)] = 60


class SeedPolicy(SeedItem):
    """A policy, in force between two dates (either may be open)."""

    in_force_from: dt.date | None = None
    in_force_until: dt.date | None = None


class SeedTraining(SeedItem):
    """A training class; enrolment closes `enrol_days_before` its start."""

    category: Code
    starts_in_days: Days
    enrol_days_before: Days = 1
    capacity: Places
    taken: Places = 0


class SeedJobFair(SeedItem):
    """A job fair; sign-up closes at `signup_closes` (Beijing time) some days before."""

    held_in_days: Days
    signup_closes_days_before: Days = 1
    signup_closes: Clock = "17:00"
    capacity: Places
    taken: Places = 0


class SeedAppointmentService(_Strict):
    """A service booked by time slot: `windows` counters, `per_window` citizens a slot."""

    id: Code
    title: Text
    location: Text
    windows: Annotated[int, Field(ge=1, le=50)]
    per_window: Annotated[int, Field(ge=1, le=50)]
    slot_minutes: Annotated[int, Field(ge=5, le=240)]
    hours: list[tuple[Clock, Clock]] = Field(min_length=1)
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1)
    days_ahead: Annotated[int, Field(ge=0, le=90)] = 14


class SeedFile(_Strict):
    """A whole content file."""

    format: Literal[1]
    notice: str = ""
    jobs: list[SeedJob] = Field(default_factory=list)
    policies: list[SeedPolicy] = Field(default_factory=list)
    trainings: list[SeedTraining] = Field(default_factory=list)
    job_fairs: list[SeedJobFair] = Field(default_factory=list)
    appointment_services: list[SeedAppointmentService] = Field(default_factory=list)


def read_content(path: Path) -> SeedFile:
    """Read and check a content file; SeedError names the file and every wrong path."""
    try:
        return SeedFile.model_validate_json(path.read_bytes())
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in err.errors()
        )
        raise SeedError(f"{path}: {problems}") from err
    except OSError as err:
        raise SeedError(f"{path}: {err.strerror}") from err


def store_is_empty(session: Session) -> bool:
    """True when no content of any source has been loaded."""
    models = (Job, Policy, Training, JobFair, AppointmentService)
    return all(session.scalar(select(func.count()).select_from(m)) == 0 for m in models)


def load_content(session: Session, content: SeedFile, now: dt.datetime) -> dict[str, int]:
    """Add every item of `content`, dated from today in China; return counts. Commits."""
    today = china_today(now)

    def days(n: int) -> dt.date:
        return today + dt.timedelta(days=n)

    for job in content.jobs:
        session.add(
            Job(
                code=job.id,
                display=job.display(),
                area=job.area,
                industry=job.industry,
                work_type=job.work_type,
                salary_min=job.salary[0],
                salary_max=job.salary[1],
                published_on=days(-job.published_days_ago),
                open_until=days(job.open_days - job.published_days_ago),
            )
        )
    for rank, policy in enumerate(content.policies):
        session.add(
            Policy(
                code=policy.id,
                display=policy.display(),
                in_force_from=policy.in_force_from,
                in_force_until=policy.in_force_until,
                rank=rank,
            )
        )
    for training in content.trainings:
        starts = days(training.starts_in_days)
        session.add(
            Training(
                code=training.id,
                display=training.display(),
                category=training.category,
                starts_on=starts,
                enrol_until=starts - dt.timedelta(days=training.enrol_days_before),
                capacity=training.capacity,
                taken=min(training.taken, training.capacity),
            )
        )
    for fair in content.job_fairs:
        held = days(fair.held_in_days)
        closes_on = held - dt.timedelta(days=fair.signup_closes_days_before)
        closes = dt.datetime.combine(closes_on, dt.time.fromisoformat(fair.signup_closes))
        session.add(
            JobFair(
                code=fair.id,
                display=fair.display(),
                held_on=held,
                signup_closes_at=closes.replace(tzinfo=CHINA_TIME).astimezone(dt.UTC),
                capacity=fair.capacity,
                taken=min(fair.taken, fair.capacity),
            )
        )
    for service in content.appointment_services:
        session.add(
            AppointmentService(
                code=service.id,
                title=_plain(service.title),
                location=_plain(service.location),
                windows=service.windows,
                per_window=service.per_window,
                slot_minutes=service.slot_minutes,
                hours=[list(pair) for pair in service.hours],
                weekdays=sorted(set(service.weekdays)),
                days_ahead=service.days_ahead,
            )
        )
    session.commit()
    counts = {
        "jobs": len(content.jobs),
        "policies": len(content.policies),
        "trainings": len(content.trainings),
        "job_fairs": len(content.job_fairs),
        "appointment_services": len(content.appointment_services),
    }
    event(log, "content_loaded", **counts)
    return counts


def seed_if_empty(session: Session, path: Path, now: dt.datetime) -> dict[str, int] | None:
    """Load the file at `path` into an empty content store; None if it held content."""
    content = read_content(path)  # check the file even when it is not loaded
    if not store_is_empty(session):
        event(log, "content_seed_skipped", reason="store_not_empty")
        return None
    return load_content(session, content, now)


def _plain(value: Text) -> Any:
    return value if isinstance(value, str) else value.model_dump(mode="json")
