"""The kiosk's provisioning operations: a factory reset wipes and asks for a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.provisioning import RESTART_AFTER, KioskProvisioning, ProvisioningError
from tests.support.clock import FakeClock

SERIAL = "SN-RESET-0001"


def _kiosk(data_dir: Path, clock: FakeClock, states: list[str] | None = None) -> KioskProvisioning:
    told = states if states is not None else []
    return KioskProvisioning(
        serial=SERIAL,
        model="ES-300",
        software_version="0.1.0",
        data_dir=data_dir,
        checks=lambda prompt, wait: [],
        clock=clock,
        on_state=lambda state, name: told.append(state),
    )


def test_a_factory_reset_wipes_the_data_and_asks_for_a_restart_after_its_answer(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    (tmp_path / "enrollment.json").write_text("{}", encoding="utf-8")
    (tmp_path / "outbox").mkdir()
    (tmp_path / "outbox" / "outbox.db").write_bytes(b"rows")
    states: list[str] = []
    kiosk = _kiosk(tmp_path, clock, states)
    assert kiosk.restart_due() is False
    kiosk.reset(SERIAL)
    assert list(tmp_path.iterdir()) == []
    assert states == ["unprovisioned"]  # the advertiser says so at once
    # not at once: the technician's tool reads the answer first
    assert kiosk.restart_due() is False
    clock.advance(RESTART_AFTER)
    assert kiosk.restart_due() is True


def test_a_reset_not_confirmed_with_the_serial_wipes_nothing_and_asks_no_restart(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    (tmp_path / "enrollment.json").write_text("{}", encoding="utf-8")
    kiosk = _kiosk(tmp_path, clock)
    with pytest.raises(ProvisioningError):
        kiosk.reset("SN-OTHER")
    clock.advance(60)
    assert kiosk.restart_due() is False
    assert (tmp_path / "enrollment.json").exists()
