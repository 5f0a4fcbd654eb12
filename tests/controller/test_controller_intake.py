"""Transactions at rest: sealed personal data, exactly-once storage under concurrency."""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from controller.settings import Settings
from pii import Sealer, SealError, mask_id_number
from tests.controller.controller_testkit import (
    ID_NUMBER,
    NAME,
    OTHER_ID_NUMBER,
    PHONE,
    post_json,
    rows,
    transaction,
)


def _database_bytes(settings: Settings) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(settings.data_dir.glob("controller.db*")))


def test_sealed_citizen_has_no_id_number_bytes_and_opens_with_the_key(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    post_json(client, "/transactions", transaction(key="a" * 32), token)
    post_json(client, "/transactions", transaction(key="b" * 32, number="KA01-2611260002"), token)
    ((blob_a, key_a), (blob_b, _)) = rows(
        settings, "SELECT citizen_sealed, key FROM transactions ORDER BY key"
    )
    assert ID_NUMBER.encode() not in blob_a
    assert NAME.encode() not in blob_a

    sealer = Sealer.from_key_file(settings.sealing_key_path)
    assert json.loads(sealer.open(blob_a, key_a.encode())) == {
        "document": "resident",
        "id_number": ID_NUMBER,
        "name": NAME,
    }
    # A blob copied onto another row does not open there.
    with pytest.raises(SealError):
        sealer.open(blob_b, key_a.encode())


def test_the_database_files_hold_no_clear_personal_data(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    post_json(client, "/transactions", transaction(), token)
    stored = _database_bytes(settings)
    for secret in (ID_NUMBER, NAME, PHONE):
        assert secret.encode() not in stored
    (row,) = rows(settings, "SELECT id_masked, name_masked, field_names FROM transactions")
    assert row == (mask_id_number(ID_NUMBER), "测**", '["phone"]')


def test_sealed_fields_open_back(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    post_json(client, "/transactions", transaction(), token)
    ((blob, key),) = rows(settings, "SELECT fields_sealed, key FROM transactions")
    sealer = Sealer.from_key_file(settings.sealing_key_path)
    assert json.loads(sealer.open(blob, key.encode() + b"|fields")) == {"phone": PHONE}


def test_the_lookup_hash_finds_a_citizens_transactions_without_the_number(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    post_json(client, "/transactions", transaction(key="a" * 32), token)
    other = {"id_number": OTHER_ID_NUMBER, "name": "测试乙"}
    second = transaction(key="b" * 32, number="KA01-2611260002", citizen=other)
    answer = post_json(client, "/transactions", second, token)
    assert answer.status_code == 201
    sealer = Sealer.from_key_file(settings.sealing_key_path)
    query = "SELECT key FROM transactions WHERE id_lookup = ?"
    found = rows(settings, query, sealer.lookup_hash(ID_NUMBER))
    assert found == [("a" * 32,)]


def test_creation_time_is_stored_in_utc(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    post_json(client, "/transactions", transaction(created_at="2026-11-26T10:00:00+08:00"), token)
    assert rows(settings, "SELECT created_at FROM transactions")[0][0].startswith(
        "2026-11-26 02:00:00"
    )


def test_twenty_concurrent_posts_of_one_key_store_exactly_one_row(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    start = threading.Barrier(20)

    def post(_: int) -> tuple[int, bool]:
        start.wait(timeout=10)
        answer = post_json(client, "/transactions", transaction(), token)
        return answer.status_code, answer.json()["duplicate"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(post, range(20)))

    assert sorted(results) == [(200, True)] * 19 + [(201, False)]
    assert rows(settings, "SELECT count(*) FROM transactions") == [(1,)]


def test_logs_never_hold_personal_data(
    client: TestClient, device: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, token = device
    caplog.set_level(logging.DEBUG)
    post_json(client, "/transactions", transaction(), token)
    post_json(client, "/transactions", transaction(), token)
    post_json(client, "/transactions", transaction(number="KA01-2611269999"), token)
    bad = transaction(citizen={"id_number": ID_NUMBER, "name": NAME, "extra": 1}, key="c" * 32)
    post_json(client, "/transactions", bad, token)
    assert "transaction_stored" in caplog.text
    assert "transaction_key_conflict" in caplog.text
    for secret in (ID_NUMBER, NAME, PHONE, token):
        assert secret not in caplog.text
