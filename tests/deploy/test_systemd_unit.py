"""deploy/estation-kiosk.service: systemd itself checks it, and it says what the kiosk does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.nightly import RESTART_EXIT_CODE

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "estation-kiosk.service"
TIMER = DEPLOY / "estation-kiosk-retry.timer"
ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"

needs_systemd = pytest.mark.skipif(
    not Path(ANALYZE).is_file(),
    reason="systemd-analyze is not installed (Debian package systemd, in ./dev's APT_PACKAGES)",
)


def verify(folder: Path, service_text: str) -> str:
    """`systemd-analyze verify` of the unit and its timer; what it complained about."""
    # The unit runs /opt/e-station/.venv/bin/estation-kiosk, which verify requires to exist:
    # the copy checked here runs this interpreter instead, every other line unchanged.
    (folder / UNIT.name).write_text(
        service_text.replace(
            "ExecStart=/opt/e-station/.venv/bin/estation-kiosk",
            f"ExecStart={sys.executable} -m kiosk.ui.main",
        ),
        encoding="utf-8",
    )
    shutil.copy(TIMER, folder / TIMER.name)
    done = subprocess.run(
        [ANALYZE, "verify", UNIT.name, TIMER.name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return (done.stdout + done.stderr).strip() + ("" if done.returncode == 0 else " (failed)")


@needs_systemd
def test_systemd_finds_nothing_wrong_with_the_unit_and_its_retry_timer(tmp_path: Path) -> None:
    assert verify(tmp_path, UNIT.read_text(encoding="utf-8")) == ""


@needs_systemd
def test_the_check_catches_a_key_systemd_252_does_not_know(tmp_path: Path) -> None:
    broken = UNIT.read_text(encoding="utf-8").replace(
        "RestartSec=5", "RestartSec=5\nRestartSteps=5"
    )
    assert "Unknown key 'RestartSteps'" in verify(tmp_path, broken)


def settings(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_waits_for_ready_watches_the_kiosk_and_restarts_it() -> None:
    unit = settings(UNIT)
    assert unit["Type"] == ["notify"]
    assert unit["WatchdogSec"] == ["30"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["OnFailure"] == [TIMER.name]
    assert "StartLimitBurst" in unit
    assert "StartLimitIntervalSec" in unit
    # The nightly restart's status must stay a failure to systemd, or it would not restart.
    assert str(RESTART_EXIT_CODE) not in " ".join(unit.get("SuccessExitStatus", []))
    assert str(RESTART_EXIT_CODE) not in " ".join(unit.get("RestartPreventExitStatus", []))
    assert settings(TIMER)["Unit"] == [UNIT.name]
