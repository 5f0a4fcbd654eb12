"""Targeted push (岗位找人, 政策找人): who a published job or policy fits, and new jobs in 我的办件.

The people are the county's registrations: the applications filed there for a service of
wire.matching (求职登记 for jobs; 求职登记, 失业登记 and 困难人员认定 for policies), the newest
of each citizen (found by the keyed hash of their ID number), not rejected, made in the
last `REGISTRATION_DAYS`. Each is unsealed here, in memory, to be matched by wire.matching's
rules (the ones the kiosk ranks by): a job fits when no registered wish (industry, area,
work type, pay) and no criterion of the job (age, answers) fails; a policy fits when every
criterion that can be checked is met and there is at least one. The reasons are the checks
made.

What a page shows is masked as in the inbox (name, phone); a field is unmasked through
Inbox.reveal (a reason, audited). Marking a citizen contacted is a `PushContact` row and an
audit entry. A citizen whose 求职登记 is in force sees the jobs published since, that fit,
in 我的办件 (`Push.new_jobs`, the hook Intake calls), as ordinary wire.Application entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller import region_codes
from controller.clock import CHINA_TIME, Clock, china_today
from controller.models import Job, Policy, PushContact, Transaction
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.content import as_text, listed, regions_above
from controller.services.inbox import Inbox
from controller.services.inbox_filters import in_scope
from controller.services.inbox_views import Answer, mask_answer
from controller.services.intake import Intake
from pii import DocumentType, id_number_facts, mask_name
from wire import Application, ApplicationStatus, Bilingual
from wire import Citizen as WireCitizen
from wire.matching import (
    JOB_SEEKER_SERVICES,
    MAX_PUSHED,
    POLICY_SERVICES,
    PUSH_STATUS,
    REGISTRATION_DAYS,
    UNLIKELY,
    Check,
    JobFacts,
    answer_words,
    criteria_checks,
    job_checks,
    verdict,
)

# A county's registrations read for one page at most: the newest, far more than staff call.
MAX_SCANNED = 5000
JOBS = "jobs"
POLICIES = "policies"
_DATED_DOCUMENTS = {DocumentType.RESIDENT.value, DocumentType.HMT_PERMIT.value}
_OPEN_WISHES = Check("open", True, "求职意向不限", "Open to any job")


@dataclass(frozen=True)
class Citizen:
    """What matching reads of a registration: the answers and what the ID number says."""

    answers: dict[str, str]
    age: int | None
    sex: str | None
    region: str | None


@dataclass(frozen=True)
class Fit:
    """A registered citizen an item fits, as the push page shows them: masked by default."""

    number: str  # the registration's application number (its inbox page)
    service: str
    registered_at: dt.datetime
    region_code: str | None
    name: Answer
    phone: Answer | None
    reasons: tuple[Check, ...]
    contacted_at: dt.datetime | None = None
    contacted_by: str | None = None


Item = Job | Policy


def find_item(session: Session, kind: str, code: str) -> Item | None:
    """The job or policy of this code; None for another kind or an unknown code."""
    if kind == JOBS:
        return session.scalar(select(Job).where(Job.code == code))
    if kind == POLICIES:
        return session.scalar(select(Policy).where(Policy.code == code))
    return None


def item_county(item: Item) -> str | None:
    """The county whose people an item is pushed to; None for a fleet-wide item."""
    return region_codes.county_of(item.region_code) if item.region_code else None


def criteria_of(item: Item | Mapping[str, Any]) -> Mapping[str, Any]:
    """An item's published criteria (wire.Criteria as stored in its display)."""
    display = item if isinstance(item, Mapping) else item.display
    criteria = display.get("criteria") or {}
    return criteria if isinstance(criteria, Mapping) else {}


def job_facts(job: Job) -> JobFacts:
    """What the rules read of a job."""
    return JobFacts(job.area, job.industry, job.work_type, job.salary_min, job.salary_max)


