"""好差评 ratings: one per transaction, linked to its number, never to a person."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.logs import event
from controller.models import Kiosk, Rating, Transaction
from controller.services.errors import Conflict, NotFound
from controller.services.idempotency import body_hash, check_repeat
from pii import Sealer, mask_phone, redact_id_numbers
from wire import RatingAck, RatingIn

log = logging.getLogger(__name__)

_COMMENT_CONTEXT = b"|comment"
# Mainland mobile numbers in free text (GB/T 13 digits would be landlines; those stay).
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
LOW_STARS = 2  # ratings of this many stars or fewer come with reasons
# How many of a kiosk's latest low ratings the reason tally reads.
_REASONS_WINDOW = 500


def redact_comment(text: str) -> str:
    """Mask ID numbers and mobile numbers a citizen typed into a comment."""
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), redact_id_numbers(text))


class _AlreadyRated(Exception):
    """The transaction has a rating; whether it is this one, its key tells."""


@dataclass(frozen=True)
class RatingSummary:
    """A kiosk's ratings at a glance: how many, how good, what went wrong."""

    count: int
    average: float | None
    low: int
    reasons: list[tuple[str, int]]  # (reason code, times), most frequent first
    with_comment: int


class Ratings:
    """Stores ratings from kiosks and sums them up for ops."""

    def __init__(self, sealer: Sealer, clock: Clock = utc_now) -> None:
        self._sealer = sealer
        self._clock = clock

    def record(self, session: Session, kiosk: Kiosk, rating: RatingIn) -> tuple[RatingAck, bool]:
        """Store a rating of one of the kiosk's transactions; True if new, False for a retry."""
        kiosk_pk, kiosk_id = kiosk.id, kiosk.kiosk_id
        digest = body_hash(self._sealer, kiosk_id, "rating", rating.model_dump(mode="json"))
        existing = self._by_key(session, rating.key)
        if existing is None:
            try:
                transaction = self._rated_transaction(session, kiosk_pk, rating)
                session.add(self._new_row(kiosk_pk, transaction.id, rating, digest))
                session.commit()
            except (IntegrityError, _AlreadyRated):
                # Either a retry of this rating got in first (its key is there now: answer
                # as for any retry), or another rating of the transaction did.
                session.rollback()
                existing = self._by_key(session, rating.key)
                if existing is None:
                    raise Conflict(
                        f"transaction {rating.transaction_number} has been rated already"
                    ) from None
            else:
                event(log, "rating_stored", kiosk_id=kiosk_id, stars=rating.stars)
                return self._ack(rating, duplicate=False), True
        check_repeat(
            "rating",
            rating.key,
            stored=(existing.kiosk_pk, existing.body_hash),
            received=(kiosk_pk, digest),
        )
        return self._ack(rating, duplicate=True), False

    def _rated_transaction(self, session: Session, kiosk_pk: int, rating: RatingIn) -> Transaction:
        number = rating.transaction_number
        found = session.scalars(select(Transaction).where(Transaction.number == number)).all()
        if not found:
            raise NotFound(
                f"transaction {number} is not known here (yet): a rating is sent after its"
                " transaction has been delivered"
            )
        own = [t for t in found if t.kiosk_pk == kiosk_pk]
        if not own:
            raise Conflict(f"transaction {number} was made at another kiosk; rate it there")
        transaction = own[0]
        if transaction.service != rating.service:
            raise Conflict(
                f"transaction {number} is a {transaction.service}, not a {rating.service}"
            )
        already = select(Rating.id).where(Rating.transaction_pk == transaction.id)
        if session.scalar(already) is not None:
            raise _AlreadyRated
        return transaction

    def _new_row(self, kiosk_pk: int, transaction_pk: int, rating: RatingIn, digest: str) -> Rating:
        comment = redact_comment(rating.comment) if rating.comment else ""
        return Rating(
            key=rating.key,
            kiosk_pk=kiosk_pk,
            transaction_pk=transaction_pk,
            service=rating.service,
            stars=rating.stars,
            reasons=list(rating.reasons),
            comment_sealed=(
                self._sealer.seal(comment, rating.key.encode("ascii") + _COMMENT_CONTEXT)
                if comment
                else None
            ),
            received_at=self._clock(),
            body_hash=digest,
        )

    def open_comment(self, row: Rating) -> str:
        """The (redacted) comment of a stored rating, for authorised exports, never pages."""
        if row.comment_sealed is None:
            return ""
        return self._sealer.open(row.comment_sealed, row.key.encode("ascii") + _COMMENT_CONTEXT)

    @staticmethod
    def _by_key(session: Session, key: str) -> Rating | None:
        return session.scalar(select(Rating).where(Rating.key == key))

    @staticmethod
    def _ack(rating: RatingIn, *, duplicate: bool) -> RatingAck:
        return RatingAck(
            key=rating.key, transaction_number=rating.transaction_number, duplicate=duplicate
        )

    # -- reading --------------------------------------------------------------------

    @staticmethod
    def summary(session: Session, kiosk: Kiosk) -> RatingSummary:
        """Count, average stars, low ratings and their reasons, for the kiosk's page."""
        mine = Rating.kiosk_pk == kiosk.id
        count, average, with_comment = session.execute(
            select(
                func.count(Rating.id),
                func.avg(Rating.stars),
                func.count(Rating.comment_sealed),
            ).where(mine)
        ).one()
        low_reasons = session.scalars(
            select(Rating.reasons)
            .where(mine, Rating.stars <= LOW_STARS)
            .order_by(Rating.received_at.desc())
            .limit(_REASONS_WINDOW)
        ).all()
        tally = Counter(code for reasons in low_reasons for code in reasons)
        low = session.scalar(select(func.count(Rating.id)).where(mine, Rating.stars <= LOW_STARS))
        return RatingSummary(
            count=count,
            average=None if average is None else float(average),
            low=low or 0,
            reasons=sorted(tally.items(), key=lambda pair: (-pair[1], pair[0])),
            with_comment=with_comment,
        )
