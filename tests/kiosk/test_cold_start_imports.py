"""The kiosk's start imports no HTTP client before its menu shows (issue 8, cold start).

The controller is talked to by the sync loop, after the menu is up: httpx and its TLS trust
store come with the first call, on that loop's thread.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.controller_client import ControllerClient

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import kiosk.composition, kiosk.config, kiosk.station_setup
from kiosk.controller_client import ControllerClient
ControllerClient("http://127.0.0.1:9")
print(sorted(m for m in sys.modules if m.split(".")[0] in {"httpx", "httpcore"}))
"""


def test_building_a_controller_client_imports_no_http_library() -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_a_client_closed_before_its_first_call_refuses_calls() -> None:
    client = ControllerClient("http://127.0.0.1:9")
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.enrollment_status("token")