def checks_for(item: Item, citizen: Citizen) -> list[Check]:
    """Every check of wire.matching this item and this citizen allow."""
    criteria = criteria_of(item)
    coded = {name: frozenset(value.split(",")) for name, value in citizen.answers.items() if value}

    def words(name: str, values: frozenset[str]) -> tuple[str, str] | None:
        return answer_words(name, values) if name in coded else None

    by_sex = criteria.get("age_by_sex") or {}
    age = criteria.get("age")
    checks = job_checks(citizen.answers, job_facts(item)) if isinstance(item, Job) else []
    checks += criteria_checks(
        age=(age[0], age[1]) if age else None,
        age_by_sex={sex: (r[0], r[1]) for sex, r in by_sex.items()},
        regions=criteria.get("regions") or (),
        answers=criteria.get("answers") or {},
        citizen_age=citizen.age,
        citizen_sex=citizen.sex,
        citizen_region=citizen.region,
        citizen_answers=coded,
        words=words,
    )
    return checks


def fits(item: Item, checks: Sequence[Check]) -> bool:
    """A job fits unless a check fails; a policy only when every check made is met."""
    if isinstance(item, Job):
        return verdict(checks) != UNLIKELY
    return bool(checks) and verdict(checks) != UNLIKELY


class Push:
    """Finds the people an item fits, records contacts, and lists new jobs for 我的办件."""

    def __init__(self, intake: Intake, inbox: Inbox, audit: AuditLog, clock: Clock) -> None:
        self._intake = intake
        self._inbox = inbox
        self._audit = audit
        self._clock = clock

    # -- the staff page ----------------------------------------------------------------

    def registrations(self, session: Session, item: Item, scope: str | None) -> list[Transaction]:
        """The newest registration of each citizen filed in the item's county (and `scope`)."""
        services = JOB_SEEKER_SERVICES if isinstance(item, Job) else POLICY_SERVICES
        since = self._clock() - dt.timedelta(days=REGISTRATION_DAYS)
        query = (
            select(Transaction)
            .where(
                in_scope(scope),
                Transaction.service.in_(services),
                Transaction.status != ApplicationStatus.REJECTED.value,
                Transaction.created_at >= since,
            )
            .order_by(Transaction.created_at.desc(), Transaction.id.desc())
            .limit(MAX_SCANNED)
        )
        county = item_county(item)
        if county is not None:
            query = query.where(Transaction.county_code == county)
        newest: dict[str, Transaction] = {}
        for row in session.scalars(query):
            newest.setdefault(row.id_lookup, row)
        return list(newest.values())

    def fits_for(
        self,
        session: Session,
        item: Item,
        scope: str | None,
        revealed: Mapping[str, Iterable[str]] | None = None,
    ) -> list[Fit]:
        """Who `item` fits, newest registration first; `revealed`: number -> fields shown."""
        contacts = {
            c.transaction_pk: c
            for c in session.scalars(
                select(PushContact).where(
                    PushContact.kind == _kind_of(item), PushContact.item_code == item.code
                )
            )
        }
        shown = {number: set(fields) for number, fields in (revealed or {}).items()}
        found = []
        for row in self.registrations(session, item, scope):
            person = self._intake.open_citizen(row)
            citizen = self.citizen(row, person)
            checks = checks_for(item, citizen)
            if not fits(item, checks):
                continue
            met = tuple(c for c in checks if c.ok) or (_OPEN_WISHES,)
            mine = shown.get(row.number, set())
            phone = citizen.answers.get("phone")
            contact = contacts.get(row.id)
            found.append(
                Fit(
                    number=row.number,
                    service=row.service,
                    registered_at=row.created_at,
                    region_code=row.region_code,
                    name=Answer(
                        "name",
                        person.name if "name" in mine else mask_name(person.name),
                        "name" in mine,
                    ),
                    phone=(
                        Answer(
                            "answer:phone",
                            phone if "answer:phone" in mine else mask_answer(phone),
                            "answer:phone" in mine,
                        )
                        if phone
                        else None
                    ),
                    reasons=met,
                    contacted_at=contact.at if contact else None,
                    contacted_by=contact.by if contact else None,
                )
            )
        return found

    def citizen(self, row: Transaction, person: WireCitizen | None = None) -> Citizen:
        """A registration unsealed for matching: answers, and age, sex, region of the ID."""
        answers = self._intake.open_fields(row)
        person = person or self._intake.open_citizen(row)
        if person.document.value not in _DATED_DOCUMENTS:
            return Citizen(answers, None, None, None)
        try:
            facts = id_number_facts(person.id_number)
        except ValueError:
            return Citizen(answers, None, None, None)
        today = china_today(self._clock())
        born = facts.birth_date
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        return Citizen(answers, age, "male" if facts.is_male else "female", facts.region_code)

    def reveal(
        self, session: Session, actor: Actor, row: Transaction, field_name: str, reason: str
    ) -> str:
        """Unmask the name or phone of a registration: the inbox's audited unmasking."""
        return self._inbox.reveal(session, actor, row, field_name, reason)

    def mark_contacted(self, session: Session, actor: Actor, item: Item, row: Transaction) -> bool:
        """Record that `actor` contacted this registration about `item` (audited); False if
        it was marked already. The caller commits."""
        kind = _kind_of(item)
        exists = session.scalar(
            select(PushContact.id).where(
                PushContact.kind == kind,
                PushContact.item_code == item.code,
                PushContact.transaction_pk == row.id,
            )
        )
        if exists is not None:
            return False
        try:
            with session.begin_nested():
                session.add(
                    PushContact(
                        kind=kind,
                        item_code=item.code,
                        transaction_pk=row.id,
                        at=self._clock(),
                        by=actor.name,
                    )
                )
        except IntegrityError:  # a colleague marked it at the same moment
            return False
        self._audit.record(
            session, actor, AuditAction.PUSH_CONTACTED, target=row.number,
            detail=f"{kind}:{item.code}",
        )  # fmt: skip
        return True

    # -- 我的办件 ---------------------------------------------------------------------

    def new_jobs(self, session: Session, rows: Sequence[Transaction]) -> list[Application]:
        """Jobs published since the citizen's 求职登记 in force, that fit it (我的办件).

        `rows` are the citizen's own applications, newest first. Listed as the kiosk of the
        registration would list them (its county's and the fleet-wide jobs).
        """
        since = self._clock() - dt.timedelta(days=REGISTRATION_DAYS)
        registration = next(
            (
                row
                for row in rows
                if row.service in JOB_SEEKER_SERVICES
                and row.status != ApplicationStatus.REJECTED.value
                and row.created_at >= since
            ),
            None,
        )
        if registration is None:
            return []
        today = china_today(self._clock())
        registered_on = registration.created_at.astimezone(CHINA_TIME).date()
        query = (
            select(Job)
            .where(
                Job.published_on >= registered_on,
                Job.published_on <= today,
                Job.open_until >= today,
                listed(Job, regions_above(registration.region_code), today),
            )
            .order_by(Job.published_on.desc(), Job.id.desc())
            .limit(MAX_SCANNED)
        )
        citizen = self.citizen(registration)
        found: list[Application] = []
        for job in session.scalars(query):
            checks = checks_for(job, citizen)
            if not fits(job, checks):
                continue
            found.append(_application(job, tuple(c for c in checks if c.ok)))
            if len(found) == MAX_PUSHED:
                break
        return found


def _kind_of(item: Item) -> str:
    return JOBS if isinstance(item, Job) else POLICIES


def _application(job: Job, met: tuple[Check, ...]) -> Application:
    """A job for the citizen as a 我的办件 entry: the shape every kiosk release shows."""
    # The kiosk makes the number its item id (at most 64 characters of wire.ItemId).
    number = f"job:{job.code}" if len(job.code) <= 60 else job.code
    if met:
        zh = "、".join(c.zh for c in met)
        en = ", ".join(c.en for c in met)
        words = Bilingual.of(f"为您推荐的新岗位：符合{zh}", f"A new job for you: fits {en}")
    else:
        words = Bilingual.of("为您推荐的新岗位", "A new job for you")
    published = dt.datetime.combine(job.published_on, dt.time(), CHINA_TIME)
    return Application(
        number=number,
        service="job_search",
        title=as_text(job.display.get("title", job.code)),
        created_at=published,
        status=PUSH_STATUS,
        status_text=words,
    )
