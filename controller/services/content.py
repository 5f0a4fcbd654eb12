"""The content store: public items kiosks list (jobs, policies, trainings, fairs, slots).

Items go out in the flows item shape (wire.ContentItem) with their `criteria`; matching a
citizen against them is the kiosk's job (flows/matching.py), so no profile comes here. The
hard filters a citizen sets (area, industry, pay, work type, training category, the day
and service of an appointment) are applied here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller import region_codes
from controller.clock import CHINA_TIME, Clock, china_today, utc_now
from controller.models import (
    Announcement,
    AppointmentService,
    AppointmentSlot,
    ContentMixin,
    Job,
    JobFair,
    Policy,
    Training,
)
from controller.services.booking import Bookings, is_open
from controller.services.employers import employers_for
from controller.services.errors import BadMessage, NotFound
from wire import (
    Bilingual,
    ContentItem,
    ContentPage,
    ContentQuery,
    ContentSource,
    EmployerItem,
    Text,
)

# The job search's filters follow the rules targeted push matches by.
from wire.matching import SALARY_RANGES, WIDE_AREAS

MAX_ITEMS = 200  # wire.ContentPage holds at most this many

WEEKDAYS = "一二三四五六日"


def _t(zh: str, en: str) -> Bilingual:
    return Bilingual.of(zh, en)


# Status badges of bookable items: (open with places, full, closed).
Badges = tuple[Bilingual, Bilingual, Bilingual]
TRAINING_BADGES: Badges = (_t("可报名", "Open"), _t("名额已满", "Full"), _t("报名已截止", "Closed"))
FAIR_BADGES: Badges = (
    _t("报名中", "Sign-up open"),
    _t("报名人数已满", "Full"),
    _t("报名已截止", "Sign-up closed"),
)
SLOT_BADGES: Badges = (
    _t("可预约", "Available"),
    _t("已约满", "Fully booked"),
    _t("已过时段", "Past"),
)


def _badge(open_: bool, free: bool, badges: Badges) -> Bilingual:
    available, full, closed = badges
    return available if open_ and free else full if open_ else closed


def as_text(value: object) -> Text:
    """A text as stored (a string, or {zh-CN, en}) back as a wire text."""
    return value if isinstance(value, str) else Bilingual.model_validate(value)


def _item(display: dict[str, Any], code: str, **parts: Any) -> ContentItem:
    """A stored item's display with what is computed now (availability, extra rows)."""
    extra_rows = parts.pop("rows", [])
    return ContentItem.model_validate(
        {**display, **parts, "id": code, "rows": [*display.get("rows", []), *extra_rows]}
    )


def places_rows(capacity: int, taken: int) -> list[tuple[Text, Text]]:
    """How many places are left, as a detail row."""
    left = max(capacity - taken, 0)
    return [(_t("剩余名额", "Places left"), _t(f"{left} / {capacity}", f"{left} of {capacity}"))]


def day_text(day: dt.date) -> Text:
    """2026-11-27 星期五 / 2026-11-27 Friday."""
    return _t(f"{day:%Y-%m-%d} 星期{WEEKDAYS[day.weekday()]}", f"{day:%Y-%m-%d} {day:%A}")


def regions_above(region_code: str | None) -> list[str]:
    """The region and every region it lies in: whose content a kiosk placed there lists."""
    return region_codes.with_enclosing(region_code)


def listed(model: type[ContentMixin], regions: list[str], today: dt.date) -> ColumnElement[bool]:
    """Items of these regions (or of the whole fleet) inside their listing period today."""
    return and_(
        or_(model.region_code.is_(None), model.region_code.in_(regions)),
        or_(model.shows_from.is_(None), model.shows_from <= today),
        or_(model.shows_until.is_(None), model.shows_until >= today),
    )


