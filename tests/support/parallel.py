"""Which tests share a worker when the suite runs on every core (tests/conftest.py says why).

The machine has two things tests cannot share at the same moment, found by what a test
module's source names (`HOST_USES`): names the module itself writes (a class, a CLI verb,
a helper module, a stage of devkit's kiosk.toml writer), since what a helper writes for it
is not in its source:

* `PCSC`: pcscd and vpcd's one TCP port (35963): a virtual card, the demo's kiosk with its
  simulated social card reader (started and stopped with the kiosk), a pcscd restart;
* `MDNS`: multicast DNS on loopback: an advertised kiosk is listed by every browser there,
  and a test that checks a whole listing sees any other test's kiosk.

A module using one of them belongs to that resource's group, which one worker runs whole
and in order; the two groups run side by side on two workers. A module using both (the
provisioning demo: a kiosk found on loopback, then its social card self-tested) is in the
`PCSC` group and holds the `MDNS` lock while it runs (`resource_lock`), so the `MDNS` group
waits for it. Every other test, including one building a kiosk on simulators without a
social card reader or loopback announcement, is a unit of its own.

The `PCSC` lock is the machine's PC/SC lock (drivers/socialcard/pcsc_lock.py), the one the
demo, the screens and the tap walk hold too, taken once per process: the social card
tests' pcscd fixture, inside a module holding it, holds it again without waiting on itself.
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from devkit.kiosk_toml import Stage
from drivers.socialcard import pcsc_lock as machine_pcsc

PCSC = "pcsc"
MDNS = "mdns"
# What a test module names when it uses each resource.
HOST_USES: dict[str, tuple[str, ...]] = {
    PCSC: (
        "pcscd",  # starts, restarts or talks to it (tests/drivers/socialcard/conftest.py)
        "VirtualCard",  # connects to vpcd's one port
        "DemoRig",  # lays virtual cards in the simulated readers
        'main(["--script"',  # runs the demo, whose kiosks have the simulated reader
        'social_card_reader="simulator"',  # a station setup that gives a kiosk one
    ),
    MDNS: (
        "Advertiser",  # announces a kiosk over multicast DNS
        "Discovery",  # lists every kiosk announced on loopback
        '"discover"',  # the technician's CLI listing, through Discovery
        'addresses = ["127.0.0.1"]',  # a kiosk config written here, announcing on loopback
        # A kiosk of simulators from devkit/kiosk_toml.py announcing on loopback: the module
        # names the stage (the config's text is written there, not in the test module).
        Stage.UNPROVISIONED_ON_LOOPBACK.name,
        "NEW_KIOSK",  # the provisioning demo's kiosk, announced on loopback
        "enrollment_kit",  # tests/provisioning's kiosks from the box, announced on loopback
    ),
}
# The demo's kiosk config has the simulated social card reader, so a kiosk built on it
# starts pcscd (when none runs) and stops it when it closes; a module that passes
# `social_card_reader="none"` to every `write_kiosk_config` call (test_parallel checks
# that it is every call) builds kiosks that start nothing shared, and is free.
DEMO_CONFIG = "write_kiosk_config("
NO_SOCIAL_CARD = ('social_card_reader="none"', 'SocialCardConfig(kind="none")')
# A module using both is in the first group of these (see the module docstring).
GROUP_ORDER = (PCSC, MDNS)


def _uses(text: str) -> frozenset[str]:
    uses = {resource for resource, names in HOST_USES.items() if any(n in text for n in names)}
    if DEMO_CONFIG in text and not any(n in text for n in NO_SOCIAL_CARD):
        uses.add(PCSC)
    return frozenset(uses)


@cache
def host_uses(path: Path) -> frozenset[str]:
    """The one-per-machine resources the test module at `path` uses, by what it names."""
    if path.suffix != ".py" or not path.is_file():
        return frozenset()
    return _uses(path.read_text(encoding="utf-8"))


def work_unit(nodeid: str, rootpath: Path) -> str:
    """The unit of work a test belongs to: its resource's group, or the test's own id."""
    uses = host_uses(rootpath / nodeid.split("::", 1)[0])
    return next((group for group in GROUP_ORDER if group in uses), nodeid)


def lock_path(resource: str) -> Path:
    """The file whose lock a test module holds while it uses `resource`: one per machine,
    so two test runs (two checkouts) do not share pcscd or a loopback listing either."""
    if resource == PCSC:
        return machine_pcsc.PCSC_LOCK
    return Path(tempfile.gettempdir()) / f"estation-tests-{resource}.lock"


@contextmanager
def resource_lock(resources: frozenset[str]) -> Iterator[None]:
    """Hold the machine-wide lock of every resource in `resources` for the block (taken
    in one order, so two holders of both never wait on each other)."""
    with ExitStack() as held:
        for resource in sorted(resources):
            if resource == PCSC:
                held.enter_context(machine_pcsc.pcsc_lock(lock_path(PCSC)))
                continue
            file = held.enter_context(lock_path(resource).open("a"))
            fcntl.flock(file, fcntl.LOCK_EX)  # released when the file closes
        yield


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's scheduler for -n in the default distribution (`load`, or `loadgroup`): each
    resource's group whole on one worker; None (xdist's own) for any other `--dist`."""
    if config.getoption("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadScopeScheduling  # only with xdist, only when it asks

    class HostGroupScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
        """xdist's scope scheduling with `work_unit` as the scope (largest unit first)."""

        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid, config.rootpath)

    return HostGroupScheduling(config, log)
