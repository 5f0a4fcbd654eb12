"""`./dev demo`: a controller on embedded SQLite and one kiosk on simulated hardware.

The controller runs as its own process (`python -m controller`), as it would on a server;
the kiosk talks to it only over HTTP. With a display the touchscreen opens; with
`--script registration`, or when there is no display, one fictitious citizen is walked
through employment registration and the demo prints where to see the result.

With `--script fleet` ops manage a kiosk from afar instead (devkit/fleet_demo.py): a
command, a target for a group of kiosks, a signed update.

With `--script provisioning` the demo is a technician's visit instead: a second kiosk of
simulators starts unprovisioned and advertises itself on loopback; `estation-provision
discover` finds it, `enroll` pairs with the code on its screen, sends its station setup
(a township of the demo region tree), pins a release key made for the demo and has it
enroll with the demo controller; the kiosk restarts into its setup and `selftest` runs
with simulated cards and a QR code laid by devkit's `SelfTestHand`.

The dashboard needs a sign-in: before the controller starts, the demo runs its
`create-admin` command (as an operator would) for an `admin` account with a generated
password, kept in `<data-dir>/admin-password` (mode 0600) so later runs print it again.
The command rather than an environment variable the controller would read: the password
never sits in the controller's environment (readable in /proc, inherited by children), and
the controller has no create-an-account-at-start switch that could be left on in production.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from devkit.controller_process import ControllerProcess
from devkit.demo_provisioning import run_provisioning
from devkit.scripted import Input, ScriptError, registration_script, walk
from devkit.tappers import DemoRig, held_pcsc_lock
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import ConfigError, load_config
from kiosk.outbox import State

log = logging.getLogger(__name__)


def _next_weekday(today: dt.date) -> dt.date:
    day = today + dt.timedelta(days=1)
    while day.isoweekday() > 5:
        day += dt.timedelta(days=1)
    return day


def demo_scripts(today: dt.date) -> dict[str, tuple[str, list[Input]]]:
    """Fictitious citizens for `--script NAME`: the flow and what they tap."""
    phone = "13800138000"
    return {
        "registration": ("employment_registration", registration_script(today)),
        "job_search": (
            "job_search",
            [{"press": "personalised"}, {"press": "id_card"},
             {"form": {"area": "county", "education": "senior_high"}},
             {"select": "first"}, {"press": "print_slip"}, {"press": "finish"}],
        ),
        "appointment": (
            "appointment_booking",
            [{"press": "id_card"},
             {"form": {"appointment_service": "unemployment_benefit",
                       "appointment_date": _next_weekday(today).isoformat(), "phone": phone}},
             {"select": "first"}, {"press": "confirm"}, {"form": {"stars": "2"}},
             {"form": {"reasons": "not_told_once", "comment": ""}}],
        ),
        "flexible_employment": (
            "bundle_flexible_employment",
            [{"press": "id_card"},
             {"form": {"flexible_work_type": "delivery", "employer_name": "示例同城配送站",
                       "start_date": today.isoformat(), "phone": phone,
                       "insurance_types": "pension,medical", "contribution_level": "60",
                       "applies_subsidy": "no"}},
             {"press": "confirm"}, {"form": {"stars": "5"}}],
        ),
    }  # fmt: skip


SCRIPTS = sorted(demo_scripts(dt.date.today()))
# Not a citizen: a technician finding and enrolling a new kiosk (run_provisioning).
PROVISIONING = "provisioning"
# Not a citizen: ops sending a command, changing a target, rolling out an update
# (devkit/fleet_demo.py).
FLEET = "fleet"


def write_kiosk_config(
    path: Path,
    controller_url: str,
    pairing_code: str = "",
    hardware_id: str = "demo-kiosk-0001",
    social_card_reader: str = "simulator",
) -> Path:
    """The demo kiosk's configuration: simulated reader, receipts printed to a folder.

    `pairing_code`: the one-time code it enrolls with (none: it waits for approval).
    `social_card_reader`: "none" for a kiosk that must not start pcscd (tests that share
    the machine's one pcscd with others: tests/support/parallel.py).
    """
    path.write_text(
        f"""# Written by the demo. A real kiosk has a "serial" reader and a "device" printer.
[kiosk]
hardware_id = "{hardware_id}"
name = "示范街道24小时就业服务e站"
site = "示范街道便民服务中心一楼"
data_dir = "kiosk"

[controller]
url = "{controller_url}"
# Issued by the demo with `estation-controller pairing-code`; works once, for 30 minutes.
pairing_code = "{pairing_code}"

[id_card_reader]
kind = "simulator"

[social_card_reader]
# pcscd with vsmartcard's virtual reader; started by the kiosk if it is not running (root)
kind = "{social_card_reader}"

[camera]
# a synthetic citizen in front of the kiosk; face presence from OpenCV's Haar cascade
kind = "simulator"

[receipt_printer]
kind = "simulator"
path = "receipts"
profile = "kiosk-80"
preview = true
""",
        encoding="utf-8",
    )
    return path


DEMO_ADMIN = "admin"
ADMIN_PASSWORD_FILE = "admin-password"  # noqa: S105 - a file name, not a secret
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def ensure_admin(controller_dir: Path, password_file: Path) -> str | None:
    """Create the demo's ops admin unless one exists; its password, None if not known here."""
    known = password_file.exists()
    password = (
        password_file.read_text(encoding="utf-8").strip() if known else secrets.token_urlsafe(12)
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "controller", "create-admin", "--data-dir", str(controller_dir),
         "--username", DEMO_ADMIN, "--password-stdin", "--if-none"],
        input=password + "\n",
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"create-admin failed: {done.stderr.strip()}")
    if "created" in done.stdout and not known:
        password_file.write_text(password + "\n", encoding="utf-8")
        password_file.chmod(0o600)
        return password
    return password if known else None


