"""Card data never leaks: repr and str mask it, wipe clears it."""

from __future__ import annotations

import dataclasses

import pytest

from drivers.idcard.card import (
    parse_appended_address,
    parse_fingerprint_reply,
    parse_read_reply,
)
from drivers.idcard.fixtures import (
    FIXTURES,
    IdCardFixture,
)
from tests.drivers.idcard.card_blocks import (
    JIA,
    u16,
)

# -- privacy ---------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_repr_and_str_never_show_name_number_address_or_birth_date(
    fixture: IdCardFixture,
) -> None:
    card = parse_fingerprint_reply(fixture.fingerprint_reply_data())
    for shown in (repr(card), str(card), f"{card}", repr([card])):
        for secret in (fixture.name, fixture.id_number, fixture.english_name, fixture.address):
            assert not secret or secret not in shown
        assert str(fixture.birth_date.year) not in shown
        assert "测**" in shown
        assert type(card).__name__ + "(" in shown


def test_resident_repr_still_says_idcard() -> None:
    assert "IdCard(" in repr(parse_read_reply(JIA.read_reply_data()))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_wipe_clears_every_sensitive_field_photo_and_fingerprint(fixture: IdCardFixture) -> None:
    card = parse_fingerprint_reply(fixture.fingerprint_reply_data())
    card = dataclasses.replace(card, appended_addresses=parse_appended_address(u16("某地", 70)))
    card.wipe()
    assert card.wiped
    sensitive = [
        getattr(card, f.name)
        for f in dataclasses.fields(card)
        if type(getattr(card, f.name)).__name__ == "Sensitive"
    ]
    assert len(sensitive) >= 2
    for value in [*sensitive, *card.appended_addresses]:
        assert value.wiped
        with pytest.raises(ValueError, match="wiped"):
            value.reveal()
    assert (card.photo, card.fingerprint) == (b"", b"")
