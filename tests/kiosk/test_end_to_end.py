"""Controller process + kiosk on simulated hardware, every hop real: pty, HTTP, SQLite."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from devkit.demo import write_kiosk_config
from devkit.scripted import registration_script, walk_kiosk
from drivers.idcard.fixtures import FIXTURES
from flows.walker import WalkError
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from kiosk.outbox import Limits, State
from pii import mask_id_number
from tests.support.clock import FakeClock
from tests.support.qr import read_qr
from tests.support.servers import ControllerProcess, SharedController, free_port
from wire import RatingIn

pytestmark = pytest.mark.e2e

# Registration without the rating that follows it: these tests count transactions.
ANSWERS = registration_script(dt.date.today(), stars=None)


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControllerProcess]:
    """One controller for the module: each test's kiosk has a hardware id of its own
    (`make_kiosk`), so its kiosk id, transaction numbers and rows are its own."""
    proc = SharedController(tmp_path_factory.mktemp("controller"), port=free_port())
    proc.wait_ready()
    yield proc
    proc.stop()


def make_kiosk(
    tmp_path: Path,
    controller: ControllerProcess,
    clock: FakeClock | None = None,
    wall: Callable[[], dt.datetime] | None = None,
) -> Kiosk:
    """The demo's kiosk on `controller`, with a pairing code issued there (as a technician
    does; a kiosk enrolled before keeps its credential and does not use it). Its hardware id
    is the test's own: a controller may be shared by a module's tests."""
    url, code = controller.wait_ready(), controller.pairing_code("e2e")
    path = write_kiosk_config(
        tmp_path / "kiosk.toml", url, code, f"e2e-{tmp_path.name}", social_card_reader="none"
    )
    config = load_config(path)
    clock = clock or FakeClock(1_000_000.0)
    return build_kiosk(config, clock=clock, monotonic=clock, wall=wall)


def rows(controller: ControllerProcess, number: str) -> list[tuple[str, bytes]]:
    db = sqlite3.connect(controller.data_dir / "controller.db")
    try:
        return db.execute(
            "SELECT id_masked, citizen_sealed FROM transactions WHERE number = ?", (number,)
        ).fetchall()
    finally:
        db.close()


def test_a_registration_reaches_the_controller_exactly_once(tmp_path, controller) -> None:
    kiosk = make_kiosk(tmp_path, controller)
    kiosk.start(sync=False)
    try:
        result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        assert result.outcome == "completed"
        number = result.transaction_number
        assert number is not None
        assert kiosk.sync.drain() == 1
        stored = rows(controller, number)
        assert len(stored) == 1
        id_masked, sealed = stored[0]
        card = FIXTURES[0]
        assert id_masked == mask_id_number(card.id_number)
        assert card.id_number.encode() not in sealed
        assert card.name.encode() not in sealed
        # the receipt that came out of the (simulated) printer carries a readable QR
        assert kiosk.simulators.printer is not None
        assert kiosk.simulators.printer.wait_for_documents(1)
        paper = kiosk.simulators.printer.last_png()
        assert paper is not None
        text = read_qr(paper)
        assert text is not None
        assert text.endswith(f"/r/{number}?k={result.record.receipt_key}")
    finally:
        kiosk.close()


def test_a_resend_after_a_crash_is_stored_once(tmp_path, controller) -> None:
    kiosk = make_kiosk(tmp_path, controller)
    kiosk.start(sync=False)
    result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
    number = result.transaction_number
    assert number is not None
    # Send it, then die before the ack is written: the row stays in flight on disk.
    [txn] = kiosk.outbox.claim_due()
    ack = kiosk.client.send_transaction(txn, kiosk.enroller.ensure().device_token)
    assert ack.duplicate is False
    kiosk.close()

    again = make_kiosk(tmp_path, controller)
    again.start(sync=False)
    try:
        assert again.sync.drain() == 1  # the recovered row is sent a second time
        entry = again.outbox.entry(txn.key)
        assert entry is not None
        assert entry.state is State.ACKED
        assert len(rows(controller, number)) == 1
    finally:
        again.close()


def test_a_network_outage_loses_nothing(tmp_path: Path) -> None:
    port = free_port()
    first = ControllerProcess(tmp_path / "controller", port=port)
    clock = FakeClock(1_000_000.0)
    kiosk = make_kiosk(tmp_path, first, clock)
    kiosk.start(sync=False)  # enrolled while the controller was up
    first.stop()
    try:
        result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        assert result.outcome == "completed"  # the citizen is served while offline
        assert kiosk.sync.drain() == 0
        assert kiosk.outbox.counts()[State.PENDING] == 1
        assert not kiosk.sync.online

        second = ControllerProcess(tmp_path / "controller", port=port)
        try:
            second.wait_ready()
            assert kiosk.sync.drain() == 0  # still waiting out its back-off
            clock.advance(3600)
            assert kiosk.sync.drain() == 1
            assert len(rows(second, result.transaction_number or "")) == 1
        finally:
            second.stop()
    finally:
        kiosk.close()


def test_the_on_screen_receipt_link_is_the_public_status_page(tmp_path, controller) -> None:
    kiosk = make_kiosk(tmp_path, controller)
    kiosk.start(sync=False)
    try:
        result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        url = result.record.receipt_url
        key = result.record.receipt_key
        assert url == f"{controller.wait_ready()}/r/{result.transaction_number}?k={key}"
        kiosk.sync.drain()
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200
        assert "已收到" in page.text
        # The number alone (shown on screen, said aloud) does not open the page.
        bare = httpx.get(url.partition("?")[0], timeout=10)
        assert bare.status_code == 404
    finally:
        kiosk.close()


def test_a_rating_sent_before_its_transaction_waits_instead_of_failing(
    tmp_path, controller
) -> None:
    kiosk = make_kiosk(tmp_path, controller)
    kiosk.start(sync=False)
    try:
        result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        number = result.transaction_number
        assert number is not None
        rating = RatingIn(
            key="b" * 32, transaction_number=number, service="employment_registration", stars=4
        )
        kiosk.outbox.add_rating(rating)
        # Only the rating goes out first: the controller does not know its transaction yet.
        [txn] = kiosk.outbox.claim_due()
        assert kiosk.sync.drain() == 0
        entry = kiosk.outbox.entry(rating.key)
        assert entry is not None
        assert entry.state is State.PENDING  # waiting, not failed
        assert "404" in (entry.last_error or "")
        kiosk.outbox.mark_retry(txn.key, "test: hand it back", 0)
        kiosk.outbox.mark_retry(rating.key, "test: due now", 0)
        assert kiosk.sync.drain() == 2
    finally:
        kiosk.close()


def test_a_full_outbox_stops_new_applications_and_tells_the_citizen_why(
    tmp_path, controller
) -> None:
    kiosk = make_kiosk(tmp_path, controller)
    kiosk.start(sync=False)
    try:
        kiosk.outbox.limits = Limits(capacity=1)
        first = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        assert first.outcome == "completed"
        with pytest.raises(WalkError, match="submit_failed.*等待上传的申请已满"):
            walk_kiosk(kiosk, "employment_registration", ANSWERS)
        assert kiosk.outbox.counts()[State.PENDING] == 1  # the first is kept, untouched
    finally:
        kiosk.close()
