"""The real server process: start it, wait for the ready line, talk HTTP, stop it."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from devkit.controller_process import issue_pairing_code
from tests.controller.controller_testkit import transaction
from tests.support.waiting import wait_until
from wire import API_PREFIX

READY = re.compile(r"controller ready on (http://127\.0\.0\.1:\d+)")
ROOT = Path(__file__).resolve().parents[2]


def _wait_for_ready_line(log: Path, process: subprocess.Popen[bytes], timeout: float) -> str:
    found: list[str] = []

    def ready_or_gone() -> bool:
        if ready := READY.search(log.read_text(encoding="utf-8", errors="replace")):
            found.append(ready.group(1))
        return bool(found) or process.poll() is not None

    wait_until(ready_or_gone, timeout, step=0.05)
    if not found:
        raise AssertionError("controller did not get ready:\n" + log.read_text(errors="replace"))
    return found[0]


@pytest.mark.e2e
def test_the_server_process_serves_health_and_a_transaction(tmp_path: Path) -> None:
    log = tmp_path / "controller.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # `estation-controller pairing-code`, as a technician (or a script) gets one.
    code = issue_pairing_code(tmp_path, "e2e")
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "controller", "--port", "0", "--data-dir", str(tmp_path)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        base = _wait_for_ready_line(log, process, timeout=15)
        with httpx.Client(base_url=base, timeout=5) as http:
            assert http.get("/healthz").json()["status"] == "ok"
            registered = http.post(
                f"{API_PREFIX}/kiosks/register",
                json={"hardware_id": "hw-e2e", "name": "e2e", "pairing_code": code},
            )
            token = registered.json()["device_token"]
            stored = http.post(
                f"{API_PREFIX}/transactions",
                # The process runs on the real clock: the transaction is made now.
                json=transaction(created_at=dt.datetime.now(dt.UTC).isoformat()),
                headers={"Authorization": f"Bearer {token}"},
            )
            assert stored.status_code == 201
            assert stored.json()["duplicate"] is False
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    output = log.read_text(encoding="utf-8")
    # uvicorn shuts down cleanly, then re-raises the signal so the exit status tells why.
    assert process.returncode == -signal.SIGTERM, output
    assert "event=controller_stopped" in output
    assert "event=transaction_stored kiosk_id=KA01" in output
    assert "11010519491231002X" not in output
    assert token not in output
