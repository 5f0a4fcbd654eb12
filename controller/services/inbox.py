"""The county inbox: applications of a region, their review, notes, assignment, unmasking.

Where an application belongs is where it was filed: `transactions.county_code` and
`region_code`, copied from the kiosk when it arrived (controller/services/intake.py). A
county staff member's scope is their account's region (`rendering.county_scope`); every
query here takes it, so an application outside it is "not found" to them, and the route
records the refusal in the audit log.

The list is newest first, 50 a page, by keyset (`Cursor`: the last row's creation time and
id), so the first page and the thousandth cost the same: one walk down an index that starts
with the county (`ix_transactions_county_*`), whatever the table's size.

Review: the moves an application may make, their reasons and the versioned write that
refuses a stale change are the rules of controller/services/inbox_review.py; scope and
filters are controller/services/inbox_filters.py, what the pages show
controller/services/inbox_views.py.

Every change, note, assignment and unmasking is audited in the same database transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from controller.clock import Clock
from controller.models import ApplicationNote, AuditEntry, Kiosk, Transaction
from controller.services import regions
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.booking import Bookings
from controller.services.errors import NotFound
from controller.services.inbox_errors import InboxRefused, StaleVersion
from controller.services.inbox_filters import Filters, in_scope, scope_holds
from controller.services.inbox_review import (
    BULK_MAX,
    NOTE_MAX,
    BulkResult,
    OnApproved,
    next_status,
    reason_for,
    write_versioned,
)
from controller.services.inbox_views import (
    Answer,
    Cursor,
    Detail,
    InboxPage,
    InboxRow,
    ItemView,
    Revealable,
    mask_answer,
)
from controller.services.intake import Intake
from controller.services.ratings import redact_comment
from controller.services.status_words import reason_words
from controller.services.titles import ServiceTitles
from pii import mask_id_number, mask_name
from wire import ApplicationStatus

PER_PAGE = 50


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
        target = next_status(row, seen_version, status)
        code, text = reason_for(target, reason_code, reason_text)
        before = row.status
        write_versioned(
            session,
            row,
            seen_version,
            status=target.value,
            status_at=self._clock(),
            reason_code=code,
            reason_text=text,
        )
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
        write_versioned(session, row, seen_version, assigned_to=who)
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