def signed_in_get(base: str, path: str, username: str, password: str) -> httpx.Response:
    """GET a dashboard page after signing in as a browser does (login form and its token)."""
    with httpx.Client(base_url=base, timeout=10) as browser:
        form = browser.get("/login")
        found = _CSRF.search(form.text)
        if found is None:
            raise RuntimeError("the login page has no CSRF token")
        answer = browser.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": found.group(1)},
        )
        if answer.status_code >= 400:
            raise RuntimeError(f"signing in as {username} failed ({answer.status_code})")
        return browser.get(path)


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _wait_delivered(kiosk: Kiosk, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = kiosk.outbox.counts()
        if counts[State.PENDING] + counts[State.IN_FLIGHT] == 0:
            return True
        kiosk.sync.wake()
        time.sleep(0.2)
    return False


def run_script(
    kiosk: Kiosk,
    rig: DemoRig,
    script: str,
    dashboard: str | None,
    login: tuple[str, str] | None = None,
) -> int:
    """Walk one fictitious citizen through a flow and say where to see the result.

    `dashboard`: the controller's URL, to check the transaction arrived, signed in with
    `login` (user name, password); None: do not check.
    """
    # Dated on the station's day: the form checks dates on it, and from 00:00 to 08:00
    # Beijing time the machine's (UTC) date is yesterday's.
    flow_id, inputs = demo_scripts(kiosk.service.now().date())[script]
    sim = kiosk.simulators.printer
    printed_before = len(sim.pngs()) if sim is not None else 0
    result = walk(kiosk.service, flow_id, inputs, demo=rig)
    print(f"flow ended: {result.outcome} after steps {' -> '.join(result.steps)}")
    if result.follow_on:
        print(f"then the rating:     {' -> '.join(result.follow_on)}")
    if result.outcome != "completed":
        return 1
    number = result.transaction_number
    if number is not None:
        print(f"transaction number:  {number}")
    if sim is not None:
        sim.wait_for_documents(printed_before + 1, timeout=3)
        for png in sim.pngs()[printed_before:]:
            # The paper the simulated printer drew from what came over its serial line.
            print(f"printed:             {png}")
    if number is None or dashboard is None:
        return 0
    if not _wait_delivered(kiosk):
        print("the transaction is safe in the kiosk outbox but not yet delivered")
        return 1
    path = f"/kiosks/{kiosk.enroller.ensure().kiosk_id}"
    if login is None:
        print(f"on the dashboard:    {dashboard}{path}  (not checked: no admin password here)")
        return 0
    shown = number in signed_in_get(dashboard, path, *login).text
    print(f"on the dashboard:    {dashboard}{path}  ({'visible' if shown else 'NOT visible'})")
    return 0 if shown else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Start controller and kiosk, then run the touchscreen or a scripted citizen."""
    parser = argparse.ArgumentParser(prog="./dev demo", description=__doc__)
    parser.add_argument(
        "--script",
        choices=[*SCRIPTS, PROVISIONING, FLEET],
        help="walk a citizen unattended, (provisioning) find and enroll a new kiosk, or "
        "(fleet) manage a kiosk from afar: a command, a target, a signed update",
    )
    parser.add_argument(
        "--exit", action="store_true", help="stop after the script instead of serving"
    )
    parser.add_argument("--port", type=int, default=0, help="controller port (default: a free one)")
    parser.add_argument("--data-dir", type=Path, default=Path("var/demo"))
    parser.add_argument(
        "--config",
        type=Path,
        help="walk --script on the kiosk this kiosk.toml describes (its own controller), "
        "instead of starting a demo controller",
    )
    args = parser.parse_args(argv)
    # Stopped with `kill` rather than Ctrl-C: still close the kiosk, so the simulators and a
    # pcscd started for the virtual card reader go with it.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    if args.config is not None:
        return _walk_configured(args.config, args.script or "registration")
    # Every kiosk the demo builds has the simulated social card reader: vpcd's one reader
    with held_pcsc_lock():
        return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    """The demo's controller and kiosk, and what they run (main's arguments)."""
    args.data_dir.mkdir(parents=True, exist_ok=True)
    # The terminal is for the person running the demo; the kiosk's own log goes to a file.
    logging.basicConfig(
        level=logging.INFO,
        filename=str(args.data_dir / "kiosk.log"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        force=True,
    )
    password_file = args.data_dir / ADMIN_PASSWORD_FILE
    password = ensure_admin(args.data_dir / "controller", password_file)
    print("starting the controller (embedded SQLite) ...", flush=True)
    controller = ControllerProcess(
        args.data_dir / "controller",
        port=args.port,
        env=_fleet_env() if args.script == FLEET else None,
    )
    kiosk: Kiosk | None = None
    rig: DemoRig | None = None
    try:
        url = controller.wait_ready()
        print(f"dashboard:           {url}/", flush=True)
        if password is not None:
            print(f"sign in as:          {DEMO_ADMIN} / {password}  (kept in {password_file})")
        else:
            print(
                f"sign in as:          {DEMO_ADMIN}, with the password of an earlier run "
                f"({password_file} is gone; delete {args.data_dir / 'controller'} for a new one)"
            )
        if args.script == PROVISIONING:
            status = run_provisioning(args.data_dir, controller)
            if status != 0 or args.exit:
                return status
            print("serving the dashboard; press Ctrl-C to stop", flush=True)
            while True:
                time.sleep(3600)
        # What a technician does at installation: a code from the controller, typed into
        # the kiosk (a kiosk enrolled before keeps its credential and ignores it).
        code = controller.pairing_code("demo kiosk")
        print(f"pairing code:        {code}  (one use, 30 minutes)", flush=True)
        config = load_config(_demo_kiosk_config(args.data_dir, args.script, url, code))
        kiosk = build_kiosk(config)
        kiosk.start()
        rig = DemoRig(kiosk.simulators)
        if args.script == FLEET:
            status = _run_fleet(kiosk, args.data_dir, url, password)
            if status != 0 or args.exit:
                return status
            print("serving the dashboard; press Ctrl-C to stop", flush=True)
            while True:
                time.sleep(3600)
        script = args.script or (None if _has_display() else "registration")
        if script is None:
            from kiosk.ui.app import run_kiosk_app

            run_kiosk_app(kiosk.service, fullscreen=False, demo=rig, speech=kiosk.speech)
            return 0
        login = None if password is None else (DEMO_ADMIN, password)
        status = run_script(kiosk, rig, script, url, login)
        if status != 0 or args.exit:
            return status
        print("serving the dashboard; press Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        if rig is not None:
            rig.close()
        if kiosk is not None:
            kiosk.close()
        controller.stop()


def _fleet_env() -> dict[str, str]:
    from devkit.fleet_demo import FLEET_ENV  # noqa: PLC0415 - only this script needs it

    return FLEET_ENV


def _demo_kiosk_config(data_dir: Path, script: str | None, url: str, code: str) -> Path:
    """The kiosk.toml of the registration demo, or of the fleet demo's own kiosk."""
    if script != FLEET:
        return write_kiosk_config(data_dir / "kiosk.toml", url, code)
    from devkit.fleet_demo import FLEET_KIOSK  # noqa: PLC0415 - only this script needs it

    folder = data_dir / "fleet"
    shutil.rmtree(folder, ignore_errors=True)  # a kiosk from the box each time
    folder.mkdir(parents=True)
    return write_kiosk_config(folder / "kiosk.toml", url, code, hardware_id=FLEET_KIOSK)


def _run_fleet(kiosk: Kiosk, data_dir: Path, url: str, password: str | None) -> int:
    from devkit.fleet_demo import run_fleet  # noqa: PLC0415 - only this script needs it

    if password is None:
        print(f"the fleet demo signs in as {DEMO_ADMIN}: its password is lost; delete "
              f"{data_dir / 'controller'} for a new one")  # fmt: skip
        return 1
    return run_fleet(kiosk, url, (DEMO_ADMIN, password), data_dir / "fleet")


def _walk_configured(path: Path, script: str) -> int:
    """One scripted citizen on the kiosk a configuration file describes, no screen."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", force=True
    )
    try:
        config = load_config(path)
    except ConfigError as err:
        print(f"estation-demo: {err}", file=sys.stderr)
        return 2
    with held_pcsc_lock(needed=config.social_card_reader.kind == "simulator"):
        kiosk = build_kiosk(config)
        kiosk.start()
        rig = DemoRig(kiosk.simulators)
        try:
            return run_script(kiosk, rig, script, None)
        except ScriptError as err:
            print(f"estation-demo: {err}", file=sys.stderr)
            return 1
        finally:
            rig.close()
            kiosk.close()


if __name__ == "__main__":
    sys.exit(main())
