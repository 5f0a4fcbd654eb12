"""The photo decoder seam: raw wlt bytes kept, decoding only through a plugged-in decoder."""

from __future__ import annotations

import pytest

from drivers.idcard import CardDataError, NoPhotoDecoder, PhotoDecoder, decode_photo
from drivers.idcard.card import parse_read_reply
from drivers.idcard.fixtures import FIXTURES

JIA = FIXTURES[0]


class RecordingDecoder:
    """A stand-in for a licensed vendor library: returns fixed bytes, remembers its input."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def decode(self, wlt: bytes) -> bytes | None:
        self.seen.append(wlt)
        return b"BM-not-a-real-image"


class CrashingDecoder:
    """A vendor library that fails the way foreign code does."""

    def decode(self, wlt: bytes) -> bytes | None:
        raise OSError("libwlt.so: cannot open shared object file")


def test_the_shipped_decoder_decodes_nothing_and_says_a_licensed_library_is_needed() -> None:
    decoder: PhotoDecoder = NoPhotoDecoder()
    card = parse_read_reply(JIA.read_reply_data())
    assert decode_photo(card, decoder) is None
    assert "licensed" in NoPhotoDecoder.reason
    assert card.photo == JIA.photo  # the raw bytes stay on the card


def test_a_plugged_in_decoder_gets_the_raw_wlt_bytes() -> None:
    decoder = RecordingDecoder()
    card = parse_read_reply(JIA.read_reply_data())
    assert decode_photo(card, decoder) == b"BM-not-a-real-image"
    assert decoder.seen == [JIA.photo]


def test_a_wiped_card_has_no_photo_to_decode() -> None:
    decoder = RecordingDecoder()
    card = parse_read_reply(JIA.read_reply_data())
    card.wipe()
    assert decode_photo(card, decoder) is None
    assert decoder.seen == []


def test_a_failing_decoder_becomes_a_card_data_error() -> None:
    card = parse_read_reply(JIA.read_reply_data())
    with pytest.raises(CardDataError, match="photo") as caught:
        decode_photo(card, CrashingDecoder())
    assert isinstance(caught.value.__cause__, OSError)
