"""The receipt key: made per transaction, sent with it, and carried by the receipt's link.

The controller's status page answers only to it (tests/controller/test_controller_receipt.py);
here, the kiosk makes one, keeps it across a retry and puts it in the QR's link only.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows import Identity, RunRecord, Session, load_builtin_catalog
from kiosk.actions.station import Station, new_receipt_key
from kiosk.actions.submission import Submitting
from kiosk.outbox import Outbox
from pii import Sealer, Sensitive, mask_name
from tests.controller.controller_testkit import ID_NUMBER, NAME
from tests.support.clock import FakeClock
from wire import RECEIPT_KEY_LENGTH, TransactionIn

STATION = Station(lambda: "KA01", "测试e站", "https://e.example.cn/", ZoneInfo("Asia/Shanghai"))
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
FLOW = next(
    s.flow for s in load_builtin_catalog().services if s.flow.id == "employment_registration"
)


def test_a_receipt_key_is_ten_random_base32_characters_the_wire_takes() -> None:
    keys = {new_receipt_key() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert re.fullmatch(r"[A-Z2-7]{10}", key)
        assert len(key) == RECEIPT_KEY_LENGTH
    # Every character position varies: the key is not a counter or a padded value.
    for position in range(RECEIPT_KEY_LENGTH):
        assert len({key[position] for key in keys}) > 8


def test_the_receipt_link_carries_the_key() -> None:
    assert STATION.receipt_url("KA01-2611260001", "ABCDEFGHJK") == (
        "https://e.example.cn/r/KA01-2611260001?k=ABCDEFGHJK"
    )


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.db", Sealer(b"k" * 32), clock=FakeClock())


def _session() -> Session:
    session = Session()
    session.identity = Identity("id_card", Sensitive(ID_NUMBER), Sensitive(NAME, mask_name))
    return session


def _submit(outbox: Outbox, session: Session) -> None:
    submitting = Submitting(FLOW, STATION, outbox, on_submitted=lambda: None, now=lambda: NOW)
    assert submitting.submit(session) == "ok"


def _queued(outbox: Outbox) -> list[TransactionIn]:
    return outbox.claim_due()


def test_submit_sends_the_key_and_links_the_receipt_to_it(outbox: Outbox) -> None:
    session = _session()
    _submit(outbox, session)
    record = session.record
    [txn] = _queued(outbox)
    assert record.receipt_key is not None
    assert txn.receipt_key == record.receipt_key
    assert record.receipt_url == (
        f"https://e.example.cn/r/{record.transaction_number}?k={record.receipt_key}"
    )


def test_a_retried_submit_keeps_its_receipt_key(outbox: Outbox) -> None:
    session = _session()
    _submit(outbox, session)
    first = (session.record.receipt_key, session.record.receipt_url)
    _submit(outbox, session)
    assert (session.record.receipt_key, session.record.receipt_url) == first
    assert [t.receipt_key for t in _queued(outbox)] == [first[0]]


def test_each_transaction_gets_its_own_key(outbox: Outbox) -> None:
    one, two = _session(), _session()
    _submit(outbox, one)
    _submit(outbox, two)
    assert one.record.receipt_key != two.record.receipt_key


def test_the_key_survives_a_resume_snapshot_but_not_the_handover_to_a_rating() -> None:
    record = RunRecord(transaction_number="KA01-2611260001", receipt_key="ABCDEFGHJK")
    assert RunRecord.from_snapshot(record.snapshot()).receipt_key == "ABCDEFGHJK"
    assert record.handover("rating").receipt_key is None


def test_a_transaction_logs_no_receipt_key(
    outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    session = _session()
    _submit(outbox, session)
    assert session.record.receipt_key
    assert session.record.receipt_key not in caplog.text
    [txn] = _queued(outbox)
    assert session.record.receipt_key not in repr(txn)
