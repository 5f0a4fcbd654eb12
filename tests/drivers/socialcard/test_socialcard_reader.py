"""The reader through the real PC/SC stack: pyscard -> pcscd -> vpcd -> the virtual card."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from drivers.socialcard import errors as e
from drivers.socialcard.fixtures import FIXTURES, SocialCardFixture
from drivers.socialcard.reader import SocialCardReader
from drivers.socialcard.ssse import GENDERS, NATIONS
from drivers.socialcard.virtual_card import VirtualCard
from tests.drivers.socialcard.conftest import READER, Pcscd

Insert = Callable[[VirtualCard], VirtualCard]
OTHER_READER = "Virtual PCD 00 01"  # vpcd's second slot (port 35964), always empty here


def test_list_readers_shows_the_vpcd_reader(pcscd: Pcscd) -> None:
    assert READER in SocialCardReader().list_readers()


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_a_card_is_read_through_pcscd(
    card: VirtualCard, insert: Insert, fixture: SocialCardFixture
) -> None:
    card.holder = fixture
    insert(card)
    read = SocialCardReader().read_card(READER)
    assert read.card_number == fixture.card_number
    assert read.id_number.reveal() == fixture.id_number
    assert read.name.reveal() == fixture.name
    assert read.sex == GENDERS[fixture.sex_code]
    assert read.nation == NATIONS[fixture.nation_code]
    assert read.birth_date == fixture.birth_date


def test_long_replies_are_fetched_with_get_response_through_pcscd(inserted: VirtualCard) -> None:
    SocialCardReader().read_card()
    sent = [apdu.hex(" ").upper() for apdu in inserted.apdus]
    # The 32-byte name record: 61 20, then 16 bytes + 61 10, then the last 16 bytes.
    name = sent.index("00 B2 09 04 20")
    assert sent[name + 1 : name + 3] == ["00 C0 00 00 20", "00 C0 00 00 10"]


def test_a_card_with_unpadded_records_is_read_after_the_6c_resend(
    card: VirtualCard, insert: Insert
) -> None:
    card.wrong_le = True
    insert(card)
    assert SocialCardReader().read_card().name.reveal() == FIXTURES[0].name
    assert bytes.fromhex("00B2090408") in card.apdus


def test_a_card_can_be_read_twice_without_being_reinserted(inserted: VirtualCard) -> None:
    reader = SocialCardReader()
    first, second = reader.read_card(), reader.read_card()
    assert first.id_number == second.id_number


def test_read_waits_for_a_card_inserted_during_the_timeout(card: VirtualCard) -> None:
    timer = threading.Timer(0.3, card.insert)
    timer.start()
    try:
        read = SocialCardReader().read_card(READER, timeout=5.0)
    finally:
        timer.join()
    assert read.name.reveal() == FIXTURES[0].name


def test_no_card_raises_no_card_once_the_timeout_ran_out(pcscd: Pcscd) -> None:
    started = time.monotonic()
    with pytest.raises(e.NoCard):
        SocialCardReader().read_card(READER, timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2.0


def test_the_named_reader_is_used_even_when_another_holds_a_card(inserted: VirtualCard) -> None:
    with pytest.raises(e.NoCard, match=OTHER_READER):
        SocialCardReader().read_card(OTHER_READER)


def test_an_unknown_reader_name_raises_no_reader(pcscd: Pcscd) -> None:
    with pytest.raises(e.NoReader, match="not connected"):
        SocialCardReader().read_card("No Such Reader 00 00")


def test_a_card_without_the_ssse_application_raises_unsupported_card(
    card: VirtualCard, insert: Insert
) -> None:
    card.ssse = False
    insert(card)
    with pytest.raises(e.UnsupportedCard):
        SocialCardReader().read_card()


def test_a_card_with_a_broken_record_raises_card_data_error(
    card: VirtualCard, insert: Insert
) -> None:
    card.overrides["name"] = b"\x81\x30"
    insert(card)
    with pytest.raises(e.CardDataError, match="name"):
        SocialCardReader().read_card()


# 0: during SELECT; 1: during its GET RESPONSE; 3: card number; 5: ID number;
# 9: second GET RESPONSE of the name; 13: the last record.
@pytest.mark.parametrize("answered", [0, 1, 3, 5, 9, 13])
def test_card_pulled_mid_read_raises_card_removed_and_never_half_a_card(
    card: VirtualCard, insert: Insert, answered: int
) -> None:
    card.remove_after_apdus = answered
    insert(card)
    reader = SocialCardReader()
    with pytest.raises(e.CardRemoved):
        reader.read_card()
    assert len(card.apdus) == answered + 1
    assert "failed" in reader.recent_apdus[-1]


def test_recent_apdus_show_commands_and_status_but_no_card_data(inserted: VirtualCard) -> None:
    reader = SocialCardReader()
    reader.read_card()
    text = "\n".join(reader.recent_apdus)
    assert "tx 00 B2 09 04 Le=20" in text
    assert "90 00" in text
    holder = FIXTURES[0]
    gbk_name = holder.name.encode("gbk").hex(" ").upper()
    for secret in (holder.id_number, holder.card_number, gbk_name, holder.id_number[:6]):
        assert secret not in text
