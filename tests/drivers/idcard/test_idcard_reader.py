"""The real driver against the simulator across a real pty: reads of every card type."""

from __future__ import annotations

import dataclasses
import logging
import threading

import pytest

from drivers.idcard import (
    CardMoved,
    CardRejected,
    CardType,
    IdCardError,
    IdCardReader,
    NoCard,
    ResidentIdCard,
    SamFault,
    UnsupportedCardType,
)
from drivers.idcard.card import parse_read_reply
from drivers.idcard.fixtures import FIXTURES, IdCardFixture, fixture_by_name
from drivers.idcard.simulator import IdCardSimulator
from kiosk.messages import for_error

JIA = fixture_by_name("测试甲")
YI = fixture_by_name("测试乙")
GANG = fixture_by_name("测试港")
YONG = fixture_by_name("测试永")


def test_reader_reads_a_simulated_card_across_a_pty(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    card = reader.read_card()
    assert isinstance(card, ResidentIdCard)
    assert card.name.reveal() == JIA.name
    assert card.id_number.reveal() == JIA.id_number
    assert card.address.reveal() == JIA.address
    assert card.photo == JIA.photo
    assert card.fingerprint == b""
    assert list(sim.received) == ["20 01", "20 02", "30 01"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.name)
def test_every_fixture_of_every_type_reads_back_intact(
    sim: IdCardSimulator, reader: IdCardReader, fixture: IdCardFixture
) -> None:
    sim.present(fixture)
    card = reader.read_card()
    assert card.card_type == fixture.card_type
    # every field of the type's own class, equal to parsing the bytes directly
    assert card == parse_read_reply(fixture.read_reply_data())
    assert card.name.reveal() == fixture.name


def test_read_with_fingerprint_uses_30_10_and_returns_the_fingerprint_data(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    card = reader.read_card(fingerprint=True)
    assert card.fingerprint == JIA.fingerprint
    assert len(card.fingerprint) == 1024
    assert card.photo == JIA.photo
    assert list(sim.received) == ["20 01", "20 02", "30 10"]


def test_read_with_fingerprint_of_a_card_without_fingerprints_gives_none(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(YI)
    assert reader.read_card(fingerprint=True).fingerprint == b""


def test_appended_address_is_read_after_the_text(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(YI)
    card = reader.read_card(appended_address=True)
    assert [a.reveal() for a in card.appended_addresses] == list(YI.appended_addresses)
    assert list(sim.received) == ["20 01", "20 02", "30 01", "30 03"]


def test_card_without_appended_address_gives_an_empty_tuple(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    assert reader.read_card(appended_address=True).appended_addresses == ()


@pytest.mark.parametrize(
    ("status", "error"), [(0x41, CardMoved), (0x33, CardRejected)], ids=["pulled", "rejected"]
)
def test_failed_appended_address_read_returns_no_card_at_all(
    sim: IdCardSimulator, reader: IdCardReader, status: int, error: type[IdCardError]
) -> None:
    sim.present(YI)
    sim.forced_status["30 03"] = status
    with pytest.raises(error):
        reader.read_card(appended_address=True)


def test_card_lost_to_a_failed_appended_address_read_is_reported_when_read_again(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.refinds_read_card = True
    sim.present(YI)
    sim.forced_status["30 03"] = 0x33
    with pytest.raises(CardRejected):
        reader.read_card(appended_address=True)
    del sim.forced_status["30 03"]
    card = reader.read_card(appended_address=True)
    assert card.name.reveal() == YI.name


def test_empty_field_raises_no_card(sim: IdCardSimulator, reader: IdCardReader) -> None:
    with pytest.raises(NoCard) as caught:
        reader.read_card()
    assert for_error(caught.value).zh == "请将身份证放在读卡区。"


def test_read_card_waits_for_a_card_placed_later(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    timer = threading.Timer(0.15, sim.present, args=(JIA,))
    timer.start()
    try:
        card = reader.read_card(wait=3.0)
    finally:
        timer.cancel()
    assert card.name.reveal() == JIA.name
    assert list(sim.received).count("20 01") >= 2


# -- the same card, still in the field ----------------------------------------------------


def test_same_card_is_not_reported_twice_by_a_module_that_will_not_find_it_again(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    reader.read_card()
    assert sim.card_in_field is JIA
    with pytest.raises(NoCard):
        reader.read_card(wait=0.1)
    sim.remove()
    sim.present(JIA)
    assert reader.read_card().id_number.reveal() == JIA.id_number


def test_same_card_is_not_reported_twice_by_a_module_that_finds_it_again(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.refinds_read_card = True
    sim.present(JIA)
    reader.read_card()
    with pytest.raises(NoCard, match="already read"):
        reader.read_card(wait=0.1)
    assert sim.reads_served == 2  # read once more to compare, then held
    with pytest.raises(NoCard):
        reader.read_card(wait=0.1)
    assert sim.reads_served == 2  # held: seen moments ago, not read again
    assert list(sim.received)[-2:] == ["20 01", "20 01"]


def test_held_card_found_again_after_a_long_gap_is_reread_and_still_not_reported(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.refinds_read_card = True
    reader.presence_gap = 0.0  # as if the kiosk had not asked for a long while
    sim.present(JIA)
    reader.read_card()
    for reads in (2, 3):
        with pytest.raises(NoCard):
            reader.read_card()
        assert sim.reads_served == reads


@pytest.mark.parametrize("held_first", [False, True], ids=["just-read", "held-after-a-gap"])
def test_another_card_swapped_in_unseen_is_reported(
    sim: IdCardSimulator, reader: IdCardReader, held_first: bool
) -> None:
    sim.refinds_read_card = True
    sim.present(JIA)
    reader.read_card()
    if held_first:
        reader.presence_gap = 0.0
        with pytest.raises(NoCard):
            reader.read_card()
    sim.present(YI)  # no find saw the field empty in between
    assert reader.read_card().name.reveal() == YI.name


def test_the_same_card_is_reported_again_once_a_find_saw_the_field_empty(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.refinds_read_card = True
    sim.present(JIA)
    reader.read_card()
    sim.remove()
    with pytest.raises(NoCard):
        reader.read_card()
    sim.present(JIA)
    assert reader.read_card().name.reveal() == JIA.name


# -- card types ------------------------------------------------------------------------


def test_card_of_an_unknown_type_raises_unsupported_card_type(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(dataclasses.replace(JIA, flag="Z"))
    with pytest.raises(UnsupportedCardType) as caught:
        reader.read_card()
    assert caught.value.flag == "Z"


def test_reader_told_to_accept_resident_cards_only_refuses_the_others(
    sim: IdCardSimulator,
) -> None:
    with IdCardReader(sim.url, timeout=0.3, card_types={CardType.RESIDENT}) as reader:
        sim.present(YONG)
        with pytest.raises(UnsupportedCardType, match="refused") as caught:
            reader.read_card()
        assert caught.value.flag == "Y"
        sim.present(JIA)
        assert reader.read_card().card_type == CardType.RESIDENT


# -- statuses --------------------------------------------------------------------------


def test_select_failure_raises_an_error_the_citizen_can_act_on(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    sim.present(JIA)
    sim.forced_status["20 02"] = 0x81
    with pytest.raises(CardRejected) as caught:
        reader.read_card()
    assert caught.value.status == 0x81
    assert "重新放置" in for_error(caught.value).zh


def test_sam_fault_raises_an_error_for_staff(sim: IdCardSimulator, reader: IdCardReader) -> None:
    sim.forced_status["11 FF"] = 0x60
    with pytest.raises(SamFault) as caught:
        reader.check_sam()
    assert "工作人员" in for_error(caught.value).zh
    assert "0x60" in str(caught.value)


def test_sam_id_reset_status_and_rf_frame_size(sim: IdCardSimulator, reader: IdCardReader) -> None:
    assert reader.sam_id() == "05.01-20240101-0000001234-0000005678"
    reader.reset()
    reader.check_sam()
    reader.set_rf_frame_size()
    assert sim.rf_frame_size == 0x50
    assert list(sim.received) == ["12 FF", "10 FF", "11 FF", "61 FF"]


# -- privacy ---------------------------------------------------------------------------


def test_recent_frame_buffer_holds_no_clear_id_number_or_name(
    sim: IdCardSimulator, reader: IdCardReader
) -> None:
    for fixture in FIXTURES:
        sim.present(fixture)
        reader.read_card(fingerprint=True, appended_address=True)
    sim.present(JIA)
    sim.pull_at = 900
    with pytest.raises(IdCardError):
        reader.read_card()
    dump = "\n".join(reader.recent_frames).lower()
    assert len(reader.recent_frames) <= 32
    assert "30 01" in dump
    for fixture in FIXTURES:
        for secret in (fixture.id_number, fixture.name, fixture.address, fixture.english_name):
            if not secret:
                continue
            encoded = secret.encode("utf-16-le")
            assert secret.lower() not in dump
            assert encoded.hex(" ") not in dump
            assert encoded.hex() not in dump
            assert encoded[:8].hex(" ") not in dump


def test_logs_hold_no_personal_data(
    sim: IdCardSimulator, reader: IdCardReader, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="drivers.idcard")
    sim.present(JIA)
    card = reader.read_card()
    sim.silent = True
    with pytest.raises(IdCardError):
        reader.read_card()
    assert "idcard_read_ok" in caplog.text
    for secret in (JIA.id_number, JIA.name, JIA.address):
        assert secret not in caplog.text
    assert card.id_number.reveal() not in caplog.text


def test_forget_lets_the_same_card_be_read_in_a_new_visit() -> None:
    with IdCardSimulator() as sim, IdCardReader(sim.url, timeout=0.5) as reader:
        sim.present(FIXTURES[0])
        reader.read_card(wait=1.0).wipe()
        sim.remove()
        sim.present(FIXTURES[0])  # taken away and laid down again, with no find in between
        reader.forget()  # the next visit starts (the same citizen came back)
        assert reader.read_card(wait=1.0).id_number.reveal() == FIXTURES[0].id_number
