"""The county inbox: applications of a region, their review, notes, assignment, unmasking.

Where an application belongs is where it was filed: `transactions.county_code` and
`region_code`, copied from the kiosk when it arrived (controller/services/intake.py). A
county staff member's scope is their account's region (`rendering.county_scope`); every
query here takes it, so an application outside it is "not found" to them, and the route
records the refusal in the audit log.

The list is newest first, 50 a page, by keyset (`Cursor`: the last row's creation time and
id), so the first page and the thousandth cost the same: one walk down an index that starts
with the county (`ix_transactions_county_*`), whatever the table's size.

Review: received -> reviewing -> approved | rejected | returned (a returned application
comes back to reviewing when the citizen completes it; one whose booking failed is reviewed
like a received one). Every change names the version the staff member saw and is written
`WHERE version = <seen>`: of two staff members changing the same application at once, the
second gets `StaleVersion` (a Conflict saying what it is now), never a silent overwrite.
Every change, note, assignment and unmasking is audited in the same database transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, false, func, select, true, tuple_, update
from sqlalchemy.orm import Session

from controller import region_codes
from controller.clock import CHINA_TIME, Clock
from controller.models import ApplicationNote, AuditEntry, Kiosk, Transaction
from controller.services import regions
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.booking import Booking, Bookings
from controller.services.errors import Conflict, ControllerError, NotFound
from controller.services.intake import REASONS, Intake, reason_words, status_text
from controller.services.ratings import redact_comment
from controller.services.titles import ServiceName, ServiceTitles
from pii import mask_id_number, mask_name, mask_phone
from wire import ApplicationStatus, Bilingual

PER_PAGE = 50
REASON_MAX = 300
NOTE_MAX = 1000
BULK_MAX = 200
S = ApplicationStatus

# Where an application may go from where it is.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.REVIEWING}),
    S.BOOKING_FAILED: frozenset({S.REVIEWING}),
    S.REVIEWING: frozenset({S.APPROVED, S.REJECTED, S.RETURNED}),
    S.RETURNED: frozenset({S.REVIEWING}),
}
# A citizen must be told why: these need a reason.
NEEDS_REASON = frozenset({S.REJECTED, S.RETURNED})
# The order of the status tabs on the inbox page.
STATUS_ORDER: tuple[str, ...] = (
    S.RECEIVED,
    S.BOOKING_FAILED,
    S.REVIEWING,
    S.RETURNED,
    S.APPROVED,
    S.REJECTED,
    S.DONE,
)


class InboxRefused(ControllerError):
    """A change staff asked for that cannot be made; `zh` and `en` say why to them."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en, zh)
        self.zh = zh
        self.en = en


class StaleVersion(Conflict):
    """Someone else changed the application since this staff member saw it."""

    def __init__(self, number: str, status: str, version: int) -> None:
        words = status_text(status)
        super().__init__(
            f"application {number} was changed by someone else (now {words.en}, version"
            f" {version}); nothing was saved",
            f"办件 {number} 已被他人修改（现为{words.zh}），本次操作未保存，请刷新后再办理。",
        )
        self.status = status
        self.version = version


class Revealable(StrEnum):
    """What of an application may be unmasked (an answer is `answer:<name>`)."""

    ID_NUMBER = "id_number"
    NAME = "name"


# -- scope and filters ---------------------------------------------------------------------


def _within(code: str, *, ordered: bool) -> ColumnElement[bool]:
    """Filed in region `code` or below it: a range on the region code.

    `ordered`: for a list newest first. The range is then written on an expression, which
    no index serves, so the database walks the county's newest-first index and stops at a
    page (a township is a tenth of its county) instead of reading the whole township
    through ix_transactions_county_region_status and sorting it; that index is for counts.
    """
    low, high = region_codes.prefix_bounds(code)
    region = Transaction.region_code.concat("") if ordered else Transaction.region_code
    return (region >= low) & (region < high)


def in_scope(scope: str | None, *, ordered: bool = False) -> ColumnElement[bool]:
    """The SQL condition "filed inside `scope`": None is everywhere (ops), "" nowhere.

    A county is an equality on the indexed county code; a township or village adds a range
    on the region code (see `_within` for `ordered`); a city or province is a range of
    county codes.
    """
    if scope is None:
        return true()
    if scope == "":
        return false()
    county = region_codes.county_of(scope)
    if county is None:
        low, high = region_codes.prefix_bounds(scope)
        return (Transaction.county_code >= low) & (Transaction.county_code < high)
    if county == scope:
        return Transaction.county_code == county
    return (Transaction.county_code == county) & _within(scope, ordered=ordered)


