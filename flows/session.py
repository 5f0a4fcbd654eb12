"""What one citizen's visit holds: who they are, what they answered, and the run record.

`Session` holds the personal part (identity, answers) and wipes it at every end. `RunRecord`
holds what actions hand to screens, receipts, the follow-on rating and the scripted walker:
the transaction's key and number, the receipt's link and files, the places held. It is
typed so that a value written by the kiosk's `submit` and read by the end screen is one
attribute mypy can see, not a string key written in one package and read in five. Nothing
in the record is personal; it may outlive the session on screen (the transaction number),
and the non-personal scalars of it go into a resume snapshot (`snapshot()`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from flows.content import Item
from flows.errors import SnapshotRefused
from pii import DocumentType, Sensitive


@dataclass
class Identity:
    """Who the citizen is and how we know."""

    method: str  # id_card, social_card, e_social_card, typed (flows/actions.py)
    id_number: Sensitive
    name: Sensitive
    # Which document `id_number` belongs to: a resident ID card, or a HK/Macau/Taiwan
    # residence permit or foreigner's permanent residence card read by the same reader.
    document: DocumentType = DocumentType.RESIDENT
    # The card read was past its validity period on the kiosk's date (read from the chip;
    # a typed number cannot say). Each identity step's flow data decides what that allows.
    expired: bool = False

    def wipe(self) -> None:
        """Forget the personal parts."""
        self.id_number.wipe()
        self.name.wipe()


@dataclass
class RunRecord:
    """What a run hands between actions, screens, receipts and scripts; nothing personal.

    Written by the kiosk's actions (flows/actions.py says which action writes what) and by
    the engine (a rating run starts with `service` and `transaction_number`, see
    FlowRun.follow_on).
    """

    # The transaction `submit` made: its idempotency key (a retry reuses it), its number
    # (shown, printed, handed to the rating) and when it was made, local time.
    transaction_key: str | None = None
    transaction_number: str | None = None
    submitted_at: str | None = None  # "YYYY-MM-DD HH:MM"
    # The random key that opens the transaction's public status page (wire.ReceiptKey,
    # sent with the transaction), and that page's link, which carries it: what the receipt
    # QR opens (paper or screen). Neither says anything about the citizen.
    receipt_key: str | None = None
    receipt_url: str | None = None
    # print_receipt: printed once; where the receipt's bytes and PNG preview went (file
    # printers and the simulator keep them).
    receipt_printed: bool = False
    receipt_file: str | None = None
    receipt_preview: str | None = None
    # A rating run: the service rated (the rated flow's id).
    service: str | None = None
    rating_key: str | None = None
    # hold_place: content source -> the hold id the controller gave (sent by submit), and
    # the request key per (source, item id), so a retry never takes a second place.
    holds: dict[str, str] = field(default_factory=dict)
    hold_keys: dict[tuple[str, str], str] = field(default_factory=dict)
    # print_slip: one key per run, and the items whose slip is printed already.
    slip_key: str | None = None
    slips_printed: set[str] = field(default_factory=set)

    def handover(self, service: str) -> RunRecord:
        """The record a follow-on run (the rating) starts with: the number and the service."""
        return RunRecord(transaction_number=self.transaction_number, service=service)

    def snapshot(self) -> dict[str, str]:
        """The text fields that are set, for a resume snapshot (holds are never saved)."""
        return {
            f.name: value
            for f in fields(self)
            if f.name in _SNAPSHOT_FIELDS and isinstance(value := getattr(self, f.name), str)
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, str]) -> RunRecord:
        """A record from `snapshot()` output; SnapshotRefused for anything else."""
        unknown = sorted(set(data) - _SNAPSHOT_FIELDS)
        if unknown:
            raise SnapshotRefused(f"the snapshot's record holds unknown fields {unknown}")
        record = cls()
        for name, value in data.items():
            setattr(record, name, str(value))  # every snapshot field is text
        return record


_SNAPSHOT_FIELDS = frozenset(
    {
        "transaction_key",
        "transaction_number",
        "submitted_at",
        "receipt_key",
        "receipt_url",
        "receipt_file",
        "receipt_preview",
        "service",
        "rating_key",
        "slip_key",
    }
)


@dataclass
class Session:
    """Everything one citizen's visit holds. Personal values are Sensitive and wiped at the end.

    `record` holds what may outlive the session on screen: a transaction number, a receipt
    link. `content` holds what fetching actions brought in (plain data; checked `Item`s once
    the engine has seen it) and `selected` the item chosen in each list: nothing personal,
    and dropped at the end like the rest.
    """

    identity: Identity | None = None
    values: dict[str, Sensitive | str] = field(default_factory=dict)
    record: RunRecord = field(default_factory=RunRecord)
    wiped: bool = False
    content: dict[str, object] = field(default_factory=dict)
    selected: dict[str, str] = field(default_factory=dict)  # source -> item id, latest last
    # source -> when the kiosk's kept copy shown was made ("YYYY-MM-DD HH:MM", Beijing), for
    # a list fetched while the controller could not be reached; absent for a live list.
    content_as_of: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        """A form value in clear, for actions that need it (submit)."""
        v = self.values[name]
        return v.reveal() if isinstance(v, Sensitive) else v

    def items(self, source: str) -> tuple[Item, ...]:
        """The checked items of a content source; empty before the engine has checked them."""
        held = self.content.get(source)
        if isinstance(held, tuple) and all(isinstance(i, Item) for i in held):
            return held
        return ()

    def current_source(self) -> str | None:
        """The content source of the item chosen last, if any."""
        return next(reversed(self.selected), None)

    def current_item(self) -> Item | None:
        """The item chosen last in any list (what print_slip prints), if any."""
        source = self.current_source()
        if source is None:
            return None
        return next((i for i in self.items(source) if i.id == self.selected[source]), None)

    def forget_hold(self, source: str) -> None:
        """A new choice or a new fetch of `source`: the place held before is not sent."""
        self.record.holds.pop(source, None)

    @property
    def holds_personal_data(self) -> bool:
        """True while an identity or a personal value is held."""
        return self.identity is not None or any(
            isinstance(v, Sensitive) for v in self.values.values()
        )

    def wipe(self) -> None:
        """Overwrite and drop every personal value."""
        if self.identity is not None:
            self.identity.wipe()
            self.identity = None
        for v in self.values.values():
            if isinstance(v, Sensitive):
                v.wipe()
        self.values.clear()
        self.content.clear()
        self.content_as_of.clear()
        self.selected.clear()
        self.wiped = True
