"""Signed, staged software updates on the kiosk: app-level A/B with a health check.

The kiosk runs from `<root>/current`, a symlink to `<root>/releases/<version>/`. A release
the controller offers (HeartbeatAck.release, sent to kiosks that say CAPABILITY_UPDATES):

1. **stage** (sync thread, after a heartbeat answer): fetch the bundle, check its size, its
   minisign signature with the key pinned at provisioning and the version and sha256 its
   trusted comment names (wire/release.py), read release.json, unpack it beside the running
   version (`releases/<version>`, through a `.partial` folder renamed when complete).
   Unsigned, signed by another key or corrupted: refused, reported, never tried again.
   A release that carries wheels (requirements.lock and `wheels/`, each wheel's sha256 in
   its signed release.json; a wheel that does not match is refused) gets a virtualenv of
   its own, `releases/<version>/venv`: made with `python -m venv`, filled by `pip install
   --no-index --find-links wheels/ -r requirements.lock` (offline: nothing but the signed
   wheels can be installed), then probed with that venv's interpreter (every pin installed
   at its version, the release's packages import). An install or probe that fails removes
   the folder, leaves the running version and its venv untouched, and is reported as
   rolled back. `python -m kiosk.updater run` (systemd's ExecStart) starts the kiosk with
   the interpreter of the release `current` names: its venv, else the base installation's.
2. **switch** (UI clock, only between citizens' visits): `current` is pointed at the new
   folder by an atomic rename of a fresh symlink; the trial (new and previous version) is
   written down; the kiosk exits with RESTART_EXIT_CODE and systemd starts the new version.
3. **health check** (the new version): it must start, be enrolled, show the menu and have a
   heartbeat answered within `health_seconds`; then it is reported healthy and older
   folders are pruned. Otherwise `current` is switched back, the version is remembered as
   refused, the rollback is reported and the kiosk restarts into the previous version.
   A version that cannot even start is caught by `guard` (systemd's ExecStartPre, run from
   the base installation): after `MAX_TRIAL_STARTS` starts without a healthy check it
   switches back before the broken version runs again.

Reports go to the controller (POST updates/report); one that cannot be sent is kept in the
state file and sent after the next heartbeat. Times are on the monotonic clock given.
The folders and the `current` switch are kiosk/release_layout.py; a release's venv and its
probe, kiosk/release_install.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.controller_client import ControllerClient, ControllerError
from kiosk.release_install import Installer, InstallFailed
from kiosk.release_layout import PUBLIC_KEY_FILE, ReleaseLayout, installed_layout
from wire import UpdateOutcome
from wire.release import (
    PublicKey,
    ReleaseRefused,
    read_manifest,
    read_wheels,
    verify,
)

if TYPE_CHECKING:
    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import HeartbeatAck, ReleaseOffer, UpdateReport

log = logging.getLogger(__name__)

__all__ = [
    "HEALTH_SECONDS",
    "KEEP_RELEASES",
    "MAX_TRIAL_STARTS",
    "STATE_FILE",
    "HealthSignal",
    "Step",
    "UpdateState",
    "Updater",
    "build_updater",
    "guard",
    "load_public_key",
    "main",
]

STATE_FILE = "update-state.json"
# A trial that started this often without passing its health check is switched back.
MAX_TRIAL_STARTS = 3
HEALTH_SECONDS = 600.0
# Folders kept under releases/: the running one and the one before it (the way back).
KEEP_RELEASES = 2


class HealthSignal(enum.StrEnum):
    """What a new version must show before it counts as healthy."""

    STARTED = "started"
    ENROLLED = "enrolled"
    MENU = "menu"
    HEARTBEAT = "heartbeat"


class Step(enum.StrEnum):
    """What the caller should do after `check` or `switch_due`."""

    NOTHING = "nothing"
    RESTART = "restart"
    HEALTHY = "healthy"


@dataclass
class UpdateState:
    """What survives a restart: the trial under way, refused versions, unsent reports."""

    trial_version: str | None = None
    trial_previous: str | None = None
    trial_starts: int = 0
    refused: list[str] = field(default_factory=list)
    unsent: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> UpdateState:
        """Read the state file; a missing or unreadable one is a fresh state."""
        try:
            data = json.loads(path.read_text("utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return cls()

    def save(self, path: Path) -> None:
        """Write durably: temporary file, fsync, rename."""
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(self.__dict__, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)


def guard(layout: ReleaseLayout, state_path: Path, max_starts: int = MAX_TRIAL_STARTS) -> bool:
    """Count a start of a version on trial; switch back if it started too often. True: did.

    Run before every start (ExecStartPre of deploy/estation-kiosk.service), from the base
    installation, so a release that cannot even import is still undone.
    """
    state = UpdateState.load(state_path)
    if state.trial_version is None:
        return False
    if state.trial_starts < max_starts or state.trial_previous is None:
        state.trial_starts += 1
        state.save(state_path)
        return False
    version, previous = state.trial_version, state.trial_previous
    layout.switch(previous)
    _rolled_back(state, version, previous, f"did not start {state.trial_starts} times")
    state.save(state_path)
    log.warning("update_rolled_back version=%s to=%s by=guard", version, previous)
    return True


def _rolled_back(state: UpdateState, version: str, previous: str, reason: str) -> None:
    from wire import UpdateReport

    state.trial_version = state.trial_previous = None
    state.trial_starts = 0
    if version not in state.refused:
        state.refused.append(version)
    report = UpdateReport(
        version=version,
        outcome=UpdateOutcome.ROLLED_BACK,
        reason=reason[:200],
        running_version=previous,
        at=dt.datetime.now(dt.UTC),
    )
    state.unsent.append(report.model_dump(mode="json"))


class Updater:
    """Stages, switches to and health-checks releases the controller offers."""

    def __init__(
        self,
        layout: ReleaseLayout,
        state_path: Path,
        key: PublicKey,
        *,
        fetch: Callable[[ReleaseOffer], bytes],
        send: Callable[[UpdateReport], object],
        clock: Callable[[], float],
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        health_seconds: float = HEALTH_SECONDS,
        fallback_version: str = "",
        install: Callable[[Path], None] | None = None,
    ) -> None:
        self.layout = layout
        self._state_path = state_path
        self._key = key
        self._fetch = fetch
        self._send = send
        self._clock = clock
        self._now = now
        self.health_seconds = health_seconds
        self._fallback = fallback_version
        self._install = install or Installer().install
        self._lock = threading.Lock()
        self._state = UpdateState.load(state_path)
        self._offer: ReleaseOffer | None = None
        self._staged: str | None = None
        self._trial_started: float | None = None
        self._seen: set[HealthSignal] = set()

    @property
    def running_version(self) -> str:
        """The version running now (the folder `current` names, else the built-in one)."""
        return self.layout.running() or self._fallback

    @property
    def staged(self) -> str | None:
        """A verified version waiting for a gap between visits."""
        return self._staged

    @property
    def on_trial(self) -> str | None:
        """The version whose health check is under way."""
        return self._state.trial_version

    # -- the sync thread ------------------------------------------------------------------

    def heartbeat_answered(self, ack: HeartbeatAck) -> None:
        """A heartbeat was answered: a health signal, the offer, then stage and report."""
        self.saw(HealthSignal.ENROLLED)
        self.saw(HealthSignal.HEARTBEAT)
        self._offer = ack.release
        self.stage()
        self.flush_reports()

    def stage(self) -> bool:
        """Fetch, verify and unpack the offered release if it is new; True when staged."""
        offer = self._offer
        if offer is None or self.on_trial is not None:
            return False
        version = offer.version
        if (
            version == self.running_version
            or version in self._state.refused
            or version == self._staged
        ):
            return False
        # tarfile comes with the first release staged, not with the kiosk's start (its menu).
        import tarfile

        try:
            bundle = self._fetch(offer)
            self._check(offer, bundle)
            self.layout.unpack(version, bundle)
            self._install(self.layout.releases / version)
        except ReleaseRefused as err:
            log.warning("update_refused version=%s code=%s", version, err.code)
            self.layout.discard(version)
            with self._lock:
                self._state.refused.append(version)
            self._report(version, UpdateOutcome.REFUSED, err.code)
            return False
        except InstallFailed as err:
            # Nothing was switched: the running version and its venv never changed. Signed
            # wheels that do not install will not install next time either: not tried again.
            log.warning("update_install_failed version=%s", version)
            self.layout.discard(version)
            with self._lock:
                self._state.refused.append(version)
            self._report(version, UpdateOutcome.ROLLED_BACK, f"install: {err.reason}")
            return False
        except (ControllerError, OSError, tarfile.TarError) as err:
            log.warning("update_not_staged version=%s error=%s", version, type(err).__name__)
            self._report(version, UpdateOutcome.FAILED, type(err).__name__)
            return False
        self._staged = version
        log.info("update_staged version=%s", version)
        self._report(version, UpdateOutcome.STAGED)
        return True

    def _check(self, offer: ReleaseOffer, bundle: bytes) -> None:
        if len(bundle) != offer.size:
            raise ReleaseRefused("digest_mismatch", f"{len(bundle)} bytes, {offer.size} offered")
        trusted = verify(bundle, offer.signature, self._key)
        if trusted.version != offer.version:
            raise ReleaseRefused("not_a_release", f"signed as {trusted.version}")
        if hashlib.sha256(bundle).hexdigest() != offer.sha256:
            raise ReleaseRefused("digest_mismatch", "not the bundle offered")
        if read_manifest(bundle)["version"] != offer.version:
            raise ReleaseRefused("bad_bundle", "release.json names another version")
        read_wheels(bundle)

    # -- the UI clock ---------------------------------------------------------------------

    def switch_due(self, between_visits: bool) -> Step:
        """Between visits, switch to a staged release; RESTART: exit for systemd to restart."""
        version = self._staged
        if version is None or not between_visits:
            return Step.NOTHING
        previous = self.running_version
        self.layout.switch(version)
        with self._lock:
            self._state.trial_version, self._state.trial_previous = version, previous
            self._state.trial_starts = 0
            self._state.save(self._state_path)
        self._staged = None
        log.info("update_switched version=%s previous=%s", version, previous)
        self._report(version, UpdateOutcome.INSTALLED)
        return Step.RESTART

    def started(self) -> None:
        """The program started: a trial's health window opens now."""
        if self.on_trial is not None:
            self._trial_started = self._clock()
            self._seen = set()
        self.saw(HealthSignal.STARTED)

    def saw(self, signal: HealthSignal) -> None:
        """One of the health signals was seen in this run."""
        with self._lock:
            self._seen.add(signal)

    def check(self) -> Step:
        """Decide a trial: HEALTHY when every signal came, RESTART after rolling back."""
        version, previous = self._state.trial_version, self._state.trial_previous
        if version is None or self._trial_started is None:
            return Step.NOTHING
        with self._lock:
            missing = [s.value for s in HealthSignal if s not in self._seen]
        if not missing:
            with self._lock:
                self._state.trial_version = self._state.trial_previous = None
                self._state.trial_starts = 0
                self._state.save(self._state_path)
            self._trial_started = None
            self.layout.prune({version, previous or version})
            log.info("update_healthy version=%s", version)
            self._report(version, UpdateOutcome.HEALTHY)
            return Step.HEALTHY
        if self._clock() - self._trial_started < self.health_seconds or previous is None:
            return Step.NOTHING
        self.layout.switch(previous)
        with self._lock:
            _rolled_back(self._state, version, previous, "health check: no " + ", ".join(missing))
            self._state.save(self._state_path)
        self._trial_started = None
        log.warning("update_rolled_back version=%s to=%s missing=%s", version, previous, missing)
        self.flush_reports()
        return Step.RESTART

    def tick(self, between_visits: bool) -> Step:
        """Once a second on the UI clock: decide a trial, or switch to a staged release."""
        step = self.check()
        return step if step is not Step.NOTHING else self.switch_due(between_visits)

    # -- reports --------------------------------------------------------------------------

    def _report(self, version: str, outcome: UpdateOutcome, reason: str = "") -> None:
        from wire import UpdateReport

        report = UpdateReport(
            version=version,
            outcome=outcome,
            reason=reason,
            running_version=self.running_version,
            at=self._now(),
        )
        with self._lock:
            self._state.unsent.append(report.model_dump(mode="json"))
            self._state.save(self._state_path)
        self.flush_reports()

    def flush_reports(self) -> int:
        """Send the reports not yet sent, oldest first; how many went."""
        from wire import UpdateReport

        sent = 0
        while True:
            with self._lock:
                if not self._state.unsent:
                    return sent
                head = self._state.unsent[0]
            try:
                self._send(UpdateReport.model_validate(head))
            except ControllerError as err:  # kept, and sent again after the next heartbeat
                log.info("update_report_deferred error=%s", type(err).__name__)
                return sent
            with self._lock:
                if self._state.unsent and self._state.unsent[0] is head:
                    self._state.unsent.pop(0)
                self._state.save(self._state_path)
            sent += 1


