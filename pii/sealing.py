"""Sealing personal data at rest with AES-256-GCM, and keyed hashes for look-ups.

A sealed blob is `version(1) | nonce(12) | ciphertext+tag`; the associated data binds a blob
to its row so a blob copied to another row does not open.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pii.errors import SealError

_VERSION = 1
_KEY_BYTES = 32


class Sealer:
    """Seals and opens small values with one 256-bit key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != _KEY_BYTES:
            raise SealError("a sealing key has 32 bytes")
        self._aead = AESGCM(key)
        self._hash_key = hashlib.sha256(b"e-station lookup hash" + key).digest()

    @classmethod
    def from_key_file(cls, path: Path) -> Sealer:
        """Load the key at `path`, creating it (mode 0600) on first use."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(AESGCM.generate_key(bit_length=256))
        return cls(path.read_bytes())

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
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], associated).decode("utf-8")
        except InvalidTag as err:
            raise SealError("sealed value was altered or the key is wrong") from err

    def lookup_hash(self, value: str) -> str:
        """A keyed hash of `value` for equality look-ups without storing it in clear."""
        return hmac.new(self._hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()
