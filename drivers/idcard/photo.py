"""Turning a card's raw "wlt" photo into an image, behind a pluggable decoder.

The 1024 photo bytes of a read are in a proprietary compressed format; only the reader
vendors' licensed libraries decode them (to a 102x126 BMP). This project ships the
interface and a decoder that decodes nothing, never a guessed one: a wrong picture next
to a citizen's name is worse than none. A kiosk with a licence plugs its vendor library
in by writing a class with the same `decode` method.
"""

from __future__ import annotations

import logging
from typing import Protocol

from drivers.idcard.card import IdCard
from drivers.idcard.errors import CardDataError

log = logging.getLogger(__name__)


class PhotoDecoder(Protocol):
    """Anything that turns wlt bytes into image bytes (BMP), or None if it cannot."""

    def decode(self, wlt: bytes) -> bytes | None:
        """Return the decoded image, or None when this decoder cannot decode `wlt`."""
        ...


class NoPhotoDecoder:
    """The default: decodes nothing, because that needs a licensed vendor library."""

    reason = (
        "decoding an ID card photo (wlt) needs the reader vendor's licensed library; "
        "none is configured"
    )

    def decode(self, wlt: bytes) -> bytes | None:
        """Always None; see `reason`."""
        return None


def decode_photo(card: IdCard, decoder: PhotoDecoder) -> bytes | None:
    """Decode a card's photo with `decoder`; None if there is none or it cannot.

    A vendor library that fails raises CardDataError, so the kiosk needs to catch only
    the driver's errors.
    """
    if not card.photo:
        return None
    try:
        return decoder.decode(card.photo)
    except Exception as err:  # a foreign library: anything may come out of it
        log.warning("idcard_photo_decode_failed error=%s", type(err).__name__)
        raise CardDataError("photo", "the photo decoder failed") from err
