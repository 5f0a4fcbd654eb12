"""Binding the flow vocabulary (read_id_card, submit, print_receipt) to devices and the outbox.

One `RunActions` serves one citizen's run. Driver errors become `ActionFailed` with the
catalog's words for their code (kiosk/messages.yaml), in both languages, so the flow can
route to a screen that says what to do in the language the citizen chose.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo

from drivers.errors import DriverError
from drivers.idcard import IdCardReader
from drivers.idcard import NoCard as NoIdCard
from drivers.idcard.card import DOCUMENT_TYPES
from drivers.printer import Block, Cut, KeyValue, Line, QrCode, Receipt, Rule, Title
from drivers.socialcard import NoCard as NoSocialCard
from drivers.socialcard import SocialCardReader
from flows import ActionFailed, Flow, Identity, Session
from flows.actions import CONTENT_SOURCES, ActionName
from flows.engine import Action
from flows.model import FieldKind, FieldSpec
from flows.submission import build_submission, receipt_rows
from kiosk.controller_client import (
    BookingUnavailable,
    ControllerClient,
    ControllerError,
    ControllerRejected,
)
from kiosk.messages import for_error, text
from kiosk.outbox import Outbox
from kiosk.receipts import ReceiptOutput
from pii import Sensitive, mask_name
from wire import Citizen, ContentSource, RatingIn, TransactionIn, TransactionItem, WireError

log = logging.getLogger(__name__)

# How long one find() waits before the action checks whether the run was cancelled.
_POLL_SECONDS = 0.3


# The filters each fetching action reads (flows/actions.py), sent to the controller.
_FILTERS: dict[str, tuple[str, ...]] = {
    "fetch_jobs": ("area", "industry", "salary_range", "work_type"),
    "fetch_trainings": ("training_category",),
    "fetch_slots": ("appointment_service", "appointment_date"),
}
_OFFLINE = text("kiosk.offline")

# Personal answers worth a (masked) receipt line.
_MASKED_ON_RECEIPTS = {FieldKind.MOBILE, FieldKind.BANK_ACCOUNT}


class _Cancelled(Exception):
    """The run ended while the action was still waiting for a card."""


_Card = TypeVar("_Card")


@dataclass(frozen=True)
class Station:
    """Facts about this kiosk that go on receipts and into transactions."""

    kiosk_id: Callable[[], str]
    name: str
    controller_url: str
    timezone: ZoneInfo


class RunActions:
    """The actions of one run, with a cancel switch the UI flips when the run ends."""

    def __init__(
        self,
        flow: Flow,
        station: Station,
        *,
        reader: IdCardReader | None,
        social: SocialCardReader | None = None,
        social_reader_name: str | None = None,
        printer: ReceiptOutput | None,
        outbox: Outbox,
        controller: ControllerClient | None = None,
        token: Callable[[], str] = lambda: "",
        on_submitted: Callable[[], None] = lambda: None,
        card_wait: float = 55.0,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.flow = flow
        self.station = station
        self.cancelled = threading.Event()
        self._reader = reader
        self._social = social
        self._social_reader_name = social_reader_name
        self._printer = printer
        self._controller = controller
        self._token = token
        self._outbox = outbox
        self._on_submitted = on_submitted
        self._card_wait = card_wait
        self._now = now or (lambda: dt.datetime.now(station.timezone))

    def bound(self) -> dict[str, Action]:
        """The name -> callable map the flow engine takes."""
        return {
            "read_id_card": self.read_id_card,
            "read_social_card": self.read_social_card,
            "submit": self.submit,
            "print_receipt": self.print_receipt,
            "print_slip": self.print_slip,
            "submit_rating": self.submit_rating,
            "hold_place": self.hold_place,
            "fetch_my_applications": self.fetch_my_applications,
            **{
                action: self._fetcher(source, _FILTERS.get(action, ()))
                for action, source in CONTENT_SOURCES.items()
                if action != "fetch_my_applications"
            },
        }

    def _wait_for_card(self, read_once: Callable[[], _Card], no_card: type[DriverError]) -> _Card:
        """Poll a reader until a card is read, the wait runs out, or the run is cancelled."""
        deadline = time.monotonic() + self._card_wait
        while not self.cancelled.is_set():
            try:
                return read_once()
            except no_card:
                if time.monotonic() > deadline:
                    raise ActionFailed(text(no_card.code), event="timeout") from None
            except DriverError as err:
                log.info("card read failed error=%s", type(err).__name__)
                raise ActionFailed(for_error(err)) from err
        raise _Cancelled

    def read_id_card(self, session: Session) -> str:
        """Wait for an ID card (or permit) on the reader and take the holder's identity."""
        reader = self._reader
        if reader is None:
            raise ActionFailed(text("kiosk.no_idcard_reader"))
        reader.forget()  # a new visit: the card shown last time may be shown again
        try:
            card = self._wait_for_card(lambda: reader.read_card(wait=_POLL_SECONDS), NoIdCard)
        except _Cancelled:
            return "cancel"
        try:
            session.identity = Identity(
                "id_card",
                Sensitive(card.id_number.reveal()),
                Sensitive(card.name.reveal(), mask_name),
                document=DOCUMENT_TYPES[card.card_type],
            )
        finally:
            card.wipe()
        return "ok"

    def read_social_card(self, session: Session) -> str:
        """Wait for a social security card in the slot and take the holder's identity."""
        social = self._social
        if social is None:
            raise ActionFailed(text("kiosk.no_social_reader"))
        name = self._social_reader_name
        try:
            card = self._wait_for_card(
                lambda: social.read_card(reader_name=name, timeout=_POLL_SECONDS), NoSocialCard
            )
        except _Cancelled:
            return "cancel"
        try:
            session.identity = Identity(
                "social_card",
                Sensitive(card.id_number.reveal()),
                Sensitive(card.name.reveal(), mask_name),
            )
        finally:
            card.wipe()
        return "ok"

    def submit(self, session: Session) -> str:
        """Put the transaction in the outbox (on disk) and wake the sync loop.

        A retry after a failure reuses the key and number kept in `session.record`, so a
        citizen who taps "retry" never makes two transactions.
        """
        ident = session.identity
        if ident is None:
            raise ActionFailed(text("kiosk.no_identity"))
        now = self._now()
        record = session.record
        record.transaction_key = key = record.transaction_key or uuid.uuid4().hex
        if record.transaction_number is None:
            try:
                number = self._outbox.next_number(self.station.kiosk_id(), now)
            except Exception as err:  # the kiosk is not enrolled, or its disk failed
                log.exception("cannot allocate a transaction number")
                raise ActionFailed(text("kiosk.no_transaction_number")) from err
            record.transaction_number = number
        submission = build_submission(self.flow, session)
        txn = TransactionIn(
            key=key,
            number=record.transaction_number,
            service=self.flow.id,
            created_at=now,
            identity_method=ident.method,
            citizen=Citizen(
                document=ident.document,
                id_number=ident.id_number.reveal(),
                name=ident.name.reveal(),
            ),
            fields=submission.fields,
            items=[TransactionItem(service=i.service, fields=i.fields) for i in submission.items],
            selected={ContentSource(k): v for k, v in (submission.selected or {}).items()},
            holds={ContentSource(k): v for k, v in (submission.holds or {}).items()},
        )
        try:
            self._outbox.add(txn)
        except Exception as err:
            log.exception("outbox write failed number=%s", txn.number)
            raise ActionFailed(text("kiosk.application_not_saved")) from err
        record.submitted_at = now.strftime("%Y-%m-%d %H:%M")
        record.receipt_url = self.receipt_url(txn.number)
        log.info("transaction stored number=%s service=%s", txn.number, txn.service)
        self._on_submitted()
        return "ok"

    def hold_place(self, session: Session) -> str:
        """Hold one place of the class, fair or slot just chosen, while the citizen is here.

        The transaction reaches the controller later (the outbox), but whether the place is
        still free must be known before the screen says "booked". A retry for the same item
        reuses its request key, so it never takes a second place.
        """
        source = session.current_source()
        if source is None:
            raise ActionFailed(text("kiosk.nothing_chosen"))
        item_id = session.selected[source]
        if self._controller is None:
            raise ActionFailed(_OFFLINE)
        key = session.record.hold_keys.setdefault((source, item_id), uuid.uuid4().hex)
        try:
            hold = self._controller.hold_booking(source, item_id, self._token(), key=key)
        except BookingUnavailable as err:
            raise ActionFailed(for_error(err), event="taken") from err
        except (ControllerError, WireError) as err:
            log.warning("booking hold failed source=%s error=%s", source, type(err).__name__)
            raise ActionFailed(_OFFLINE) from err
        session.record.holds[source] = hold
        return "ok"

    def _fetcher(self, source: str, filters: tuple[str, ...]) -> Action:
        def fetch(session: Session) -> str:
            wanted = {
                name: session.value(name)
                for name in filters
                if name in session.values and session.value(name) not in ("", "any")
            }
            if self._controller is None:
                raise ActionFailed(_OFFLINE)
            try:
                session.content[source] = self._controller.content(source, wanted, self._token())
            except (ControllerError, WireError) as err:
                log.warning("content fetch failed source=%s error=%s", source, type(err).__name__)
                raise ActionFailed(_OFFLINE) from err
            return "ok"

        return fetch

    def fetch_my_applications(self, session: Session) -> str:
        """The citizen's own applications from the controller (never cached on disk)."""
        ident = session.identity
        if ident is None:
            raise ActionFailed(text("kiosk.no_identity"))
        if self._controller is None:
            raise ActionFailed(_OFFLINE)
        try:
            session.content["applications"] = self._controller.my_applications(
                ident.document, ident.id_number.reveal(), self._token(),
                identity_method=ident.method,
            )  # fmt: skip
        except ControllerRejected as err:
            raise ActionFailed(for_error(err)) from err
        except (ControllerError, WireError) as err:
            log.warning("applications fetch failed error=%s", type(err).__name__)
            raise ActionFailed(_OFFLINE) from err
        return "ok"

    def submit_rating(self, session: Session) -> str:
        """Queue the rating of the transaction this run follows (no identity in it)."""
        record = session.record
        number, service = record.transaction_number, record.service
        if not number or not service:
            raise ActionFailed(text("kiosk.nothing_to_rate"))
        reasons = session.value("reasons") if "reasons" in session.values else ""
        record.rating_key = record.rating_key or uuid.uuid4().hex
        try:
            rating = RatingIn(
                key=record.rating_key,
                transaction_number=number,
                service=service,
                stars=int(session.value("stars")),
                reasons=[r for r in reasons.split(",") if r],
                comment=session.value("comment") if "comment" in session.values else "",
            )
            self._outbox.add_rating(rating)
        except (ValueError, sqlite3.Error) as err:
            log.exception("rating not stored")
            raise ActionFailed(text("kiosk.rating_not_saved")) from err
        self._on_submitted()
        return "ok"

    def receipt_url(self, number: str) -> str:
        """The public status page of a transaction: what the receipt QR (paper or screen) opens."""
        return f"{self.station.controller_url.rstrip('/')}/r/{number}"

    def receipt_for(self, session: Session) -> Receipt:
        """The receipt of this run, with personal data masked."""
        ident = session.identity
        record = session.record
        number = record.transaction_number or ""
        rows: list[KeyValue] = [
            KeyValue("办理事项", self.flow.title.zh),
            KeyValue("办件编号", number),
            KeyValue("办理时间", record.submitted_at or ""),
        ]
        if ident is not None:
            rows += [
                KeyValue("姓名", ident.name.masked()),
                KeyValue("身份证号", ident.id_number.masked()),
            ]
        # The flow's non-personal answers (coded choices, dates, a bundle's services, the
        # item chosen), then personal answers masked (phone, bank account).
        rows += [KeyValue(label, value) for label, value in receipt_rows(self.flow, session)]
        rows += [
            KeyValue(spec.label.zh, value.masked())
            for spec in self._personal_fields()
            if isinstance(value := session.values.get(spec.name), Sensitive)
            and spec.kind in _MASKED_ON_RECEIPTS
        ]
        return Receipt(
            job_id=record.transaction_key or number,
            blocks=(
                Title("就业服务回执"),
                Line(self.station.name, align="center"),
                Rule(),
                *rows,
                Rule(),
                Line("扫码查询办理进度", align="center"),
                QrCode(self.receipt_url(number)),
                Line("请妥善保管本回执，凭办件编号查询进度。", align="center"),
                Cut(),
            ),
        )

    def _personal_fields(self) -> list[FieldSpec]:
        return [f for step in self.flow.steps.values() for f in step.fields if f.personal]

    def print_slip(self, session: Session) -> str:
        """Print the chosen item (a job, an appointment) with its QR, once per item."""
        item = session.current_item()
        if item is None:
            raise ActionFailed(text("kiosk.nothing_chosen"))
        record = session.record
        if item.id in record.slips_printed:
            return "ok"
        if self._printer is None:
            raise ActionFailed(text("kiosk.no_printer"))
        number = record.transaction_number
        qr = self.receipt_url(number) if number else item.qr
        blocks: list[Block] = [
            Title(f"{self.flow.title.zh}凭条"),
            Line(self.station.name, align="center"),
            Rule(),
        ]
        if number:
            blocks.append(KeyValue("办件编号", number))
        blocks.append(KeyValue("所选", item.title.zh))
        blocks += [KeyValue(label.zh, value.zh) for label, value in item.rows]
        if qr:
            blocks += [Rule(), Line("扫码查看详情", align="center"), QrCode(qr)]
        blocks.append(Cut())
        record.slip_key = record.slip_key or uuid.uuid4().hex
        job = f"slip-{record.slip_key}-{item.id}"
        try:
            self._printer.print(Receipt(job_id=job, blocks=tuple(blocks)), job)
        except DriverError as err:
            log.info("slip not printed error=%s", type(err).__name__)
            raise ActionFailed(for_error(err)) from err
        record.slips_printed.add(item.id)
        return "ok"

    def print_receipt(self, session: Session) -> str:
        """Print the receipt once per transaction, however often the step is retried."""
        record = session.record
        if record.receipt_printed:
            return "ok"
        if self._printer is None:
            raise ActionFailed(text("kiosk.no_printer"))
        number = record.transaction_number
        if number is None:
            raise ActionFailed(text("kiosk.nothing_to_print"))
        try:
            files = self._printer.print(self.receipt_for(session), number)
        except DriverError as err:
            log.info("receipt not printed number=%s error=%s", number, type(err).__name__)
            raise ActionFailed(for_error(err)) from err
        record.receipt_printed = True
        if files is not None:
            record.receipt_file = str(files.escpos)
            if files.preview is not None:
                record.receipt_preview = str(files.preview)
        return "ok"


# Actions of the flow vocabulary this kiosk cannot do at all, and why. The engine treats
# their steps like steps whose device is missing (replaced by a fallback, or not offered);
# tests/kiosk/test_bindings.py checks that these plus RunActions.bound() are the whole
# vocabulary.
UNSUPPORTED: dict[str, str] = {
    ActionName.SCAN_E_SOCIAL_CARD: (
        "the payload format of the electronic social security card QR code is not "
        "published, so no identity can be derived from it; the camera driver keeps the raw "
        "payload for when it is"
    ),
}
