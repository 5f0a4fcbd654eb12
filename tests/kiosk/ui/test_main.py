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
    config = write_kiosk_config(
        tmp_path / "kiosk.toml", "http://127.0.0.1:9", social_card_reader="none"
    )
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


def test_set_pin_stores_a_hash_and_clears_a_lockout(tmp_path: Path) -> None:
    from kiosk.maintenance_pin import LOCKOUT_FILE, PinFile

    config = write_kiosk_config(
        tmp_path / "kiosk.toml", "http://127.0.0.1:9", social_card_reader="none"
    )
    lockout = tmp_path / "kiosk" / LOCKOUT_FILE
    lockout.parent.mkdir(parents=True)
    lockout.write_text('{"failures": 0, "lockouts": 3, "locked_until": 4e9, "last": 0}')
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.ui.main", "set-pin", "--config", str(config), "--stdin"],
        input="482915\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pins = PinFile(tmp_path / "maintenance.pin")
    assert pins.matches("482915")
    assert "482915" not in pins.path.read_text() + done.stdout
    assert '"locked_until": 0.0' in lockout.read_text()


def test_set_pin_refuses_a_pin_too_easy_to_guess(tmp_path: Path) -> None:
    config = write_kiosk_config(
        tmp_path / "kiosk.toml", "http://127.0.0.1:9", social_card_reader="none"
    )
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.ui.main", "set-pin", "--config", str(config), "--stdin"],
        input="111111\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "nothing changed" in done.stderr
    assert not (tmp_path / "maintenance.pin").exists()


def test_under_systemd_the_kiosk_says_ready_feeds_the_watchdog_and_says_stopping(
    tmp_path: Path,
) -> None:
    import socket

    config = write_kiosk_config(
        tmp_path / "kiosk.toml", "http://127.0.0.1:9", social_card_reader="none"
    )
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(tmp_path / "notify"))
        notify.settimeout(60)
        env = {
            **os.environ,
            "KIVY_HOME": str(tmp_path / "kivy"),
            "NOTIFY_SOCKET": str(tmp_path / "notify"),
            "WATCHDOG_USEC": "3000000",  # fed every second while the UI ticks
        }
        kiosk = subprocess.Popen(  # noqa: S603 - our interpreter, our entry point
            [sys.executable, "-m", "kiosk.ui.main", "--config", str(config), "--windowed"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
        try:
            got = [notify.recv(4096).decode()]
            assert got[0].startswith("READY=1"), got
            got += [notify.recv(4096).decode() for _ in range(2)]
            assert got[1:] == ["WATCHDOG=1", "WATCHDOG=1"]
            kiosk.send_signal(signal.SIGTERM)
            assert notify.recv(4096).decode() in ("STOPPING=1", "WATCHDOG=1")
            assert kiosk.wait(timeout=20) == 0
        finally:
            if kiosk.poll() is None:
                kiosk.kill()
                kiosk.wait()
