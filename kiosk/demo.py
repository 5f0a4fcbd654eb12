"""`./dev demo`: a controller on embedded SQLite and one kiosk on simulated hardware.

The controller runs as its own process (`python -m controller`), as it would on a server;
the kiosk talks to it only over HTTP. With a display the touchscreen opens; with
`--script registration`, or when there is no display, one fictitious citizen is walked
through employment registration and the demo prints where to see the result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from kiosk.composition import Kiosk
from kiosk.config import load_config
from kiosk.outbox import State
from kiosk.scripted import Input, registration_script, walk

log = logging.getLogger(__name__)

_READY = re.compile(r"controller ready on (http://\S+)")


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
                       "start_date": today.isoformat(), "phone": phone}},
             {"form": {"insurance_types": "pension,medical", "contribution_level": "60"}},
             {"form": {"applies_subsidy": "no"}},
             {"form": {"no_labour_contract": "yes", "pledge": "yes"}},
             {"press": "confirm"}, {"form": {"stars": "5"}}],
        ),
    }  # fmt: skip


SCRIPTS = sorted(demo_scripts(dt.date.today()))


class ControllerProcess:
    """Runs `python -m controller` on 127.0.0.1 and knows its URL once it is ready."""

    def __init__(
        self, data_dir: Path, *, port: int = 0, enrollment_token: str, seed_demo: bool = True
    ) -> None:
        self.data_dir = data_dir
        self.log_path = data_dir / "controller.log"
        self.url: str | None = None
        self._ready = threading.Event()
        env = dict(os.environ, ESTATION_ENROLLMENT_TOKEN=enrollment_token)
        data_dir.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "controller", "--host", "127.0.0.1", "--port", str(port),
             "--data-dir", str(data_dir), *(["--seed-demo"] if seed_demo else [])],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
        )  # fmt: skip
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        if self._proc.stdout is None:
            return
        with self.log_path.open("a", encoding="utf-8") as out:
            for line in self._proc.stdout:
                out.write(line)
                out.flush()
                if not self._ready.is_set() and (m := _READY.search(line)):
                    self.url = m.group(1)
                    self._ready.set()

    def wait_ready(self, timeout: float = 60.0) -> str:
        """Block until the controller says it is listening; return its URL."""
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.2):
            if self._proc.poll() is not None:
                raise RuntimeError(f"the controller exited; see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the controller did not start in {timeout:.0f} s")
        return self.url or ""

    def stop(self) -> None:
        """Stop the controller and wait for it."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()


def write_kiosk_config(path: Path, controller_url: str, token_file: Path) -> Path:
    """The demo kiosk's configuration: simulated reader, receipts printed to a folder."""
    path.write_text(
        f"""# Written by the demo. A real kiosk has a "serial" reader and a "device" printer.
[kiosk]
hardware_id = "demo-kiosk-0001"
name = "示范街道24小时就业服务e站"
site = "示范街道便民服务中心一楼"
data_dir = "kiosk"

[controller]
url = "{controller_url}"
enrollment_token_file = "{token_file.name}"

[idcard]
kind = "simulator"

[socialcard]
# pcscd with vsmartcard's virtual reader; started by the kiosk if it is not running (root)
kind = "simulator"

[camera]
# a synthetic citizen in front of the kiosk; face presence from OpenCV's Haar cascade
kind = "simulator"

[printer]
kind = "simulator"
path = "receipts"
profile = "kiosk-80"
preview = true
""",
        encoding="utf-8",
    )
    return path


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


def run_script(kiosk: Kiosk, script: str, dashboard: str) -> int:
    """Walk one fictitious citizen through a flow and say where to see the result."""
    flow_id, inputs = demo_scripts(dt.date.today())[script]
    sim = kiosk.printer_simulator
    printed_before = len(sim.pngs()) if sim is not None else 0
    result = walk(kiosk, flow_id, inputs)
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
    if number is None:
        return 0
    if not _wait_delivered(kiosk):
        print("the transaction is safe in the kiosk outbox but not yet delivered")
        return 1
    page = f"{dashboard}/kiosks/{kiosk.enroller.ensure().kiosk_id}"
    shown = number in httpx.get(page, timeout=10).text
    print(f"on the dashboard:    {page}  ({'visible' if shown else 'NOT visible'})")
    return 0 if shown else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Start controller and kiosk, then run the touchscreen or a scripted citizen."""
    parser = argparse.ArgumentParser(prog="./dev demo", description=__doc__)
    parser.add_argument("--script", choices=SCRIPTS, help="walk a citizen unattended")
    parser.add_argument(
        "--exit", action="store_true", help="stop after the script instead of serving"
    )
    parser.add_argument("--port", type=int, default=0, help="controller port (default: a free one)")
    parser.add_argument("--data-dir", type=Path, default=Path("var/demo"))
    args = parser.parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    # The terminal is for the person running the demo; the kiosk's own log goes to a file.
    logging.basicConfig(
        level=logging.INFO,
        filename=str(args.data_dir / "kiosk.log"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        force=True,
    )
    token_file = args.data_dir / "enrollment-token"
    if not token_file.exists():
        token_file.write_text(secrets.token_urlsafe(24), encoding="utf-8")
        token_file.chmod(0o600)
    print("starting the controller (embedded SQLite) ...", flush=True)
    controller = ControllerProcess(
        args.data_dir / "controller",
        port=args.port,
        enrollment_token=token_file.read_text(encoding="utf-8").strip(),
    )
    kiosk: Kiosk | None = None
    try:
        url = controller.wait_ready()
        print(f"dashboard:           {url}/", flush=True)
        config = load_config(write_kiosk_config(args.data_dir / "kiosk.toml", url, token_file))
        kiosk = Kiosk(config)
        kiosk.start()
        script = args.script or (None if _has_display() else "registration")
        if script is None:
            from kiosk.ui.app import run_kiosk_app

            run_kiosk_app(kiosk, fullscreen=False)
            return 0
        status = run_script(kiosk, script, url)
        if status != 0 or args.exit:
            return status
        print("serving the dashboard; press Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        if kiosk is not None:
            kiosk.close()
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
