"""Version-1 messages a citizen's visit makes: transactions, booking holds, ratings, staff
calls and the citizen's own applications. The protocol is described in wire/v1.py."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import (
    Field,
    StringConstraints,
    model_validator,
)

from pii import DocumentType, InvalidIdNumber, validate_document_number
from wire.base import (
    ItemId,
    Key,
    KioskTime,
    Message,
)
from wire.codes import (
    BOOKABLE_SOURCES,
    MAX_ANSWER_CHARACTERS,
    ContentSource,
    StaffCallReason,
)
from wire.content import (
    Code,
    Text,
)


class _Identified(Message):
    """A message carrying an ID number of `document`, checked and normalised on arrival."""

    document: DocumentType = DocumentType.RESIDENT
    id_number: str

    @model_validator(mode="after")
    def _valid_number(self) -> _Identified:
        try:
            # The kiosk checked the county of a typed number against its own table, and a
            # chip's number is the card's own: the controller, whose table may be older,
            # must not refuse (and so lose) what a kiosk accepted.
            number = validate_document_number(self.document, self.id_number, check_county=False)
        except InvalidIdNumber as err:
            raise ValueError(f"id_number: {err}") from err
        if number != self.id_number:
            object.__setattr__(self, "id_number", number)  # frozen: normalise once, here
        return self


class Citizen(_Identified):
    """Who a transaction is for. Sealed at rest on both sides; masked on every screen.

    `id_number` is the number of `document`: a resident ID number, or the number of a
    Hong Kong/Macau/Taiwan residence permit or a foreigner's permanent residence card.
    """

    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]

    def __repr__(self) -> str:
        # Never let a traceback or log line carry the number or name in clear.
        return "Citizen(<personal data>)"

    __str__ = __repr__


_SERVICE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")

ServiceCode = Annotated[str, StringConstraints(pattern=_SERVICE.pattern)]

# `<kiosk_id>-<yymmdd><seq>`, as kiosk/outbox.py next_number makes it; the controller takes
# a number only from the kiosk it names, and each number once.
TransactionNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{6,32}$")]

# What the receipt's QR adds to the public status page's link (`/r/<number>?k=<key>`), so
# that knowing or guessing a number is not enough to read its page: 10 base32 characters
# (50 bits) from `secrets`, made by the kiosk, stored by the controller only as a keyed hash.
ReceiptKey = Annotated[str, StringConstraints(pattern=r"^[A-Z2-7]{10}$")]

# How the citizen was identified (flows/actions.py IDENTITY_METHODS): a code, never text.
IdentityMethod = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]

FieldName = Annotated[str, StringConstraints(max_length=64)]

FieldValue = Annotated[str, StringConstraints(max_length=2000)]

Fields = Annotated[dict[FieldName, FieldValue], Field(max_length=64)]


class TransactionItem(Message):
    """One service of a bundle (一件事) with the answers that go to it."""

    service: ServiceCode
    fields: Fields = Field(default_factory=dict)

    def __repr__(self) -> str:
        return f"TransactionItem(service={self.service!r})"

    __str__ = __repr__


class TransactionIn(Message):
    """One completed self-service transaction. `key` makes a retry a no-op on the controller.

    A bundle sends one transaction (one key, one number, one receipt) with an entry per
    service in `items`. `selected` names the item chosen in each list (the training class,
    the job fair, the appointment slot); `holds` the hold taken for each bookable choice
    (see the module docstring).
    """

    key: Key
    number: TransactionNumber
    service: ServiceCode
    created_at: KioskTime
    identity_method: IdentityMethod
    citizen: Citizen
    fields: Fields = Field(default_factory=dict)
    items: list[TransactionItem] = Field(default_factory=list, max_length=16)
    selected: dict[ContentSource, ItemId] = Field(default_factory=dict)
    holds: dict[ContentSource, Key] = Field(default_factory=dict)
    # Optional only so that transactions queued by an older kiosk still arrive; one sent
    # without it has no public status page.
    receipt_key: ReceiptKey | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TransactionIn:
        services = [item.service for item in self.items]
        if len(set(services)) != len(services):
            raise ValueError("items: each service at most once")
        for source in self.holds:
            if source not in BOOKABLE_SOURCES:
                raise ValueError(f"holds: {source.value} is not booked with a hold")
            if source not in self.selected:
                raise ValueError(f"holds: {source.value} has a hold but nothing selected")
        answers = [self.fields, *(item.fields for item in self.items)]
        if sum(len(v) for fields in answers for v in fields.values()) > MAX_ANSWER_CHARACTERS:
            raise ValueError(f"fields: at most {MAX_ANSWER_CHARACTERS} characters of answers")
        return self

    def __repr__(self) -> str:
        return f"TransactionIn(number={self.number!r}, service={self.service!r})"

    __str__ = __repr__


class TransactionAck(Message):
    """Stored, exactly once. `duplicate` is true when the key had been seen before."""

    key: Key
    number: str
    duplicate: bool


# -- booking ---------------------------------------------------------------------------


class HoldRequest(Message):
    """Hold one place of a bookable item for HOLD_MINUTES; `key` makes a retry a no-op."""

    key: Key
    source: ContentSource
    item_id: ItemId

    @model_validator(mode="after")
    def _bookable(self) -> HoldRequest:
        if self.source not in BOOKABLE_SOURCES:
            raise ValueError(f"source: {self.source.value} has no places to hold")
        return self


class HoldResponse(Message):
    """A place is held until `expires_at`; a transaction naming `hold_id` confirms it."""

    hold_id: Key
    source: ContentSource
    item_id: ItemId
    expires_at: dt.datetime


# -- ratings (好差评) -------------------------------------------------------------------

Stars = Annotated[int, Field(ge=1, le=5, strict=True)]


class RatingIn(Message):
    """A citizen's rating of one transaction; linked to its number, never to a person.

    `reasons` are codes of the rating flow's list and only come with 1 or 2 stars.
    """

    key: Key
    transaction_number: TransactionNumber
    service: ServiceCode
    stars: Stars
    reasons: list[Code] = Field(default_factory=list, max_length=16)
    comment: Annotated[str, StringConstraints(max_length=200)] = ""

    @model_validator(mode="after")
    def _reasons_with_low_stars(self) -> RatingIn:
        if self.reasons and self.stars > 2:
            raise ValueError("reasons: only given with 1 or 2 stars")
        if len(set(self.reasons)) != len(self.reasons):
            raise ValueError("reasons: each reason at most once")
        return self

    def __repr__(self) -> str:
        # The comment is free text a citizen typed; keep it out of logs.
        return f"RatingIn(transaction_number={self.transaction_number!r}, stars={self.stars})"

    __str__ = __repr__


class RatingAck(Message):
    """Stored, exactly once. `duplicate` is true when the key had been seen before."""

    key: Key
    transaction_number: str
    duplicate: bool


# -- a citizen asks for a person ---------------------------------------------------------


class StaffCallIn(Message):
    """A citizen at the kiosk asked for staff: the controller raises a staff_called alert.

    Sent through the outbox like a transaction (`key` makes a retry a duplicate). `screen`
    says where the citizen was (a flow and step id, `menu`), never who they are.
    """

    key: Key
    created_at: KioskTime
    reason: StaffCallReason
    screen: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.:-]{1,80}$")] = "menu"


class StaffCallAck(Message):
    """Recorded, exactly once. `duplicate` is true when the key had been seen before."""

    key: Key
    duplicate: bool


# -- the citizen's own applications ----------------------------------------------------


class MyApplicationsRequest(_Identified):
    """A citizen, identified at the kiosk, asks for their own transactions.

    Sent only over the kiosk's authenticated channel. `identity_method` says how the
    number was obtained: the controller answers only for a number read from a card or
    scanned, never for one typed in, which could be anyone's.
    """

    identity_method: IdentityMethod

    def __repr__(self) -> str:
        return f"MyApplicationsRequest(identity_method={self.identity_method!r})"

    __str__ = __repr__


class Application(Message):
    """One of the citizen's transactions: what, when, and where it stands. Nothing else.

    When staff returned or rejected it, `status_text` carries the reason after the status
    (退回补正：缺少所需材料……), so every kiosk release shows it without a new field.
    """

    number: str
    service: str
    title: Text
    created_at: dt.datetime
    status: Annotated[str, StringConstraints(max_length=32)]
    status_text: Text
    status_at: dt.datetime | None = None


class MyApplicationsResponse(Message):
    """The citizen's transactions, newest first."""

    applications: list[Application] = Field(default_factory=list, max_length=200)
