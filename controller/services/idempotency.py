"""Telling a retry from a reused key: every kiosk message with a `key` goes through here."""

from __future__ import annotations

import hmac
import json
from typing import Any

from controller.services.errors import KeyConflict
from pii import Sealer


def body_hash(sealer: Sealer, kiosk_id: str, kind: str, body: dict[str, Any]) -> str:
    """A keyed hash of a message as a kiosk sent it, independent of key order and spacing.

    Keyed, because a plain hash of a body holding an ID number could be brute-forced back
    to the number.
    """
    canonical = json.dumps(
        {"kiosk_id": kiosk_id, kind: body},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return sealer.lookup_hash(canonical)


def check_repeat(
    what: str, key: str, *, stored: tuple[int, str], received: tuple[int, str]
) -> None:
    """Raise KeyConflict unless (kiosk, body hash) received match those stored for the key."""
    (stored_kiosk, stored_hash), (kiosk, received_hash) = stored, received
    if stored_kiosk != kiosk or not hmac.compare_digest(stored_hash, received_hash):
        raise KeyConflict(
            f"{what} key {key} was already used for a different {what};"
            f" a retry must resend the same body, a new {what} needs a new key"
        )
