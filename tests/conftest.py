"""The whole suite runs on every core (`./dev test` passes `-n auto`, pytest-xdist): this
keeps the tests that use something the machine has only one of from running at once.

The machine has one pcscd with one vpcd TCP port (35963) that a virtual card connects to,
and one multicast DNS on loopback. A kiosk built on the demo's config (its simulated social
card reader) starts pcscd when none runs and stops it when it closes; the monitor test
restarts it; a card inserted by one test is seen by another's reader. A kiosk advertised by
one test is listed by another's `discover`, and a second kiosk announcing the same serial
is refused. Run side by side, such tests break each other.

So tests/support/parallel.py sorts test modules by what they name: those using pcscd are
one unit of work (a group one worker runs whole, in order), those using loopback mDNS are
another; the two groups run side by side, and every other test is a unit of its own handed
to whichever worker is free. A module using both is in the pcscd group and, like every
module using a resource, holds that resource's machine-wide lock while it runs
(`one_per_machine` below), so the mDNS group waits for it. xdist's own `--dist loadgroup`
would group from `xdist_group` marks, but with pytest 9.2 it cannot: it renames items
through `_nodeid`, which pytest no longer reads, so marked tests are spread like any other
(do not rely on `xdist_group`). The scheduler here groups by module path instead, which
xdist's controller process can do without collecting.
It applies with `-n` in the default `--dist load` (or `loadgroup`); another `--dist` given
on the command line is left alone (the locks still hold). Without `-n` the run is one
process and only the locks matter, to another run on the same machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.parallel import host_uses, make_scheduler, resource_lock


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With -n: the tests that share the machine's one pcscd or mDNS on one worker."""
    return make_scheduler(config, log)


@pytest.fixture(scope="module", autouse=True)
def one_per_machine(request: pytest.FixtureRequest) -> Iterator[None]:
    """While a module runs, hold the lock of each one-per-machine resource it uses."""
    with resource_lock(host_uses(request.path)):
        yield


_WORKER_LINES = pytest.StashKey[list[str]]()


@pytest.hookimpl(optionalhook=True)  # an xdist hook: without xdist it is never called
def pytest_testnodedown(node: Any, error: object) -> None:
    """Keep the summary lines a worker's conftest left (e.g. where screenshots went)."""
    lines = getattr(node, "workeroutput", {}).get("summary_lines", [])
    seen = node.config.stash.setdefault(_WORKER_LINES, [])
    seen.extend(line for line in lines if line not in seen)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Say what the workers asked to be said, once each."""
    for line in config.stash.get(_WORKER_LINES, []):
        terminalreporter.write_line(line)