class ContentStore:
    """Reads the content store into pages of items."""

    def __init__(self, bookings: Bookings, clock: Clock = utc_now) -> None:
        self._bookings = bookings
        self._clock = clock

    def page(
        self, session: Session, query: ContentQuery, region_code: str | None = None
    ) -> ContentPage:
        """The items of the query's source that pass its filters, best first.

        A kiosk placed in `region_code` gets the fleet-wide items and those of the regions
        it lies in (its county's); an unplaced kiosk only the fleet-wide ones.
        """
        regions = regions_above(region_code)
        now = self._clock()
        if query.source is ContentSource.EMPLOYERS:
            employers: list[ContentItem | EmployerItem] = list(employers_for(session, regions))
            return ContentPage(source=query.source, items=employers, as_of=now)
        readers = {
            ContentSource.JOBS: self._jobs,
            ContentSource.POLICIES: self._policies,
            ContentSource.TRAININGS: self._trainings,
            ContentSource.JOB_FAIRS: self._job_fairs,
            ContentSource.SLOTS: self._slots,
            ContentSource.ANNOUNCEMENTS: self._announcements,
        }
        if query.source in (ContentSource.TRAININGS, ContentSource.JOB_FAIRS, ContentSource.SLOTS):
            self._bookings.sweep(session)  # so expired holds show as free places
        items: list[ContentItem | EmployerItem] = list(
            readers[query.source](session, query, now, regions)
        )
        return ContentPage(source=query.source, items=items[:MAX_ITEMS], as_of=now)

    # -- one reader per source ----------------------------------------------------------

    @staticmethod
    def _jobs(
        session: Session, query: ContentQuery, now: dt.datetime, regions: list[str]
    ) -> list[ContentItem]:
        today = china_today(now)
        found = select(Job).where(
            Job.published_on <= today, Job.open_until >= today, listed(Job, regions, today)
        )
        if query.area and query.area not in WIDE_AREAS:
            found = found.where(Job.area == query.area)
        if query.industry:
            found = found.where(Job.industry == query.industry)
        if query.work_type:
            found = found.where(Job.work_type == query.work_type)
        if query.salary_range:
            if query.salary_range not in SALARY_RANGES:
                known = ", ".join(SALARY_RANGES)
                raise BadMessage(f"salary_range: {query.salary_range} is not one of {known}")
            low, high = SALARY_RANGES[query.salary_range]
            found = found.where(or_(Job.salary_max.is_(None), Job.salary_max >= low))
            if high is not None:
                found = found.where(or_(Job.salary_min.is_(None), Job.salary_min < high))
        found = found.order_by(Job.published_on.desc(), Job.id.desc()).limit(MAX_ITEMS)
        return [_item(job.display, job.code) for job in session.scalars(found)]

    @staticmethod
    def _policies(
        session: Session, _query: ContentQuery, now: dt.datetime, regions: list[str]
    ) -> list[ContentItem]:
        today = china_today(now)
        found = (
            select(Policy)
            .where(listed(Policy, regions, today))
            .where(or_(Policy.in_force_from.is_(None), Policy.in_force_from <= today))
            .where(or_(Policy.in_force_until.is_(None), Policy.in_force_until >= today))
            .order_by(Policy.rank, Policy.id)
            .limit(MAX_ITEMS)
        )
        return [_item(policy.display, policy.code) for policy in session.scalars(found)]

    @staticmethod
    def _trainings(
        session: Session, query: ContentQuery, now: dt.datetime, regions: list[str]
    ) -> list[ContentItem]:
        today = china_today(now)
        found = select(Training).where(
            Training.enrol_until >= today, listed(Training, regions, today)
        )
        if query.training_category:
            found = found.where(Training.category == query.training_category)
        found = found.order_by(Training.starts_on, Training.id).limit(MAX_ITEMS)
        items = []
        for training in session.scalars(found):
            free = training.taken < training.capacity
            items.append(
                _item(
                    training.display,
                    training.code,
                    available=free,
                    status=_badge(True, free, TRAINING_BADGES),
                    rows=[
                        (_t("报名截止", "Enrol by"), day_text(training.enrol_until)),
                        *places_rows(training.capacity, training.taken),
                    ],
                )
            )
        return items

    @staticmethod
    def _job_fairs(
        session: Session, _query: ContentQuery, now: dt.datetime, regions: list[str]
    ) -> list[ContentItem]:
        found = (
            select(JobFair)
            .where(JobFair.held_on >= china_today(now))
            .where(listed(JobFair, regions, china_today(now)))
            .order_by(JobFair.held_on, JobFair.id)
            .limit(MAX_ITEMS)
        )
        items = []
        for fair in session.scalars(found):
            open_, free = is_open(fair, now), fair.taken < fair.capacity
            status = _badge(open_, free, FAIR_BADGES)
            closes = fair.signup_closes_at.astimezone(CHINA_TIME)
            items.append(
                _item(
                    fair.display,
                    fair.code,
                    available=open_ and free,
                    status=status,
                    rows=[
                        (_t("报名截止", "Sign up by"), f"{closes:%Y-%m-%d %H:%M}"),
                        *places_rows(fair.capacity, fair.taken),
                    ],
                )
            )
        return items

    @staticmethod
    def _slots(
        session: Session, query: ContentQuery, now: dt.datetime, regions: list[str]
    ) -> list[ContentItem]:
        if not query.appointment_service or not query.appointment_date:
            raise BadMessage("slots: appointment_service and appointment_date are both needed")
        day = query.appointment_date
        # A county that made slots of a service offers those (and only those) for it; any
        # other county the slots of a service's schedule, if there is one.
        county = [
            (slot, slot.display or {})
            for slot in session.scalars(county_slots(regions, query.appointment_service, day))
        ]
        if county or session.scalar(
            select(AppointmentSlot.id)
            .where(
                AppointmentSlot.service_pk.is_(None),
                AppointmentSlot.service_code == query.appointment_service,
                AppointmentSlot.region_code.in_(regions),
            )
            .limit(1)
        ):
            return [
                slot_item(slot, as_text(shown["service"]), as_text(shown["where"]), now)
                for slot, shown in county
            ]
        service = session.scalar(
            select(AppointmentService).where(
                AppointmentService.code == query.appointment_service,
                or_(
                    AppointmentService.region_code.is_(None),
                    AppointmentService.region_code.in_(regions),
                ),
            )
        )
        if service is None:
            raise NotFound(f"there is no appointment service {query.appointment_service}")
        if not ensure_slots(session, service, day, now):
            return []
        found = (
            select(AppointmentSlot)
            .where(AppointmentSlot.service_pk == service.id, AppointmentSlot.day == day)
            .order_by(AppointmentSlot.starts)
        )
        title, where = as_text(service.title), as_text(service.location)
        return [slot_item(slot, title, where, now) for slot in session.scalars(found)]

    @staticmethod
    def _announcements(
        session: Session, _query: ContentQuery, now: dt.datetime, regions: list[str]
    ) -> list[ContentItem]:
        today = china_today(now)
        found = (
            select(Announcement)
            .where(listed(Announcement, regions, today))
            .order_by(Announcement.rank, Announcement.id.desc())
            .limit(MAX_ITEMS)
        )
        return [_item(notice.display, notice.code) for notice in session.scalars(found)]


