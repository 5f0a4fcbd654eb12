"""Which tests share a worker when the suite runs on every core (tests/conftest.py says why).

A test module whose source names one of `SHARED_HOST_USES` uses something the machine has
only one of (pcscd, vpcd's TCP port 35963, multicast DNS on loopback): all such modules
are one unit of work, `HOST_GROUP`, that one worker runs whole and in order. Every other
test is a unit of its own.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

HOST_GROUP = "host"
# What a test module names when it uses pcscd, vpcd's port or multicast DNS on loopback.
SHARED_HOST_USES = (
    "pcscd",  # starts, restarts or talks to it (tests/drivers/socialcard/conftest.py)
    "VirtualCard",  # connects to vpcd's one port
    "write_kiosk_config",  # the demo's kiosk config: social card reader "simulator"
    "build_kiosk",  # a kiosk on simulators may start (and then stop) pcscd
    "DemoRig",  # lays virtual cards in the simulated readers
    "devkit.demo",  # the demo runs kiosks, a controller and discovery
    "Advertiser",  # announces a kiosk over multicast DNS
    "Discovery",  # lists every kiosk announced on loopback
    '"discover"',  # the technician's CLI listing, through Discovery
)


@cache
def names_shared_host(path: Path) -> bool:
    """True when the test module at `path` names a resource the machine has one of."""
    if path.suffix != ".py" or not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    return any(name in text for name in SHARED_HOST_USES)


def work_unit(nodeid: str, rootpath: Path) -> str:
    """The unit of work a test belongs to: `HOST_GROUP`, or the test's own id."""
    module = nodeid.split("::", 1)[0]
    return HOST_GROUP if names_shared_host(rootpath / module) else nodeid


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's scheduler for -n in the default distribution (`load`, or `loadgroup`): the
    host group whole on one worker; None (xdist's own) for any other `--dist`."""
    if config.getoption("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadScopeScheduling  # only with xdist, only when it asks

    class HostGroupScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
        """xdist's scope scheduling with `work_unit` as the scope (largest unit first)."""

        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid, config.rootpath)

    return HostGroupScheduling(config, log)
