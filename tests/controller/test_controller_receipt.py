"""The public status page `/r/<number>?k=<key>`: only the receipt key opens it, limited per address.

A number is sequential and printed, shown and said aloud; the receipt key is random and
only in the QR. Without the right key the page is the very 404 of an unknown number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from controller.db import Database
from controller.migrations import alembic_config
from controller.services.intake import receipt_page_limiter
from controller.settings import Settings
from tests.controller.controller_testkit import (
    RECEIPT_KEY,
    post_json,
    receipt,
    rows,
    teach_catalog,
    transaction,
)

NUMBER = "KA01-2611260001"
PAGE_BURST = receipt_page_limiter().burst


@pytest.fixture
def stored(client: TestClient, device: tuple[str, str]) -> str:
    """One transaction with the test receipt key, and one sent without any key."""
    _, token = device
    teach_catalog(client, token)
    assert post_json(client, "/transactions", transaction(), token).status_code == 201
    keyless = transaction(key="b" * 32, number="KA01-2611260002", receipt_key=None)
    assert post_json(client, "/transactions", keyless, token).status_code == 201
    return token


def _unknown_page(client: TestClient, number: str) -> str:
    """The 404 page of a number nobody used, with `number` written where it shows that one."""
    page = client.get(receipt("KA01-2611269999"))
    assert page.status_code == 404
    return page.text.replace("KA01-2611269999", number)


def test_the_receipt_key_opens_the_page(client: TestClient, stored: str) -> None:
    page = client.get(receipt(NUMBER))
    assert page.status_code == 200
    assert "已收到" in page.text
    assert "就业登记" in page.text


@pytest.mark.parametrize(
    "path",
    [
        f"/r/{NUMBER}",  # the number alone
        f"/r/{NUMBER}?k=",
        f"/r/{NUMBER}?k=ABCDEFGHJ",  # one character short
        f"/r/{NUMBER}?k=ABCDEFGHJL",  # one character off
        f"/r/{NUMBER}?k=abcdefghjk",  # keys are upper case
        f"/r/{NUMBER}?k={RECEIPT_KEY}{RECEIPT_KEY}",
        f"/r/{NUMBER}?key={RECEIPT_KEY}",
    ],
)
def test_without_the_right_key_the_page_is_the_404_of_an_unknown_number(
    client: TestClient, stored: str, path: str
) -> None:
    page = client.get(path)
    assert page.status_code == 404
    assert page.text == _unknown_page(client, NUMBER)
    assert "就业登记" not in page.text


def test_a_transaction_sent_without_a_receipt_key_has_no_public_page(
    client: TestClient, stored: str
) -> None:
    for path in ("/r/KA01-2611260002", receipt("KA01-2611260002"), "/r/KA01-2611260002?k=None"):
        page = client.get(path)
        assert page.status_code == 404
        assert page.text == _unknown_page(client, "KA01-2611260002")


def test_one_transactions_key_does_not_open_another(
    client: TestClient, stored: str, settings: Settings
) -> None:
    other = transaction(key="c" * 32, number="KA01-2611260003", receipt_key="ZZZZZZZZZZ")
    assert post_json(client, "/transactions", other, stored).status_code == 201
    assert client.get(receipt("KA01-2611260003", "ZZZZZZZZZZ")).status_code == 200
    assert client.get(receipt("KA01-2611260003")).status_code == 404
    assert client.get(receipt(NUMBER, "ZZZZZZZZZZ")).status_code == 404


def test_the_controller_keeps_no_receipt_key_in_clear(
    client: TestClient, stored: str, settings: Settings
) -> None:
    if not settings.database_url.startswith("sqlite"):
        stored_rows = rows(settings, "SELECT CAST(t AS TEXT) FROM transactions t")
        assert stored_rows
        assert not any(RECEIPT_KEY in row[0] for row in stored_rows)
        return
    files = sorted(settings.data_dir.glob("controller.db*"))
    assert files
    for path in files:
        assert RECEIPT_KEY.encode() not in path.read_bytes()


@pytest.mark.parametrize("receipt_key", ["ABCDEFGHJ", "ABCDEFGHJKL", "abcdefghjk", "ABCDEFGH01"])
def test_a_malformed_receipt_key_is_422(
    client: TestClient, device: tuple[str, str], receipt_key: str
) -> None:
    answer = post_json(client, "/transactions", transaction(receipt_key=receipt_key), device[1])
    assert answer.status_code == 422
    assert "receipt_key" in answer.json()["error"]


def _from(client: TestClient, address: str) -> TestClient:
    return TestClient(client.app, client=(address, 40000))


def test_the_page_is_limited_per_client_address(client: TestClient, stored: str) -> None:
    walker = _from(client, "198.51.100.7")
    answers: list[Any] = [walker.get(f"/r/KA01-26112600{n:02d}") for n in range(PAGE_BURST)]
    assert {a.status_code for a in answers} == {404}
    limited = walker.get(receipt(NUMBER))  # even the right key waits now
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert "秒后再试" in limited.text
    assert "就业登记" not in limited.text
    # Another address is served as before.
    assert _from(client, "203.0.113.9").get(receipt(NUMBER)).status_code == 200


def test_the_limit_refills_with_time(client: TestClient, stored: str, clock: Any) -> None:
    walker = _from(client, "198.51.100.7")
    for _ in range(PAGE_BURST):
        walker.get(receipt(NUMBER))
    assert walker.get(receipt(NUMBER)).status_code == 429
    clock.advance(1)
    assert walker.get(receipt(NUMBER)).status_code == 200


def test_revision_0002_adds_the_receipt_key_and_skew_columns_to_an_existing_database(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = Database(url)
    try:
        with database.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0001")
            conn.exec_driver_sql(
                "INSERT INTO kiosks (id, kiosk_id, hardware_id, name, site, software_version,"
                " token_hash, registered_at, status, devices, outbox_pending) VALUES"
                " (1, 'KA01', 'hw', 'n', '', '', 'h', '2026-11-26 10:00:00', 'idle', '{}', 0)"
            )
        database.migrate()
        present = {
            f"{table}.{column['name']}"
            for table in ("kiosks", "transactions")
            for column in inspect(database.engine).get_columns(table)
        }
        assert {"transactions.receipt_key_hash", "kiosks.clock_skew_seconds"} <= present
        with database.engine.connect() as conn:
            skew = conn.exec_driver_sql("SELECT clock_skew_seconds FROM kiosks").scalar_one()
        # Nothing measured yet.
        assert skew is None
    finally:
        database.dispose()
