"""What the technician's tool can do to this kiosk: configure, enroll, self-test, reset.

The local provisioning API (kiosk/provisioning_api.py) only translates HTTP into these
calls. The kiosk enrolls itself through its own `Enroller` with the controller URL and
code the technician gave; the technician's laptop never holds the kiosk's credential.
One operation at a time: a second technician asking while the first one's enrollment
runs is told `busy`, and both end up with the one enrollment the controller made.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from drivers.selftest import Check, Report
from kiosk.controller_client import (
    ControllerClient,
    ControllerError,
    ControllerRejected,
    ControllerUnreachable,
)
from kiosk.enroller import Enroller
from kiosk.enrollment import Enrollment, EnrollmentStore
from kiosk.release_layout import PUBLIC_KEY_FILE
from kiosk.station_setup import (
    SetupError,
    SetupStore,
    StationSetup,
    check_controller,
    parse_setup,
    why_unreachable,
)
from kiosk.updater import load_public_key
from wire import RegisterRequest, SelfTestCheck, SelfTestReport
from wire.release import PublicKey, ReleaseRefused

log = logging.getLogger(__name__)

UNPROVISIONED = "unprovisioned"


class ProvisioningError(Exception):
    """An operation refused; `code` is stable, `status` the HTTP status that says it."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass
class SelfTestRun:
    """A self-test in progress or done: what has been checked so far, what runs now and
    what the technician is asked to do for it (lay a card, show a QR code)."""

    total: int
    checks: list[Check] = field(default_factory=list)
    started_at: str = ""
    done: bool = False
    sent_to_controller: str = ""  # "", "sent", or why not
    current: str = ""  # the check running now ("" between checks and when done)
    prompt: str = ""  # what the technician should do for it ("" when nothing)
    seconds_left: float | None = None  # how long the check still waits for them

    def waiting(self, prompt: str, seconds_left: float) -> None:
        """The running check waits for the technician: `prompt` says for what."""
        self.prompt = prompt
        self.seconds_left = max(0.0, round(seconds_left, 1))

    def as_dict(self) -> dict[str, Any]:
        """Progress and results, for the API."""
        report = Report(self.started_at, list(self.checks))
        return {
            **report.as_dict(),
            "done": self.done,
            "total": self.total,
            "progress": len(self.checks),
            "current": self.current,
            "prompt": self.prompt,
            "seconds_left": self.seconds_left,
            "sent_to_controller": self.sent_to_controller,
        }


# One device check, named for the progress shown while it runs.
DeviceCheck = Callable[[], Check]
# Told while a check waits for the technician: what to do, seconds left.
Prompter = Callable[[str, float], None]
# The self-test's checks, given where to report waits and how long to wait for a card.
CheckFactory = Callable[[Prompter, float], list[tuple[str, DeviceCheck]]]

# How long the self-test waits for the technician to lay a card or show a QR code.
DEFAULT_WAIT = 60.0
MAX_WAIT = 600.0
# After enrolling or a factory reset the kiosk restarts into its new state (the
# composition root builds its devices and sync from the setup once, at start); this long
# after the answer, so the technician's tool has read it first.
RESTART_AFTER = 2.0


