"""The real PC/SC stack for the tests: pcscd with the vpcd driver, and a virtual card.

`pcscd` (session): reuses a pcscd that already answers, else starts `pcscd --foreground`
(as root; no --auto-exit, so it stays up between tests) and waits until it lists
"Virtual PCD 00 00". If that cannot happen the tests FAIL with the reason: CI runs as root
on Debian with pcscd and vsmartcard-vpcd installed by ./dev, so a missing stack is a broken
machine, never a reason to skip.

pcscd and vpcd's TCP port are one per machine, so the session holds the machine's PC/SC
lock (drivers/socialcard/pcsc_lock.py; the module's own hold of it, tests/conftest.py, is
the same one, taken again); a second test run on the same machine waits for the first
instead of fighting it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from smartcard import scard

from drivers.socialcard import pcsc, service
from drivers.socialcard.errors import PcscUnavailable
from drivers.socialcard.fixtures import FIXTURES
from drivers.socialcard.pcsc_lock import PCSC_LOCK, pcsc_lock
from drivers.socialcard.virtual_card import VirtualCard
from tests.support.waiting import wait_until

READER = "Virtual PCD 00 00"
LOCK_PATH = PCSC_LOCK
LOCK_WAIT = 120.0
START_WAIT = 10.0
# Each look at pcscd opens a PC/SC context: poll it gently.
PCSC_POLL = 0.05


def service_answers() -> bool:
    """True if a PC/SC context can be established now."""
    try:
        pcsc.Context().close()
    except PcscUnavailable:
        return False
    return True


listed_readers = service.readers


class Pcscd:
    """The pcscd the tests talk to: started here (`owned`) or found running."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.owned = False

    def log_tail(self, lines: int = 15) -> str:
        if not self.log_path.exists():
            return "(no pcscd log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:]) or "(empty pcscd log)"

    def start(self) -> None:
        """Start `pcscd --foreground` and wait until it lists the vpcd reader."""
        binary = shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/sbin")
        if binary is None:
            pytest.fail(
                "pcscd is not installed. Run ./dev setup (Debian packages pcscd and "
                "vsmartcard-vpcd); the social card tests need the real PC/SC stack.",
                pytrace=False,
            )
        if os.geteuid() != 0:
            pytest.fail(
                "pcscd is not running and only root can start it (it writes /run/pcscd). "
                "Run the tests as root, or start pcscd first: sudo pcscd",
                pytrace=False,
            )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [binary, "--foreground", "--info"], stdout=log, stderr=subprocess.STDOUT
            )
        self.owned = True
        if not wait_until(lambda: READER in listed_readers(), START_WAIT, PCSC_POLL):
            code = self.process.poll()
            state = "is running" if code is None else f"exited with code {code}"
            self.stop()
            pytest.fail(
                f"started pcscd ({binary}) {state} but it did not list "
                f"{READER!r} within {START_WAIT:.0f} s. Is vsmartcard-vpcd installed and "
                f"/etc/reader.conf.d/vpcd present? Last pcscd log lines:\n{self.log_tail()}",
                pytrace=False,
            )

    def stop(self) -> None:
        """Stop the pcscd started here and wait until the service is gone."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        wait_until(lambda: not service_answers(), 5, PCSC_POLL)

    def require_owned(self, why: str) -> None:
        if not self.owned:
            pytest.fail(
                f"{why} needs a pcscd started by the tests, but one was already running. "
                "Stop it (systemctl stop pcscd.socket pcscd) and run again.",
                pytrace=False,
            )


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """A pcscd that lists the vpcd reader, for the whole session."""
    with ExitStack() as held:
        try:
            held.enter_context(pcsc_lock(LOCK_PATH, timeout=LOCK_WAIT))
        except TimeoutError:
            pytest.fail(
                f"another test run has held {LOCK_PATH} (the machine's pcscd) for "
                f"{LOCK_WAIT:.0f} s",
                pytrace=False,
            )
        daemon = Pcscd(tmp_path_factory.mktemp("pcscd") / "pcscd.log")
        try:
            if service_answers():
                if not wait_until(lambda: READER in listed_readers(), START_WAIT, PCSC_POLL):
                    pytest.fail(
                        f"a pcscd is running but does not list {READER!r}: is vsmartcard-vpcd "
                        "installed and was pcscd started after it? Restart pcscd.",
                        pytrace=False,
                    )
            else:
                daemon.start()
            yield daemon
        finally:
            daemon.stop()


def card_present(reader: str = READER) -> bool:
    """What pcscd says now: is a card in `reader`?"""
    try:
        with pcsc.Context() as ctx:
            rc, out = ctx.status_change([(reader, scard.SCARD_STATE_UNAWARE)], 0)
    except PcscUnavailable:
        return False
    return rc == pcsc.OK and bool(out[0][1] & scard.SCARD_STATE_PRESENT)


def wait_card(present: bool, timeout: float = 5.0) -> None:
    """Wait until pcscd's presence poll agrees the card is in (or out)."""
    assert wait_until(lambda: card_present() is present, timeout, PCSC_POLL), (
        f"pcscd did not see the card {'inserted' if present else 'removed'} in {timeout} s"
    )


@pytest.fixture
def card(pcscd: Pcscd) -> Iterator[VirtualCard]:
    """A virtual card for 测试甲, not yet inserted; removed (and seen gone) afterwards."""
    virtual = VirtualCard(FIXTURES[0])
    yield virtual
    virtual.remove()
    if service_answers():
        wait_card(present=False)
    assert virtual.error is None, f"the virtual card crashed: {virtual.error!r}"


def _insert(virtual: VirtualCard) -> VirtualCard:
    virtual.insert()
    wait_card(present=True)
    return virtual


@pytest.fixture
def insert(pcscd: Pcscd) -> Callable[[VirtualCard], VirtualCard]:
    """insert(card): put the card in and wait until pcscd has seen it."""
    return _insert


@pytest.fixture
def inserted(card: VirtualCard) -> VirtualCard:
    """The virtual card for 测试甲, inserted and seen by pcscd."""
    return _insert(card)
