"""Which tests share a worker under `-n`: those using the machine's one pcscd or mDNS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.parallel import HOST_GROUP, make_scheduler, work_unit

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "module",
    [
        "tests/drivers/socialcard/test_socialcard_monitor.py",  # restarts pcscd
        "tests/kiosk/test_social_card.py",  # a virtual card on vpcd's port
        "tests/kiosk/test_printing.py",  # a demo kiosk: starts and stops pcscd
        "tests/provisioning/test_discovery.py",  # mDNS on loopback
        "tests/provisioning/test_enrollment_e2e.py",  # both
    ],
)
def test_a_module_using_a_one_per_machine_resource_is_in_the_host_group(module: str) -> None:
    assert work_unit(f"{module}::test_x", ROOT) == HOST_GROUP


@pytest.mark.parametrize(
    "nodeid",
    [
        "tests/pii/test_masking.py::test_x",
        "tests/drivers/socialcard/test_socialcard_apdu.py::test_x[a::b]",
        "tests/controller/test_no_such_file.py::test_x",
    ],
)
def test_any_other_test_is_a_unit_of_its_own(nodeid: str) -> None:
    assert work_unit(nodeid, ROOT) == nodeid


class _Options:
    def __init__(self, dist: str) -> None:
        self.dist = dist

    def getoption(self, name: str) -> Any:
        return getattr(self, name)


def test_a_distribution_asked_for_by_name_is_left_to_xdist() -> None:
    assert make_scheduler(_Options("loadfile"), None) is None  # type: ignore[arg-type]
