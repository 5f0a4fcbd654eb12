"""An unprovisioned kiosk as it stands in the hall: its screen shows the pairing code it
printed, it serves nobody, and the code on screen follows the code on offer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.kiosk_toml import Stage, write_kiosk_of_simulators
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from kiosk.pairing import MAX_FAILURES, PairingError, PairingNotice

SERIAL = "SN-SCREEN-0001"


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    path = write_kiosk_of_simulators(tmp_path, SERIAL, Stage.UNPROVISIONED_UNANNOUNCED)
    kiosk = build_kiosk(load_config(path))
    kiosk.start(sync=False)
    yield kiosk
    kiosk.close()


def test_the_screen_shows_the_printed_pairing_code_and_serves_nobody(kiosk: Kiosk) -> None:
    assert kiosk.provisioning is not None
    notice = kiosk.provisioning.notice()
    assert notice is not None
    printed = sorted((kiosk.config.data_dir / "receipts").glob("pairing-*.escpos"))
    assert [p.name for p in printed] == [f"pairing-{notice.code}.escpos"]
    reason = kiosk.service.out_of_service()
    assert reason is not None
    assert f"配对码 {notice.shown}" in reason.get("zh-CN")
    assert f"Pairing code {notice.shown}" in reason.get("en")
    assert SERIAL in reason.get("en")
    assert kiosk.service.catalog == []  # nobody's data is taken by a kiosk with no controller


def test_after_a_redeemed_code_the_screen_shows_the_next_one(kiosk: Kiosk) -> None:
    side = kiosk.provisioning
    assert side is not None
    first = side.notice()
    assert first is not None
    side.gate.redeem(first.shown)
    following = side.notice()
    assert following is not None
    assert following.code != first.code
    reason = kiosk.service.out_of_service()
    assert reason is not None
    assert following.shown in reason.get("en")
    assert first.shown not in reason.get("en")


def _lock_pairing(kiosk: Kiosk) -> PairingNotice:
    """Wrong codes until the gate locks; the code that was on offer."""
    side = kiosk.provisioning
    assert side is not None
    notice = side.notice()
    assert notice is not None
    for _ in range(MAX_FAILURES):
        with pytest.raises(PairingError):
            side.gate.redeem("ZZZZZZ" if notice.code != "ZZZZZZ" else "YYYYYY")
    return notice


def test_while_pairing_is_locked_the_screen_says_so_without_a_code(kiosk: Kiosk) -> None:
    notice = _lock_pairing(kiosk)
    reason = kiosk.service.out_of_service()
    assert reason is not None
    assert "pairing is locked for a few minutes" in reason.get("en")
    assert notice.shown not in reason.get("en")


def test_the_pairing_screen_gets_the_printed_code_its_qr_payload_and_time_left(
    kiosk: Kiosk,
) -> None:
    from kiosk.pairing import CODE_SECONDS

    side = kiosk.provisioning
    assert side is not None
    notice = side.notice()
    assert notice is not None
    view = kiosk.service.pairing()
    assert view is not None
    assert view.code_shown == notice.shown
    # The technician's tool reads the screen's QR as it reads the printed one's.
    assert view.qr_payload == notice.code
    printed = (kiosk.config.data_dir / "receipts" / f"pairing-{notice.code}.escpos").read_bytes()
    assert notice.code.encode() in printed
    assert view.serial == SERIAL
    assert view.station_name == "new terminal"
    assert 0 < view.seconds_left <= CODE_SECONDS
    side.gate.redeem(notice.shown)  # the next technician's code replaces it on the screen
    following = kiosk.service.pairing()
    assert following is not None
    assert following.code_shown not in (notice.shown, "")
    assert following.qr_payload != notice.code


def test_while_pairing_is_locked_there_is_no_pairing_screen(kiosk: Kiosk) -> None:
    _lock_pairing(kiosk)
    assert kiosk.service.pairing() is None  # the out-of-service words say it is locked
    assert kiosk.service.out_of_service() is not None
