"""`estation-kiosk` as a process: Ctrl-C and SIGTERM stop it cleanly, as a normal exit does.

A real process with the real Kivy main loop (no display here: SDL's off-screen window) on a
kiosk of simulators, stopped by a signal once its loop runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devkit.demo import write_kiosk_config

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_stops_the_kiosk_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    config = write_kiosk_config(tmp_path / "kiosk.toml", "http://127.0.0.1:9")
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy"), "PYTHONUNBUFFERED": "1"}
    kiosk = subprocess.Popen(  # noqa: S603 - our interpreter, our entry point
        [sys.executable, "-m", "kiosk.ui.main", "--config", str(config), "--windowed"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    out: list[str] = []
    try:
        assert kiosk.stdout is not None
        deadline = time.monotonic() + 60
        for line in kiosk.stdout:
            out.append(line)
            if "Start application main loop" in line or time.monotonic() > deadline:
                break
        assert any("Start application main loop" in line for line in out), "".join(out)
        time.sleep(0.5)
        kiosk.send_signal(sig)
        rest, _ = kiosk.communicate(timeout=20)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait()
    log = "".join(out) + rest
    assert kiosk.returncode == 0, log
    assert "Traceback" not in log
    assert f"kiosk_stopping signal={sig.name}" in log
    assert "kiosk_stopped outbox=closed devices=released" in log
