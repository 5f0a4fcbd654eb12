"""Sealing personal data at rest with AES-256-GCM, and keyed hashes for look-ups.

A sealed blob is `version(1) | nonce(12) | ciphertext+tag`; the associated data binds a blob
to its row so a blob copied to another row does not open.

Key files are written durably (file and folder synced before use: a power cut right after
the first transaction must not leave sealed rows and no key). A key is rotated in steps
that each survive a crash: the new key is written beside the old, the old one is renamed
`<name>.old`, the new one takes the name; until the `.old` file is removed, a Sealer loaded
from the path opens what either key sealed (and seals with the new one).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from typing import TYPE_CHECKING

from pii.errors import SealError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = 1
_KEY_BYTES = 32


class Sealer:
    """Seals and opens small values with one 256-bit key."""

    def __init__(self, key: bytes, previous: Sealer | None = None) -> None:
        if len(key) != _KEY_BYTES:
            raise SealError("a sealing key has 32 bytes")
        # The cipher (and cryptography with it) is made for the first seal or open: a
        # kiosk's outbox opens at start, and its menu (the cold start) seals nothing.
        self._key = key
        self._cipher: AESGCM | None = None
        self._hash_key = hashlib.sha256(b"e-station lookup hash" + key).digest()
        # The key this one replaced, while a rotation is unfinished: opens, never seals.
        self.previous = previous

    @classmethod
    def from_key_file(cls, path: Path) -> Sealer:
        """Load the key at `path`, creating it (mode 0600, durably) on first use; with the
        key of an unfinished rotation (`<path>.old`) as `previous`."""
        if not path.exists():
            write_key_file(path, new_key())
        old = old_key_path(path)
        previous = cls(old.read_bytes()) if old.exists() else None
        return cls(path.read_bytes(), previous)

    @property
    def _aead(self) -> AESGCM:
        if self._cipher is None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._cipher = AESGCM(self._key)
        return self._cipher

    def seal(self, plaintext: str, associated: bytes = b"") -> bytes:
        """Encrypt `plaintext`; `associated` must be given again to open it."""
        nonce = os.urandom(12)
        return (
            bytes([_VERSION])
            + nonce
            + self._aead.encrypt(nonce, plaintext.encode("utf-8"), associated)
        )

    def open(self, blob: bytes, associated: bytes = b"") -> str:
        """Decrypt a blob made by seal() or raise SealError."""
        if len(blob) < 1 + 12 + 16 or blob[0] != _VERSION:
            raise SealError("not a sealed value of a known version")
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(blob[1:13], blob[13:], associated).decode("utf-8")
        except InvalidTag as err:
            if self.previous is not None:
                return self.previous.open(blob, associated)
            raise SealError("sealed value was altered or the key is wrong") from err

    def lookup_hash(self, value: str) -> str:
        """A keyed hash of `value` for equality look-ups without storing it in clear."""
        return hmac.new(self._hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def new_key() -> bytes:
    """A new random 256-bit key (what AESGCM.generate_key makes: os.urandom's bytes)."""
    return os.urandom(_KEY_BYTES)


def old_key_path(path: Path) -> Path:
    """Where the replaced key waits while a rotation is unfinished."""
    return path.with_name(path.name + ".old")


def write_key_file(path: Path, key: bytes) -> None:
    """Write a key file (mode 0600) durably: a temporary file synced, renamed into place,
    and the folder synced, so the name points at the whole key or at nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    _sync_folder(path.parent)


def begin_rotation(path: Path) -> Sealer:
    """Replace the key at `path` by a new one; return a Sealer of the new key that still
    opens what the old one sealed. Call `end_rotation` once everything is sealed again."""
    if old_key_path(path).exists():
        # A rotation was cut short: its new key may already seal rows. Finish that one
        # (seal everything again with it) rather than start another.
        return Sealer.from_key_file(path)
    os.replace(path, old_key_path(path))
    _sync_folder(path.parent)
    write_key_file(path, new_key())
    return Sealer.from_key_file(path)


def end_rotation(path: Path) -> None:
    """Forget the replaced key (everything it sealed has been sealed again)."""
    old_key_path(path).unlink(missing_ok=True)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
