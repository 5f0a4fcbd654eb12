"""The rules of the county's review: where an application may go from where it is, when a
move needs a reason, and the versioned write that keeps two staff members from overwriting
each other (controller/services/inbox.py carries the moves out and audits them).

Review: received -> reviewing -> approved | rejected | returned (a returned application
comes back to reviewing when the citizen completes it; one whose booking failed is reviewed
like a received one). Every change names the version the staff member saw and is written
`WHERE version = <seen>`: of two staff members changing the same application at once, the
second gets `StaleVersion` (a Conflict saying what it is now), never a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from controller.models import Transaction
from controller.services.inbox_errors import InboxRefused, StaleVersion
from controller.services.ratings import redact_comment
from controller.services.status_words import REASONS, status_text
from wire import ApplicationStatus

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


@dataclass
class BulkResult:
    """What a bulk action did, by application number."""

    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


# Called with an application just approved, in its database transaction (the hand-off).
OnApproved = Callable[[Session, Transaction], None]


def next_status(row: Transaction, seen_version: int, status: str) -> ApplicationStatus:
    """The status `row` moves to; InboxRefused if it may not, StaleVersion if it changed."""
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
    return target


def reason_for(
    target: ApplicationStatus, reason_code: str, reason_text: str
) -> tuple[str | None, str]:
    """The reason kept with a move to `target` (code, redacted text); none but for a return
    or rejection, which needs one: a ready-made one (REASONS), free text, or both ("other"
    needs the text)."""
    text = redact_comment(" ".join(reason_text.split()))
    code = reason_code or None
    if target not in NEEDS_REASON:
        return None, ""
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
    return code, text


def write_versioned(session: Session, row: Transaction, seen_version: int, **values: Any) -> None:
    """Write `values` to `row` and bump its version, only if it is still at `seen_version`:
    else roll back and raise StaleVersion with what it is now. `row` is refreshed."""
    result = session.execute(
        update(Transaction)
        .where(Transaction.id == row.id, Transaction.version == seen_version)
        .values(**values, version=seen_version + 1)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(result) != 1:
        session.rollback()
        fresh = session.get(Transaction, row.id, populate_existing=True)
        raise StaleVersion(row.number, fresh.status if fresh else row.status,
                           fresh.version if fresh else seen_version + 1)  # fmt: skip
    session.refresh(row)


def _rowcount(result: object) -> int:
    count: int = getattr(result, "rowcount", 0)
    return count
