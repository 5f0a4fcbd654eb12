"""Places of trainings, job fairs and appointment slots: held first, confirmed by a transaction.

The protocol is in wire/v1.py's docstring. Every change of `taken` is one conditional
UPDATE whose row count says whether it happened (`taken < capacity` to take a place,
`state = 'held'` to release or confirm a hold), so two kiosks racing for the last place,
or two sweeps racing to release one hold, cannot both win: SQLite runs writers one at a
time, and PostgreSQL re-checks the WHERE clause on the row it waited for.

A kiosk books only what it lists: an item of another county (`region_code` not the
kiosk's nor a region it lies in) is the same "no such item" as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Update, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller import region_codes
from controller.clock import Clock, china_today, utc_now
from controller.logs import event
from controller.models import AppointmentSlot, BookingHold, JobFair, Kiosk, Training
from controller.services.errors import BookingUnavailable, NotFound
from controller.services.idempotency import check_repeat
from wire import HOLD_MINUTES, ContentSource, HoldRequest, HoldResponse, TransactionIn

log = logging.getLogger(__name__)

Bookable = Training | JobFair | AppointmentSlot
BOOKABLE: dict[ContentSource, type[Bookable]] = {
    ContentSource.TRAININGS: Training,
    ContentSource.JOB_FAIRS: JobFair,
    ContentSource.SLOTS: AppointmentSlot,
}

HELD, CONFIRMED, EXPIRED, FAILED = "held", "confirmed", "expired", "failed"

# What the kiosk shows when the place cannot be had (ControllerError.user_message).
FULL = {
    ContentSource.TRAININGS: "该培训班名额已满，请选择其他班次。",
    ContentSource.JOB_FAIRS: "该招聘会报名人数已满。",
    ContentSource.SLOTS: "该时段已约满，请选择其他时段。",
}
CLOSED = {
    ContentSource.TRAININGS: "该培训班报名已截止，请选择其他班次。",
    ContentSource.JOB_FAIRS: "该招聘会报名已截止。",
    ContentSource.SLOTS: "该时段已过，请选择其他时段。",
}
GONE = "所选项目已不存在，请返回重新选择。"
HOLD_EXPIRED = "名额保留已超时，请重新选择。"
# How many expired holds one sweep releases; the next request sweeps the rest.
_SWEEP_BATCH = 200


@dataclass(frozen=True)
class Booking:
    """What a transaction booked, as pages show it."""

    source: str
    item: str
    state: str  # confirmed or failed


def find_item(
    session: Session, source: ContentSource, code: str, kiosk_region: str | None
) -> Bookable | None:
    """The item of `source` with this id that a kiosk in `kiosk_region` lists, if any."""
    model = BOOKABLE[source]
    item = session.scalar(select(model).where(model.code == code))
    if not isinstance(item, Training | JobFair | AppointmentSlot):
        return None
    if item.region_code is None or item.region_code in region_codes.with_enclosing(kiosk_region):
        return item
    return None


def rows_changed(session: Session, statement: Update) -> int:
    """Run a conditional UPDATE; how many rows it changed says whether its condition held."""
    # No synchronising of loaded objects: callers read counters afresh, never from memory.
    result = session.execute(statement.execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount


def is_open(item: Bookable, now: dt.datetime) -> bool:
    """True while the item can still be booked (places aside)."""
    if isinstance(item, Training):
        return item.enrol_until >= china_today(now)
    if isinstance(item, JobFair):
        return item.signup_closes_at > now
    return item.starts_at > now


class Bookings:
    """Holds, confirms and releases places."""

    def __init__(self, clock: Clock = utc_now, hold_minutes: int = HOLD_MINUTES) -> None:
        self._clock = clock
        self.hold_for = dt.timedelta(minutes=hold_minutes)

    # -- holds from kiosks ----------------------------------------------------------

    def hold(
        self, session: Session, kiosk: Kiosk, request: HoldRequest
    ) -> tuple[HoldResponse, bool]:
        """Take one place for the kiosk until it expires; True if new, False for a retry."""
        kiosk_pk, kiosk_id, kiosk_region = kiosk.id, kiosk.kiosk_id, kiosk.region_code
        existing = self._by_key(session, request.key)
        if existing is not None:
            return self._repeat(existing, kiosk_pk, request), False
        self.sweep(session)
        now = self._clock()
        model = BOOKABLE[request.source]
        item = find_item(session, request.source, request.item_id, kiosk_region)
        if item is None:
            raise NotFound(f"there is no {request.source.value} item {request.item_id}", GONE)
        if not is_open(item, now):
            raise BookingUnavailable(
                f"{request.source.value} item {request.item_id} is closed for booking",
                CLOSED[request.source],
            )
        if not self._take(session, model, item.id):
            session.rollback()
            existing = self._by_key(session, request.key)
            if existing is not None:  # a retry of this request took the last place
                return self._repeat(existing, kiosk_pk, request), False
            _log_hold("booking_full", kiosk_id, request)
            raise BookingUnavailable(
                f"{request.source.value} item {request.item_id} has no place left",
                FULL[request.source],
            )
        hold = BookingHold(
            hold_id=secrets.token_hex(16),
            key=request.key,
            kiosk_pk=kiosk_pk,
            source=request.source.value,
            item_code=request.item_id,
            state=HELD,
            created_at=now,
            expires_at=now + self.hold_for,
        )
        session.add(hold)
        try:
            session.commit()
        except IntegrityError:
            # The same key raced in twice; the unique key decided, and the place this
            # attempt took was rolled back with it.
            session.rollback()
            existing = self._by_key(session, request.key)
            if existing is None:
                raise
            return self._repeat(existing, kiosk_pk, request), False
        _log_hold("booking_held", kiosk_id, request)
        return _response(hold), True

    def _repeat(self, hold: BookingHold, kiosk_pk: int, request: HoldRequest) -> HoldResponse:
        check_repeat(
            "hold",
            request.key,
            stored=(hold.kiosk_pk, f"{hold.source}/{hold.item_code}"),
            received=(kiosk_pk, f"{request.source.value}/{request.item_id}"),
        )
        if hold.state == EXPIRED:
            raise BookingUnavailable(f"hold {request.key} has expired", HOLD_EXPIRED)
        return _response(hold)

    @staticmethod
    def _by_key(session: Session, key: str) -> BookingHold | None:
        return session.scalar(select(BookingHold).where(BookingHold.key == key))

    @staticmethod
    def _take(session: Session, model: type[Bookable], pk: int) -> bool:
        taking = (
            update(model)
            .where(model.id == pk, model.taken < model.capacity)
            .values(taken=model.taken + 1)
        )
        return rows_changed(session, taking) == 1

    # -- expiry ---------------------------------------------------------------------

    def sweep(self, session: Session) -> int:
        """Release the places of holds past their time; return how many. Commits."""
        expired = session.execute(
            select(BookingHold.id, BookingHold.source, BookingHold.item_code)
            .where(BookingHold.state == HELD, BookingHold.expires_at <= self._clock())
            .limit(_SWEEP_BATCH)
        ).all()
        released = 0
        for pk, source, item_code in expired:
            releasing = (
                update(BookingHold)
                .where(BookingHold.id == pk, BookingHold.state == HELD)
                .values(state=EXPIRED)
            )
            if rows_changed(session, releasing) != 1:
                continue  # another sweep released it first
            model = BOOKABLE[ContentSource(source)]
            rows_changed(
                session,
                update(model)
                .where(model.code == item_code, model.taken > 0)
                .values(taken=model.taken - 1),
            )
            released += 1
        session.commit()
        if released:
            event(log, "booking_holds_expired", count=released)
        return released

    # -- confirmation by a transaction ------------------------------------------------

    def book_for(
        self, session: Session, kiosk: Kiosk, transaction_pk: int, txn: TransactionIn
    ) -> bool:
        """Confirm the transaction's holds, or take places now; False if one was not to be had.

        Runs inside the caller's database transaction: if the transaction is not stored,
        nothing here happened either.
        """
        now = self._clock()
        booked = True
        for source, item_id in txn.selected.items():
            if source not in BOOKABLE:
                continue
            hold_id = txn.holds.get(source)
            if hold_id is not None and self._confirm(
                session, kiosk, hold_id, (source, item_id), transaction_pk
            ):
                continue
            booked = (
                self._take_now(session, kiosk, (source, item_id), transaction_pk, now) and booked
            )
        return booked

    @staticmethod
    def _confirm(
        session: Session,
        kiosk: Kiosk,
        hold_id: str,
        chosen: tuple[ContentSource, str],
        transaction_pk: int,
    ) -> bool:
        # A hold still 'held' counts in `taken` even past its time until a sweep releases
        # it, so confirming it then is right: the place is still this citizen's.
        confirming = (
            update(BookingHold)
            .where(
                BookingHold.hold_id == hold_id,
                BookingHold.kiosk_pk == kiosk.id,
                BookingHold.source == chosen[0].value,
                BookingHold.item_code == chosen[1],
                BookingHold.state == HELD,
            )
            .values(state=CONFIRMED, transaction_pk=transaction_pk)
        )
        return rows_changed(session, confirming) == 1

    def _take_now(
        self,
        session: Session,
        kiosk: Kiosk,
        chosen: tuple[ContentSource, str],
        transaction_pk: int,
        now: dt.datetime,
    ) -> bool:
        source, item_id = chosen
        item = find_item(session, source, item_id, kiosk.region_code)
        took = (
            item is not None
            and is_open(item, now)
            and self._take(session, BOOKABLE[source], item.id)
        )
        session.add(
            BookingHold(
                hold_id=secrets.token_hex(16),
                key=None,
                kiosk_pk=kiosk.id,
                source=source.value,
                item_code=item_id,
                state=CONFIRMED if took else FAILED,
                created_at=now,
                expires_at=now,
                transaction_pk=transaction_pk,
            )
        )
        event(
            log,
            "booking_taken_without_hold" if took else "booking_failed",
            logging.INFO if took else logging.WARNING,
            kiosk_id=kiosk.kiosk_id,
            source=source.value,
            item=item_id,
        )
        return took

    # -- reading --------------------------------------------------------------------

    @staticmethod
    def bookings_of(session: Session, transaction_pks: list[int]) -> dict[int, list[Booking]]:
        """The confirmed and failed bookings of these transactions, for pages."""
        found: dict[int, list[Booking]] = {}
        query = (
            select(
                BookingHold.transaction_pk,
                BookingHold.source,
                BookingHold.item_code,
                BookingHold.state,
            )
            .where(BookingHold.transaction_pk.in_(transaction_pks))
            .order_by(BookingHold.id)
        )
        for pk, source, item, state in session.execute(query) if transaction_pks else ():
            if pk is not None:
                found.setdefault(pk, []).append(Booking(source, item, state))
        return found


def _log_hold(name: str, kiosk_id: str, request: HoldRequest) -> None:
    event(log, name, kiosk_id=kiosk_id, source=request.source.value, item=request.item_id)


def _response(hold: BookingHold) -> HoldResponse:
    return HoldResponse(
        hold_id=hold.hold_id,
        source=ContentSource(hold.source),
        item_id=hold.item_code,
        expires_at=hold.expires_at,
    )