def county_slots(regions: list[str], service: str, day: dt.date) -> Select[AppointmentSlot]:
    """The slots county staff made for a service on a day, in these regions, by time."""
    return (
        select(AppointmentSlot)
        .where(
            AppointmentSlot.service_pk.is_(None),
            AppointmentSlot.service_code == service,
            AppointmentSlot.day == day,
            AppointmentSlot.region_code.in_(regions),
        )
        .order_by(AppointmentSlot.starts, AppointmentSlot.ends)
    )


def slot_item(slot: AppointmentSlot, service: Text, where: Text, now: dt.datetime) -> ContentItem:
    """A slot as kiosks list it (county staff's slots are validated as this item)."""
    open_, free = is_open(slot, now), slot.taken < slot.capacity
    left = max(slot.capacity - slot.taken, 0)
    return ContentItem(
        id=slot.code,
        title=f"{slot.starts}-{slot.ends}",
        summary=_t(f"剩余 {left} 个名额", f"{left} places left"),
        status=_badge(open_, free, SLOT_BADGES),
        available=open_ and free,
        rows=[
            (_t("办理事项", "Service"), service),
            (_t("日期", "Date"), day_text(slot.day)),
            (_t("时间", "Time"), f"{slot.starts}-{slot.ends}"),
            (_t("地点", "Where"), where),
            *places_rows(slot.capacity, slot.taken),
        ],
    )


def slot_times(service: AppointmentService) -> list[tuple[str, str]]:
    """(start, end) of each slot of an opening day, "HH:MM" Beijing time."""
    times = []
    step = dt.timedelta(minutes=service.slot_minutes)
    for opens, closes in service.hours:
        start = dt.datetime.strptime(opens, "%H:%M")
        end = dt.datetime.strptime(closes, "%H:%M")
        while start + step <= end:
            times.append((f"{start:%H:%M}", f"{start + step:%H:%M}"))
            start += step
    return times


def ensure_slots(
    session: Session, service: AppointmentService, day: dt.date, now: dt.datetime
) -> bool:
    """Make the slot rows of `day` if it is an opening day within reach; False if it is not.

    Rows are made on first demand, so the store never runs out of days. Two kiosks asking
    for a new day at once both insert; the unique (service, day, start) keeps one of each.
    """
    today = china_today(now)
    if not today <= day <= today + dt.timedelta(days=service.days_ahead):
        return False
    if day.isoweekday() not in service.weekdays:
        return False
    exists = select(AppointmentSlot.id).where(
        AppointmentSlot.service_pk == service.id, AppointmentSlot.day == day
    )
    if session.scalar(exists.limit(1)) is not None:
        return True
    rows = []
    for starts, ends in slot_times(service):
        start = dt.datetime.combine(day, dt.time.fromisoformat(starts), CHINA_TIME)
        rows.append(
            {
                "code": f"{service.code}-{day:%Y%m%d}-{starts.replace(':', '')}",
                "service_pk": service.id,
                "region_code": service.region_code,
                "service_code": service.code,
                "display": None,
                "day": day,
                "starts": starts,
                "ends": ends,
                "starts_at": start.astimezone(dt.UTC),
                "capacity": service.windows * service.per_window,
                "taken": 0,
            }
        )
    _insert_ignoring_duplicates(session, rows)
    session.commit()
    return True


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(sqlite.insert(AppointmentSlot).on_conflict_do_nothing(), rows)
    elif dialect == "postgresql":
        session.execute(postgresql.insert(AppointmentSlot).on_conflict_do_nothing(), rows)
    else:
        try:
            session.execute(insert(AppointmentSlot), rows)
        except IntegrityError:
            session.rollback()  # another request made them