class KioskProvisioning:
    """This kiosk's provisioning state and operations."""

    def __init__(
        self,
        *,
        serial: str,
        model: str,
        software_version: str,
        data_dir: Path,
        checks: CheckFactory,
        ports: Callable[[], set[str]] | None = None,
        wipe: Callable[[], None] | None = None,
        on_state: Callable[[str, str], None] = lambda state, name: None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`checks`: the self-test's named device checks; `wipe`: the factory reset's deletion;
        `on_state(state, station name)`: told after every change (the advertiser)."""
        self.serial = serial
        self.model = model
        self.software_version = software_version
        self.data_dir = data_dir
        self._checks = checks
        self._ports = ports
        self._wipe = wipe or (lambda: wipe_data_dir(data_dir))
        # Set by the kiosk once built (Kiosk.start): stops whatever writes into the data
        # folder, so that nothing recreates a file the wipe just deleted, or keeps writing
        # personal data into an unlinked database until the restart.
        self.before_wipe: Callable[[], None] = lambda: None
        self._on_state = on_state
        self._now = now
        self.setups = SetupStore(data_dir)
        self.enrollments = EnrollmentStore(data_dir / "enrollment.json")
        self._busy = threading.Lock()
        self._pairing_code = ""
        self.selftest_run: SelfTestRun | None = None
        self.restart_needed = False
        self._clock = clock
        self._restart_at: float | None = None

    def state(self) -> str:
        """unprovisioned, or the enrollment state the controller gave (pending, active...)."""
        enrollment = self.enrollments.load()
        return UNPROVISIONED if enrollment is None else enrollment.state

    def provisioned(self) -> bool:
        """True once the kiosk holds an enrollment."""
        return self.enrollments.load() is not None

    def station_name(self) -> str:
        """The configured station name ('' before configuration)."""
        setup = self.setups.load()
        return setup.name if setup else ""

    def describe(self) -> dict[str, Any]:
        """What a paired technician sees of the kiosk."""
        enrollment = self.enrollments.load()
        setup = self.setups.load()
        return {
            "serial": self.serial,
            "model": self.model,
            "version": self.software_version,
            "state": self.state(),
            "kiosk_id": enrollment.kiosk_id if enrollment else "",
            "controller_url": enrollment.controller_url if enrollment else "",
            "setup": setup.as_json() if setup else None,
            "release_key": self.release_key(),
            "restart_needed": self.restart_needed,
        }

    def restart_due(self) -> bool:
        """True once an enrollment or a factory reset has been answered: the kiosk should
        restart into it now (kiosk/ui/ops.py ends with the exit status systemd restarts)."""
        return self._restart_at is not None and self._clock() >= self._restart_at

    def _restart_soon(self) -> None:
        self.restart_needed = True
        self._restart_at = self._clock() + RESTART_AFTER

    def release_key(self) -> str:
        """The id of the pinned release key ('' when none: the kiosk takes no updates)."""
        key = load_public_key(self.data_dir)
        return key.key_id_hex if key is not None else ""

    def pin_release_key(self, text: str) -> str:
        """Pin the release public key (a minisign `.pub` file's text); its id.

        Written atomically: the updater reads it on every offer (kiosk/updater.py)."""
        try:
            key = PublicKey.parse(text)
        except ReleaseRefused as err:
            raise ProvisioningError("bad_release_key", str(err), 422) from err
        self._exclusive()
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path = self.data_dir / PUBLIC_KEY_FILE
            staging = path.with_suffix(".tmp")
            staging.write_text(key.text(), encoding="ascii")
            os.replace(staging, path)
        finally:
            self._busy.release()
        log.info("release key pinned key_id=%s", key.key_id_hex)
        return key.key_id_hex

    def _exclusive(self) -> None:
        if not self._busy.acquire(blocking=False):
            raise ProvisioningError("busy", "another technician's operation is running")

    def configure(self, data: dict[str, Any], *, reach_controller: bool = True) -> StationSetup:
        """Check and save the setup (SetupError names a wrong key)."""
        self._exclusive()
        try:
            setup = parse_setup(data, ports=self._ports) if self._ports else parse_setup(data)
            if reach_controller:
                check_controller(setup.controller_url)
            self.setups.save(setup)
            self._pairing_code = setup.pairing_code
            self.restart_needed = True
        finally:
            self._busy.release()
        self._on_state(self.state(), setup.name)
        return setup

    def enroll(self) -> Enrollment:
        """Enroll with the configured controller through the kiosk's Enroller."""
        self._exclusive()
        try:
            setup = self.setups.load()
            if setup is None:
                raise ProvisioningError("not_configured", "configure the kiosk first")
            client = ControllerClient(setup.controller_url)
            try:
                request = RegisterRequest(
                    hardware_id=self.serial,
                    name=setup.name,
                    # As kiosk/config.py reads station.json at the next start: the
                    # station is the site the controller places in its region tree.
                    site=setup.name[:200],
                    software_version=self.software_version,
                    pairing_code=self._pairing_code or None,
                    region_code=setup.region_code or None,
                    address=setup.address,
                    latitude=setup.gps[0] if setup.gps else None,
                    longitude=setup.gps[1] if setup.gps else None,
                    opening_hours=setup.opening_hours,
                    help_phone=setup.help_phone,
                )
                enroller = Enroller(self.enrollments, client, request, setup.controller_url)
                try:
                    enrollment = enroller.renew()
                except ControllerError as err:
                    raise _enrollment_refused(err, setup.controller_url) from err
            finally:
                client.close()
            self._pairing_code = ""
            self._restart_soon()
        finally:
            self._busy.release()
        self._on_state(enrollment.state, setup.name)
        return enrollment

    def start_selftest(self, wait: float = DEFAULT_WAIT) -> SelfTestRun:
        """Run the device checks on a thread, each card or QR check waiting up to `wait` s
        for the technician; progress in `selftest_run`."""
        if not 0 < wait <= MAX_WAIT:
            raise ProvisioningError("bad_wait", f"wait is 1 to {MAX_WAIT:.0f} seconds", 400)
        self._exclusive()
        try:
            run = SelfTestRun(total=0, started_at=self._now().isoformat())
            checks = self._checks(run.waiting, wait)
            run.total = len(checks)
            self.selftest_run = run
        except BaseException:
            self._busy.release()
            raise

        def work() -> None:
            try:
                for name, check in checks:
                    run.current, run.prompt, run.seconds_left = name, "", None
                    result = check()
                    run.prompt, run.seconds_left = "", None
                    run.checks.append(result)
                run.current = ""
                run.sent_to_controller = self._send_report(run)
            except Exception:  # noqa: BLE001 - top of a worker thread: logged, shown as a check
                log.exception("self-test error")
                run.checks.append(Check("selftest", False, "internal error, see the log", 0))
            finally:
                run.current, run.prompt, run.seconds_left = "", "", None
                run.done = True
                self._busy.release()

        threading.Thread(target=work, name="selftest", daemon=True).start()
        return run

    def _send_report(self, run: SelfTestRun) -> str:
        enrollment = self.enrollments.load()
        if enrollment is None:
            return "not enrolled"
        report = SelfTestReport(
            started_at=dt.datetime.fromisoformat(run.started_at),
            checks=[SelfTestCheck(**c.__dict__) for c in run.checks],
        )
        client = ControllerClient(enrollment.controller_url)
        try:
            client.send_selftest(report, enrollment.device_token)
        except ControllerError as err:
            log.warning("self-test report not sent: %s", err)
            return f"not sent: {err}"
        finally:
            client.close()
        return "sent"

    def reset(self, confirm: str) -> None:
        """Factory reset: credentials, personal data, caches wiped; `confirm` is the serial."""
        if confirm != self.serial:
            raise ProvisioningError("confirm", "confirm with this kiosk's serial", 400)
        self._exclusive()
        try:
            self.before_wipe()
            self._wipe()
            self._pairing_code = ""
            self.selftest_run = None
            self._restart_soon()
        finally:
            self._busy.release()
        log.warning("factory reset done")
        self._on_state(UNPROVISIONED, "")


# What the controller's tree takes as a station's region (controller/region_codes.py).
TREE_REGION = "a region of the controller's region tree (its Regions page), down to the township"


def _enrollment_refused(err: ControllerError, url: str) -> Exception:
    """The controller's refusal in the technician's terms: a region its tree lacks names
    station.region_code (SetupError); no answer says what stopped the kiosk."""
    if isinstance(err, ControllerRejected):
        problem = err.message.removeprefix("region_code: ")
        if problem != err.message:
            return SetupError("station.region_code", problem, TREE_REGION)
        # err.code is the kiosk's message for a citizen (kiosk.enrollment_refused...): kept
        # as the API's code, the controller's own words for the technician.
        return ProvisioningError(err.code, f"the controller refused: {err.message}", 502)
    if isinstance(err, ControllerUnreachable) and isinstance(err.__cause__, httpx.HTTPError):
        why = why_unreachable(url, err.__cause__, 15.0)
        return ProvisioningError(
            "controller_unreachable", f"{url} is unreachable from the kiosk: {why}", 502
        )
    return ProvisioningError("controller_error", str(err), 502)


def wipe_data_dir(data_dir: Path) -> None:
    """Delete everything in the kiosk's data folder: enrollment (credential), setup,
    outbox (personal data), keys, receipts, journals, caches."""
    if not data_dir.exists():
        return
    for entry in data_dir.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
