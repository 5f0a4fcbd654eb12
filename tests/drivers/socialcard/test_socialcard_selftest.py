"""The self-test through the real PC/SC stack: reader found, card checked, nothing read.
(pcscd down: test_socialcard_monitor's restart test.)"""

from __future__ import annotations

from collections.abc import Callable

from drivers.socialcard.selftest import check_socialcard
from drivers.socialcard.virtual_card import VirtualCard
from tests.drivers.socialcard.conftest import READER, Pcscd

Insert = Callable[[VirtualCard], VirtualCard]


def test_selftest_passes_with_the_reader_and_no_card(pcscd: Pcscd) -> None:
    check = check_socialcard(READER)
    assert check.device == "socialcard"
    assert check.ok, check.detail
    assert "no card" in check.detail


def test_selftest_selects_the_ssse_application_of_an_inserted_card(
    inserted: VirtualCard,
) -> None:
    check = check_socialcard()
    assert check.ok, check.detail
    assert "SSSE card present" in check.detail
    assert "3B 0A" in check.detail
    # Only the application was selected: no record was read.
    assert [apdu[1] for apdu in inserted.apdus if apdu[1] != 0xC0] == [0xA4]


def test_selftest_fails_for_a_card_without_the_ssse_application(
    card: VirtualCard, insert: Insert
) -> None:
    card.ssse = False
    insert(card)
    check = check_socialcard(READER)
    assert not check.ok
    assert "UnsupportedCard" in check.detail


def test_selftest_fails_when_the_named_reader_is_missing(pcscd: Pcscd) -> None:
    check = check_socialcard("No Such Reader 00 00")
    assert not check.ok
    assert "NoReader" in check.detail
    assert check.millis >= 0
