"""Which tests share a worker under `-n`: those using the machine's one pcscd, those
using its loopback mDNS; and the lock a module holds while it uses one."""

from __future__ import annotations

import fcntl
import re
from pathlib import Path
from typing import Any

import pytest

from devkit.kiosk_toml import Stage, write_kiosk_of_simulators
from kiosk.config import load_config
from tests.support.parallel import (
    DEMO_CONFIG,
    MDNS,
    NO_SOCIAL_CARD,
    PCSC,
    host_uses,
    lock_path,
    make_scheduler,
    resource_lock,
    work_unit,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("module", "group"),
    [
        ("tests/drivers/socialcard/test_socialcard_monitor.py", PCSC),  # restarts pcscd
        ("tests/kiosk/test_social_card.py", PCSC),  # a virtual card on vpcd's port
        ("tests/devkit/test_fleet_demo.py", PCSC),  # the demo's kiosk starts pcscd
        ("tests/provisioning/test_enrollment_selftest_e2e.py", PCSC),  # both: pcscd's group
        ("tests/devkit/test_demo.py", PCSC),  # both
        ("tests/provisioning/test_discovery.py", MDNS),  # mDNS on loopback
        ("tests/provisioning/test_cli.py", MDNS),  # discover
        ("tests/provisioning/test_enrollment_e2e.py", MDNS),  # kiosks announced on loopback
    ],
)
def test_a_module_using_a_one_per_machine_resource_is_in_its_group(module: str, group: str) -> None:
    assert work_unit(f"{module}::test_x", ROOT) == group


@pytest.mark.parametrize(
    "nodeid",
    [
        "tests/pii/test_masking.py::test_x",
        "tests/drivers/socialcard/test_socialcard_apdu.py::test_x[a::b]",
        "tests/controller/test_no_such_file.py::test_x",
        # Kiosks on the demo's config without its social card reader: nothing shared.
        "tests/kiosk/test_printing.py::test_x",
        "tests/kiosk/test_offline_day.py::test_x",
        "tests/kiosk/test_maintenance.py::test_x",
        # Kiosks on simulators that neither read social cards nor announce themselves.
        "tests/provisioning/test_setup_errors_cli.py::test_x",
        "tests/kiosk/test_provisioning_rig.py::test_x",
        "tests/kiosk/test_cold_start_imports.py::test_x",
    ],
)
def test_any_other_test_is_a_unit_of_its_own(nodeid: str) -> None:
    assert work_unit(nodeid, ROOT) == nodeid


def test_a_module_on_the_demo_config_uses_pcscd_unless_it_takes_the_reader_away(
    tmp_path: Path,
) -> None:
    module = tmp_path / "test_m.py"
    module.write_text('write_kiosk_config(tmp_path / "k.toml", url)\n', encoding="utf-8")
    assert host_uses(module) == {PCSC}
    freed = tmp_path / "test_n.py"
    freed.write_text(
        'write_kiosk_config(tmp_path / "k.toml", url, social_card_reader="none")\n',
        encoding="utf-8",
    )
    assert host_uses(freed) == frozenset()


@pytest.mark.parametrize("stage", list(Stage))
def test_a_module_writing_a_kiosk_of_simulators_is_in_the_mdns_group_when_it_announces(
    stage: Stage, tmp_path: Path
) -> None:
    # The grouping reads the stage's name in the module; the truth is the config it writes.
    config = load_config(write_kiosk_of_simulators(tmp_path / "kiosk", "SN-1", stage))
    side = config.provisioning
    announces = side.enabled and side.advertise
    assert announces == (side.addresses == ("127.0.0.1",))  # on loopback, or not at all
    module = tmp_path / "test_m.py"
    # The stage's name from the enum: this module's own source names no stage.
    module.write_text(
        f'write_kiosk_of_simulators(tmp_path, "SN-1", Stage.{stage.name})\n', encoding="utf-8"
    )
    assert host_uses(module) == ({MDNS} if announces else frozenset())


def test_a_module_freed_from_pcscd_takes_the_reader_away_from_every_kiosk_it_builds() -> None:
    # The grouping reads one opt-out as all of them: a second demo kiosk with the reader
    # in such a module would start pcscd beside the pcscd group.
    for module in sorted((ROOT / "tests").glob("**/test_*.py")):
        text = module.read_text(encoding="utf-8")
        if module.name == "test_parallel.py" or DEMO_CONFIG not in text:
            continue
        if PCSC in host_uses(module):
            continue
        calls = text.count(DEMO_CONFIG)
        opted_out = sum(len(re.findall(re.escape(n), text)) for n in NO_SOCIAL_CARD)
        assert opted_out >= calls, module


def test_a_resource_lock_is_held_for_the_block_and_released_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr("drivers.socialcard.pcsc_lock.PCSC_LOCK", tmp_path / "pcsc.lock")

    def taken(resource: str) -> bool:
        with lock_path(resource).open("a") as other:  # another holder: a second open file
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False

    with resource_lock(frozenset({PCSC, MDNS})):
        assert taken(PCSC)
        assert taken(MDNS)
    assert not taken(PCSC)
    with resource_lock(frozenset({MDNS})):
        assert taken(MDNS)
        assert not taken(PCSC)


class _Options:
    def __init__(self, dist: str) -> None:
        self.dist = dist

    def getoption(self, name: str) -> Any:
        return getattr(self, name)


def test_a_distribution_asked_for_by_name_is_left_to_xdist() -> None:
    assert make_scheduler(_Options("loadfile"), None) is None  # type: ignore[arg-type]
