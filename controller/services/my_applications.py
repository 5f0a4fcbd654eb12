"""我的办件: a citizen's own applications, shown only after a card was read, limited per
kiosk, and every lookup handed to an audit hook (`LookupAudit`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.logs import event
from controller.models import Kiosk, Transaction
from controller.services.errors import Refused
from controller.services.ratelimit import RateLimited, RateLimiter
from controller.services.status_words import reason_words, status_with_reason
from controller.services.titles import ServiceTitles
from pii import Sealer, mask_id_number
from wire import Application, MyApplicationsRequest, MyApplicationsResponse

log = logging.getLogger(__name__)

# Identity methods that prove the citizen holds the number: a card in a reader or the
# e-social card's signed QR. A typed number could be anyone's (flows/actions.py), so it
# never lists applications (flows/catalog/my_applications.yaml offers cards only). The
# controller cannot check the kiosk's claim: the per-kiosk limit and the audit hook are
# what stop and reveal a kiosk that claims a card it never read.
VERIFIED_IDENTITY_METHODS = frozenset({"id_card", "social_card", "e_social_card"})
MY_APPLICATIONS_LIMIT = 50


def lookup_limiter(clock: Clock = utc_now) -> RateLimiter:
    """我的办件 per kiosk: 5 at once, 30 an hour; one citizen's visit takes a minute or more."""
    return RateLimiter(30, dt.timedelta(hours=1), burst=5, clock=clock)


@dataclass(frozen=True)
class ApplicationsLookup:
    """One 我的办件 lookup, for the audit log: which kiosk asked about whom, and what came of it.

    `subject` is the ID number masked; `subject_hash` its keyed hash (as
    Transaction.id_lookup), so an auditor can find every lookup of one citizen without the
    number in clear. `outcome`: answered, refused (not a card) or rate_limited.
    """

    at: dt.datetime
    kiosk_id: str
    identity_method: str
    subject: str
    subject_hash: str
    outcome: str
    count: int = 0


# Called once per lookup, with the request's session; it commits what it writes. The lead
# points it at the audit service (controller/services/audit.py); by default it logs.
LookupAudit = Callable[[Session, ApplicationsLookup], None]


# Entries added to a citizen's own applications (the targeted push's new jobs,
# controller/services/push.py), from their applications, newest first.
PushedEntries = Callable[[Session, Sequence[Transaction]], list[Application]]


def log_lookup(_session: Session, lookup: ApplicationsLookup) -> None:
    """The default audit hook: one log event, without the subject."""
    event(
        log,
        "my_applications_lookup",
        logging.INFO if lookup.outcome == "answered" else logging.WARNING,
        kiosk_id=lookup.kiosk_id,
        identity_method=lookup.identity_method,
        outcome=lookup.outcome,
        count=lookup.count,
    )


def own_applications(
    session: Session,
    kiosk: Kiosk,
    request: MyApplicationsRequest,
    *,
    sealer: Sealer,
    clock: Clock,
    lookups: RateLimiter,
    titles: ServiceTitles,
    audit_hook: LookupAudit,
    pushed: PushedEntries | None,
) -> MyApplicationsResponse:
    """The asker's own transactions, found by the keyed hash of the number, newest first,
    after the entries `pushed` adds (Intake.my_applications).

    Limited per kiosk (RateLimited); every lookup, answered or not, goes to `audit_hook`.
    """
    subject_hash = sealer.lookup_hash(request.id_number)

    def audit(outcome: str, count: int = 0) -> None:
        lookup = ApplicationsLookup(
            at=clock(),
            kiosk_id=kiosk.kiosk_id,
            identity_method=request.identity_method,
            subject=mask_id_number(request.id_number),
            subject_hash=subject_hash,
            outcome=outcome,
            count=count,
        )
        audit_hook(session, lookup)

    try:
        lookups.take(kiosk.kiosk_id, "my-applications of this kiosk")
    except RateLimited:
        audit("rate_limited")
        raise
    if request.identity_method not in VERIFIED_IDENTITY_METHODS:
        audit("refused")
        raise Refused(
            f"identity method {request.identity_method!r} does not prove whose number it is;"
            " own applications are shown only after a card or e-social card was read",
            "查询本人办件需要读取身份证或社保卡。",
        )
    query = (
        select(Transaction)
        .where(Transaction.id_lookup == subject_hash)
        .order_by(Transaction.created_at.desc(), Transaction.id.desc())
        .limit(MY_APPLICATIONS_LIMIT)
    )
    found = session.scalars(query).all()
    names = titles.names(session, {row.service for row in found})
    applications = [
        Application(
            number=row.number,
            service=row.service,
            title=names[row.service].title,
            created_at=row.created_at,
            status=row.status,
            status_text=status_with_reason(
                row.status, reason_words(row.reason_code, row.reason_text)
            ),
            status_at=row.status_at,
        )
        for row in found
    ]
    if pushed is not None:
        applications = [*pushed(session, found), *applications]
    audit("answered", len(applications))
    return MyApplicationsResponse(applications=applications)