def build_updater(
    data_dir: Path,
    client: ControllerClient,
    token: Callable[[], str],
    *,
    clock: Callable[[], float],
    fallback_version: str,
    layout: ReleaseLayout | None = None,
) -> Updater | None:
    """The updater, when a release key is pinned and the code runs from a release folder."""
    key = load_public_key(data_dir)
    layout = layout or installed_layout()
    if key is None or layout is None:
        return None
    # The bundle is read up to what was offered plus one byte: a longer one is refused.
    return Updater(
        layout,
        data_dir / STATE_FILE,
        key,
        fetch=lambda offer: client.release_bundle(offer.version, token(), limit=offer.size),
        send=lambda report: client.report_update(report, token()),
        clock=clock,
        fallback_version=fallback_version,
    )


def load_public_key(data_dir: Path) -> PublicKey | None:
    """The release key pinned at provisioning (`<data_dir>/release.pub`); None: no updates."""
    try:
        return PublicKey.parse((data_dir / PUBLIC_KEY_FILE).read_text("ascii"))
    except (OSError, ReleaseRefused, UnicodeDecodeError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """systemd's two calls, both from the base installation (`python -I`), never from
    `current`, so a release that cannot import cannot stop its own undoing:

    `guard --root DIR --data-dir DIR` (ExecStartPre) always exits 0: the guard either left
    `current` alone or switched it back, and in both cases the kiosk should start.
    `run --root DIR -- ARGS` (ExecStart) becomes (exec, same process id for systemd's
    notify and watchdog) the interpreter of the release `current` names, with ARGS.
    """
    parser = argparse.ArgumentParser(prog="python -m kiosk.updater")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("guard", help="count a trial start; switch back a failing one")
    check.add_argument("--root", type=Path, required=True, help="holds current and releases/")
    check.add_argument("--data-dir", type=Path, required=True, help="the kiosk's data_dir")
    run = commands.add_parser("run", help="exec the current release's interpreter with ARGS")
    run.add_argument("--root", type=Path, required=True, help="holds current and releases/")
    run.add_argument("args", nargs=argparse.REMAINDER, help="-- then the interpreter's args")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    if args.command == "run":
        python = ReleaseLayout(args.root).interpreter(Path(sys.executable))
        rest = args.args[1:] if args.args[:1] == ["--"] else args.args
        os.execv(python, [str(python), *rest])  # noqa: S606 (our interpreter, our arguments)
    guard(ReleaseLayout(args.root), args.data_dir / STATE_FILE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
