"""County content management: staff create, edit, schedule, expire and import items.

This module stores (scope, versions, `ContentAdmin`); what a kind is lives in
content_kinds.py, reading a file in content_csv.py, checking a row in content_rows.py and
the slot series form in content_series.py.

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
flows, docs/architecture.md; tests/controller/test_content_rows.py feeds the same items
through flows' parse_items to hold the two in agreement.) Every problem names its row (as a
spreadsheet numbers it: the header is row 1), its column and what is allowed.

An import stores all its rows or none. A dry run reports without storing. A county's items
carry its region code; county staff reach only their own county's items (another county's
item is refused and audited), ops admins any county's. Every stored change is audited and
bumps the county's content version (`ContentVersion`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller import region_codes
from controller.clock import china_today
from controller.models import AppointmentSlot, ContentVersion, Employer
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.content_kinds import (
    BOOKED_KINDS,
    Kind,
    OutOfScope,
    Problem,
    Report,
    StillBooked,
    model_of,
)
from controller.services.content_rows import Parsed, parse_row, row_id


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
        model = model_of(kind)
        return session.scalar(select(model).where(model.code == code))

    @staticmethod
    def listing(session: Session, kind: Kind, region: str | None) -> list[Any]:
        """The items of a kind, of one county (None: every county and the fleet-wide ones)."""
        model = model_of(kind)
        found = select(model)
        if region is not None:
            found = found.where(model.region_code == region)
        return list(session.scalars(found.order_by(model.id.desc()).limit(500)))

    @staticmethod
    def _existing(
        session: Session, kind: Kind, codes: list[str]
    ) -> dict[str, tuple[str | None, dt.date | None, int]]:
        """id -> (county, publish day, places booked) of the stored items among `codes`."""
        model = model_of(kind)
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
        if item is None:
            item = model_of(kind)(code=row.code, region_code=region)
            if kind in BOOKED_KINDS:
                item.taken = 0
            session.add(item)
        if kind is Kind.EMPLOYERS:
            item.updated_at = now  # an employer is a name, not a kiosk item: no display
        else:
            item.display = row.display
        # A capacity below `taken` was a row error; a hold taken since is caught by the
        # table's places check, and the whole import is rolled back.
        for name, value in row.columns.items():
            setattr(item, name, value)


def _twice(kind: Kind, row: int, ident: str, first: int) -> Problem:
    if kind is Kind.SLOTS:
        return Problem(row, "starts", f"the same service, date and start as row {first}")
    return Problem(row, "id", f"{ident} is also on row {first}: one row an item")