def scope_holds(scope: str | None, region_code: str | None) -> bool:
    """The same rule in Python, for one application's region."""
    if scope is None:
        return True
    if not scope or not region_code:
        return False
    return region_codes.contains(scope, region_code)


@dataclass(frozen=True)
class Filters:
    """What the inbox (and an export) is narrowed to; empty strings mean "any"."""

    service: str = ""
    status: str = ""
    township: str = ""  # a canonical region code inside the scope
    date_from: dt.date | None = None  # Beijing dates, both ends included
    date_to: dt.date | None = None
    assigned: str = ""  # a user name

    def conditions(
        self, *, with_status: bool = True, ordered: bool = False
    ) -> list[ColumnElement[bool]]:
        """The SQL conditions these filters make (`ordered`: for a list, see `_within`)."""
        found: list[ColumnElement[bool]] = []
        if self.service:
            found.append(Transaction.service == self.service)
        if self.status and with_status:
            found.append(Transaction.status == self.status)
        if self.township:
            found.append(_within(self.township, ordered=ordered))
        if self.date_from is not None:
            found.append(Transaction.created_at >= _beijing_midnight(self.date_from))
        if self.date_to is not None:
            found.append(
                Transaction.created_at < _beijing_midnight(self.date_to + dt.timedelta(days=1))
            )
        if self.assigned:
            found.append(Transaction.assigned_to == self.assigned)
        return found

    def describe(self) -> str:
        """The filters for the audit log: codes and dates only."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("service", self.service),
                ("status", self.status),
                ("township", self.township),
                ("from", self.date_from or ""),
                ("to", self.date_to or ""),
                ("assigned", self.assigned),
            )
            if value
        ]
        return " ".join(parts) or "all"


def _beijing_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA_TIME).astimezone(dt.UTC)


def parse_filters(
    scope: str | None,
    *,
    service: str = "",
    status: str = "",
    township: str = "",
    date_from: str = "",
    date_to: str = "",
    assigned: str = "",
) -> Filters:
    """Filters from query parameters; InboxRefused naming the one that does not fit.

    A township outside the scope is refused (the route audits it): county staff cannot
    widen their view by naming another county's township.
    """
    chosen_township = ""
    if township:
        if not region_codes.is_region_code(township):
            raise InboxRefused("乡镇代码不正确", "The township code is not a region code")
        chosen_township = region_codes.canonical(township)
        if not scope_holds(scope, chosen_township):
            raise InboxRefused("无权查看该地区的办件", "That region is outside yours")
    if status and status not in set(ApplicationStatus):
        raise InboxRefused("没有这种办理状态", "No such status")
    return Filters(
        service=service[:64],
        status=status,
        township=chosen_township,
        date_from=_date(date_from, "起始日期", "The start date"),
        date_to=_date(date_to, "截止日期", "The end date"),
        assigned=assigned[:64],
    )


def _date(raw: str, zh: str, en: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InboxRefused(f"{zh}应为 年-月-日", f"{en} must be YYYY-MM-DD") from None


# -- the list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last row's creation time and id (keyset pagination)."""

    created_at: dt.datetime
    id: int

    def encode(self) -> str:
        """A short opaque token for the "next page" link."""
        micros = int(self.created_at.timestamp() * 1_000_000)
        raw = f"{micros}.{self.id}".encode("ascii")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor | None:
        """The cursor of a token; None for anything that is not one (the first page)."""
        if not token or len(token) > 64:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            micros, ident = raw.split(".")
            moment = dt.datetime.fromtimestamp(int(micros) / 1_000_000, dt.UTC)
            return cls(moment, int(ident))
        except (ValueError, UnicodeDecodeError, OverflowError, OSError):
            return None


@dataclass(frozen=True)
class InboxRow:
    """One application as the list shows it: masked values only."""

    number: str
    service: ServiceName
    status: str
    created_at: dt.datetime
    region_code: str | None
    kiosk_id: str
    id_masked: str
    name_masked: str
    assigned_to: str | None
    version: int
    items: int


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox, the counts by status under the other filters, the next page."""

    rows: list[InboxRow]
    counts: dict[str, int]
    total: int
    next_cursor: str | None
    region_names: dict[str, str] = field(default_factory=dict)


# -- one application -----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One answer of an application, masked unless it was unmasked for this view."""

    name: str
    value: str
    revealed: bool = False


