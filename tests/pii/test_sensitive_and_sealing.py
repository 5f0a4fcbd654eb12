from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from pii import Sealer, SealError, Sensitive
from pii.sealing import begin_rotation, end_rotation


def test_sensitive_never_prints_the_value() -> None:
    value = Sensitive("11010519491231002X")
    assert "19491231" not in repr(value)
    assert "19491231" not in f"{value}"
    assert value.reveal() == "11010519491231002X"


def test_wipe_zeroes_and_forgets() -> None:
    value = Sensitive("11010519491231002X")
    buf = value._buf
    value.wipe()
    assert value.wiped
    assert not buf
    with pytest.raises(ValueError, match="wiped"):
        value.reveal()


def test_sensitive_refuses_pickling() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Sensitive("x"))


def test_sealed_value_opens_only_with_the_same_row(tmp_path: Path) -> None:
    sealer = Sealer.from_key_file(tmp_path / "key")
    blob = sealer.seal("11010519491231002X", b"row-1")
    assert b"19491231" not in blob
    assert sealer.open(blob, b"row-1") == "11010519491231002X"
    with pytest.raises(SealError):
        sealer.open(blob, b"row-2")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(SealError):
        sealer.open(tampered, b"row-1")


def test_key_file_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "k" / "key"
    first = Sealer.from_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert Sealer.from_key_file(path).open(first.seal("a")) == "a"


def test_lookup_hash_is_stable_and_keyed() -> None:
    a, b = Sealer(b"\1" * 32), Sealer(b"\2" * 32)
    assert a.lookup_hash("x") == a.lookup_hash("x") != b.lookup_hash("x")


def test_a_key_file_is_created_once_private_and_whole(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "outbox.key"
    sealer = Sealer.from_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(path.read_bytes()) == 32
    assert not path.with_name("outbox.key.tmp").exists()
    blob = sealer.seal("测试", b"row")
    assert Sealer.from_key_file(path).open(blob, b"row") == "测试"


def test_a_rotated_key_opens_what_the_old_one_sealed_until_the_rotation_ends(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outbox.key"
    old_blob = Sealer.from_key_file(path).seal("旧", b"row")
    new = begin_rotation(path)
    assert new.open(old_blob, b"row") == "旧"
    new_blob = new.seal("新", b"row")
    # Cut short here: a restart loads both keys and may finish the same rotation.
    again = begin_rotation(path)
    assert again.open(new_blob, b"row") == "新"
    assert again.open(old_blob, b"row") == "旧"
    end_rotation(path)
    after = Sealer.from_key_file(path)
    assert after.open(new_blob, b"row") == "新"
    with pytest.raises(SealError):
        after.open(old_blob, b"row")
