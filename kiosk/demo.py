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
from kiosk.scripted import REGISTRATION_ANSWERS, walk

log = logging.getLogger(__name__)

_READY = re.compile(r"controller ready on (http://\S+)")
SCRIPTS = {"registration": "employment_registration"}


class ControllerProcess:
    """Runs `python -m controller` on 127.0.0.1 and knows its URL once it is ready."""

    def __init__(self, data_dir: Path, *, port: int = 0, enrollment_token: str) -> None:
        self.data_dir = data_dir
        self.log_path = data_dir / "controller.log"
        self.url: str | None = None
        self._ready = threading.Event()
        env = dict(os.environ, ESTATION_ENROLLMENT_TOKEN=enrollment_token)
        data_dir.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "controller", "--host", "127.0.0.1", "--port", str(port),
             "--data-dir", str(data_dir)],
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
services = ["employment_registration"]

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
    answers = dict(REGISTRATION_ANSWERS, start_date=dt.date.today().isoformat())
    result = walk(kiosk, SCRIPTS[script], answers)
    number = result.transaction_number
    print(f"flow ended: {result.outcome} after steps {' -> '.join(result.steps)}")
    if number is None:
        return 1
    print(f"transaction number:  {number}")
    sim = kiosk.printer_simulator
    if sim is not None and sim.wait_for_documents(1):
        # What the simulated printer received on its serial line, and the paper it drew.
        receipt = kiosk.config.receipt_dir / f"{number}.escpos"
        receipt.write_bytes(sim.received_bytes())
        print(f"receipt (ESC/POS):   {receipt}")
        print(f"receipt picture:     {sim.last_png()}")
    elif "receipt_file" in result.public:
        print(f"receipt (ESC/POS):   {result.public['receipt_file']}")
        print(f"receipt picture:     {result.public.get('receipt_preview', '')}")
    else:
        print("no receipt was printed (the citizen was offered the on-screen QR receipt)")
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
    parser.add_argument("--script", choices=sorted(SCRIPTS), help="walk a citizen unattended")
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