@dataclass(frozen=True)
class ItemView:
    """One service of a bundle (一件事) and its answers; the application itself for one service."""

    service: ServiceName
    answers: list[Answer]


@dataclass(frozen=True)
class Detail:
    """Everything the detail page shows of an application."""

    row: Transaction
    kiosk_id: str
    service: ServiceName
    id_number: Answer
    name: Answer
    items: list[ItemView]
    bookings: list[Booking]
    notes: list[ApplicationNote]
    history: list[AuditEntry]
    reason: Bilingual | None
    region_names: dict[str, str]


def mask_answer(value: str) -> str:
    """An answer hidden but for its shape: a mobile as 138****5678, anything else by its
    first character and length."""
    if re.fullmatch(r"1[3-9][0-9]{9}", value):
        return mask_phone(value)
    if len(value) <= 1:
        return "*" * len(value)
    return value[0] + "*" * min(len(value) - 1, 12)


@dataclass
class BulkResult:
    """What a bulk action did, by application number."""

    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


# Called with an application just approved, in its database transaction (the hand-off).
OnApproved = Callable[[Session, Transaction], None]


def _rowcount(result: object) -> int:
    count: int = getattr(result, "rowcount", 0)
    return count


class Inbox:
    """Lists, shows and moves on the applications of a region, auditing every step."""

    def __init__(
        self,
        intake: Intake,
        titles: ServiceTitles,
        bookings: Bookings,
        audit: AuditLog,
        clock: Clock,
        on_approved: OnApproved | None = None,
    ) -> None:
        self._intake = intake
        self._titles = titles
        self._bookings = bookings
        self._audit = audit
        self._clock = clock
        self.on_approved = on_approved

    # -- reading -----------------------------------------------------------------------

    @staticmethod
    def query(scope: str | None, filters: Filters) -> Select[Transaction]:
        """The applications in scope under the filters, newest first (no limit)."""
        return (
            select(Transaction)
            .where(in_scope(scope, ordered=True), *filters.conditions(ordered=True))
            .order_by(Transaction.created_at.desc(), Transaction.id.desc())
        )

    def page(
        self,
        session: Session,
        scope: str | None,
        filters: Filters,
        cursor: Cursor | None = None,
        per_page: int = PER_PAGE,
    ) -> InboxPage:
        """One page of the inbox after `cursor`, and the counts by status."""
        query = self.query(scope, filters)
        if cursor is not None:
            query = query.where(
                tuple_(Transaction.created_at, Transaction.id) < (cursor.created_at, cursor.id)
            )
        found = list(session.scalars(query.limit(per_page + 1)))
        more = len(found) > per_page
        found = found[:per_page]
        kiosks = dict(
            session.execute(
                select(Kiosk.id, Kiosk.kiosk_id).where(
                    Kiosk.id.in_({row.kiosk_pk for row in found})
                )
            ).all()
        )
        names = self._titles.names(session, {row.service for row in found})
        rows = [
            InboxRow(
                number=row.number,
                service=names[row.service],
                status=row.status,
                created_at=row.created_at,
                region_code=row.region_code,
                kiosk_id=kiosks.get(row.kiosk_pk, ""),
                id_masked=row.id_masked,
                name_masked=row.name_masked,
                assigned_to=row.assigned_to,
                version=row.version,
                items=len(row.item_services),
            )
            for row in found
        ]
        counts = self.counts(session, scope, filters)
        last = found[-1] if found else None
        return InboxPage(
            rows=rows,
            counts=counts,
            total=sum(counts.values()),
            next_cursor=Cursor(last.created_at, last.id).encode() if more and last else None,
            region_names=_region_names(session, {row.region_code for row in found}),
        )

    @staticmethod
    def counts(session: Session, scope: str | None, filters: Filters) -> dict[str, int]:
        """How many applications of each status the other filters leave (one GROUP BY)."""
        query = (
            select(Transaction.status, func.count())
            .where(in_scope(scope), *filters.conditions(with_status=False))
            .group_by(Transaction.status)
        )
        return {status: int(count) for status, count in session.execute(query).all()}

    def find(self, session: Session, scope: str | None, number: str) -> Transaction | None:
        """The application with this number if it lies in scope; None alike if not or unknown."""
        row = session.scalar(select(Transaction).where(Transaction.number == number))
        if row is None or not scope_holds(scope, row.region_code):
            return None
        return row

    def exists(self, session: Session, number: str) -> bool:
        """True when an application of this number exists anywhere (for the audit of a refusal)."""
        found = session.scalar(select(Transaction.id).where(Transaction.number == number))
        return found is not None

    def detail(self, row: Transaction, session: Session, revealed: Iterable[str] = ()) -> Detail:
        """The detail page's facts; the fields named in `revealed` come unmasked."""
        shown = set(revealed)
        citizen = self._intake.open_citizen(row)
        names = self._titles.names(session, {row.service, *row.item_services})
        fields = self._intake.open_fields(row)
        items = [ItemView(names[row.service], self._answers(fields, shown, ""))]
        for index, item in enumerate(self._intake.open_items(row)):
            prefix = f"{index + 1}."
            items.append(ItemView(names[item.service], self._answers(item.fields, shown, prefix)))
        kiosk_id = session.scalar(select(Kiosk.kiosk_id).where(Kiosk.id == row.kiosk_pk)) or ""
        notes = list(
            session.scalars(
                select(ApplicationNote)
                .where(ApplicationNote.transaction_pk == row.id)
                .order_by(ApplicationNote.id)
            )
        )
        history = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.target == row.number, AuditEntry.action.like("application.%"))
                .order_by(AuditEntry.id)
            )
        )
        id_shown = Revealable.ID_NUMBER in shown
        name_shown = Revealable.NAME in shown
        return Detail(
            row=row,
            kiosk_id=kiosk_id,
            service=names[row.service],
            id_number=Answer(
                "id_number",
                citizen.id_number if id_shown else mask_id_number(citizen.id_number),
                id_shown,
            ),
            name=Answer(
                "name", citizen.name if name_shown else mask_name(citizen.name), name_shown
            ),
            items=items,
            bookings=self._bookings.bookings_of(session, [row.id]).get(row.id, []),
            notes=notes,
            history=history,
            reason=reason_words(row.reason_code, row.reason_text),
            region_names=_region_names(session, {row.region_code}),
        )

    @staticmethod
    def _answers(fields: dict[str, str], shown: set[str], prefix: str) -> list[Answer]:
        answers = []
        for name in sorted(fields):
            key = f"answer:{prefix}{name}"
            value = fields[name]
            answers.append(
                Answer(
                    f"{prefix}{name}", value if key in shown else mask_answer(value), key in shown
                )
            )
        return answers

    # -- unmasking ---------------------------------------------------------------------

    def reveal(
        self,
        session: Session,
        actor: Actor,
        row: Transaction,
        field_name: str,
        reason: str,
    ) -> str:
        """Record that `actor` unmasks one field of `row` and why; the field's key to show.

        The reason is required (a few words: 电话回访, the citizen called); it is audited
        with the field's name, never its value. The caller commits.
        """
        words = " ".join(reason.split())[:200]
        if len(words) < 2:
            raise InboxRefused(
                "查看完整信息需填写理由", "Say why you need to see it in full (a few words)"
            )
        valid = {Revealable.ID_NUMBER.value, Revealable.NAME.value}
        if field_name not in valid and not field_name.startswith("answer:"):
            raise InboxRefused("没有这一项", "No such field")
        self._audit.record(
            session,
            actor,
            AuditAction.APPLICATION_REVEALED,
            target=row.number,
            detail=f"field={field_name[:60]} reason={redact_comment(words)}",
        )
        return field_name

    # -- changes -----------------------------------------------------------------------

    def change_status(
        self,
        session: Session,
        actor: Actor,
        row: Transaction,
        seen_version: int,
        status: str,
        reason_code: str = "",
        reason_text: str = "",
    ) -> None:
        """Move `row` to `status` if nobody changed it since `seen_version` (StaleVersion).

        A return or rejection needs a reason: a ready-made one (REASONS), free text, or both
        ("other" needs the text). Approving hands the application off (on_approved) in the
        same transaction. The caller commits.
        """
        try:
            target = ApplicationStatus(status)
        except ValueError:
            raise InboxRefused("没有这种办理状态", "No such status") from None
        if row.version != seen_version:
            raise StaleVersion(row.number, row.status, row.version)
        if target not in TRANSITIONS.get(row.status, frozenset()):
            raise InboxRefused(
                f"{status_text(row.status).zh}的办件不能改为{status_text(target).zh}",
                f"An application that is {status_text(row.status).en.lower()} cannot become"
                f" {status_text(target).en.lower()}",
            )
        text = redact_comment(" ".join(reason_text.split()))
        code = reason_code or None
        if target in NEEDS_REASON:
            if code is not None and code not in REASONS:
                raise InboxRefused("没有这种理由", "No such reason")
            if code is None and not text or code == "other" and not text:
                raise InboxRefused(
                    "退回或不予通过须说明理由（可选常用理由，或填写说明）",
                    "Returning or rejecting needs a reason the citizen understands",
                )
            if len(text) > REASON_MAX:
                raise InboxRefused(
                    f"理由最多 {REASON_MAX} 个字", f"The reason is at most {REASON_MAX} characters"
                )
        else:
            code, text = None, ""
        now = self._clock()
        result = session.execute(
            update(Transaction)
            .where(Transaction.id == row.id, Transaction.version == seen_version)
            .values(
                status=target.value,
                status_at=now,
                version=seen_version + 1,
                reason_code=code,
                reason_text=text,
            )
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) != 1:
            session.rollback()
            fresh = session.get(Transaction, row.id, populate_existing=True)
            raise StaleVersion(row.number, fresh.status if fresh else row.status,
                               fresh.version if fresh else seen_version + 1)  # fmt: skip
        before = row.status
        session.refresh(row)
        detail = f"{before}->{target.value}"
        if code or text:
            detail += f" reason={code or '-'} {text}"
        self._audit.record(
            session, actor, AuditAction.APPLICATION_STATUS, target=row.number, detail=detail
        )
        if target is ApplicationStatus.APPROVED and self.on_approved is not None:
            self.on_approved(session, row)

    def assign(
        self, session: Session, actor: Actor, row: Transaction, seen_version: int, username: str
    ) -> None:
        """Give `row` to a staff member ("" takes it from whoever has it); versioned too."""
        who = username.strip().lower()[:64] or None
        result = session.execute(
            update(Transaction)
            .where(Transaction.id == row.id, Transaction.version == seen_version)
            .values(assigned_to=who, version=seen_version + 1)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) != 1:
            session.rollback()
            fresh = session.get(Transaction, row.id, populate_existing=True)
            raise StaleVersion(row.number, fresh.status if fresh else row.status,
                               fresh.version if fresh else seen_version + 1)  # fmt: skip
        session.refresh(row)
        self._audit.record(
            session,
            actor,
            AuditAction.APPLICATION_ASSIGNED,
            target=row.number,
            detail=f"to={who or '-'}",
        )

    def add_note(self, session: Session, actor: Actor, row: Transaction, text: str) -> None:
        """A note for colleagues (ID and mobile numbers redacted); audited without its text."""
        words = redact_comment(text.strip())
        if not words:
            raise InboxRefused("备注不能为空", "The note is empty")
        if len(words) > NOTE_MAX:
            raise InboxRefused(
                f"备注最多 {NOTE_MAX} 个字", f"A note is at most {NOTE_MAX} characters"
            )
        session.add(
            ApplicationNote(transaction_pk=row.id, at=self._clock(), author=actor.name, text=words)
        )
        self._audit.record(
            session,
            actor,
            AuditAction.APPLICATION_NOTE,
            target=row.number,
            detail=f"chars={len(words)}",
        )

    def bulk_status(
        self,
        session: Session,
        actor: Actor,
        scope: str | None,
        picked: Sequence[tuple[str, int]],
        status: str,
        reason_code: str = "",
        reason_text: str = "",
    ) -> BulkResult:
        """Move each (number, version seen) on, each in its own transaction (commits)."""
        result = BulkResult()
        for number, version in list(picked)[:BULK_MAX]:
            row = self.find(session, scope, number)
            if row is None:
                result.refused.append(number)
                continue
            try:
                self.change_status(session, actor, row, version, status, reason_code, reason_text)
            except StaleVersion:
                session.rollback()
                result.conflicts.append(number)
                continue
            except (InboxRefused, NotFound):
                session.rollback()
                result.refused.append(number)
                continue
            session.commit()
            result.changed.append(number)
        return result


def _region_names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    return regions.names(session, {code for code in codes if code})
