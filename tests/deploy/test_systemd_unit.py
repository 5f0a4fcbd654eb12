"""deploy/estation-kiosk.service: systemd itself checks it, and it says what the kiosk does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.nightly import RESTART_EXIT_CODE
from kiosk.release_layout import ReleaseLayout
from kiosk.updater import MAX_TRIAL_STARTS, STATE_FILE, UpdateState
from kiosk.updater import main as updater_main

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "estation-kiosk.service"
TIMER = DEPLOY / "estation-kiosk-retry.timer"
ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
BASE_PYTHON = "/opt/e-station/.venv/bin/python"

needs_systemd = pytest.mark.skipif(
    not Path(ANALYZE).is_file(),
    reason="systemd-analyze is not installed (Debian package systemd, in ./dev's APT_PACKAGES)",
)


def verify(folder: Path, service_text: str) -> str:
    """`systemd-analyze verify` of the unit and its timer; what it complained about."""
    # The unit runs /opt/e-station/.venv/bin/python, which verify requires to exist: the
    # copy checked here runs this interpreter instead, every other line unchanged.
    (folder / UNIT.name).write_text(
        service_text.replace(f"{BASE_PYTHON} ", f"{sys.executable} "), encoding="utf-8"
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


def test_the_kiosk_runs_the_current_release_and_the_guard_runs_from_the_base() -> None:
    unit = settings(UNIT)
    assert unit["Environment"].count("PYTHONPATH=/opt/e-station/current") == 1
    # The base installation picks the interpreter: the release's own venv when it has one.
    assert unit["ExecStart"] == [
        f"{BASE_PYTHON} -I -m kiosk.updater run --root /opt/e-station --"
        " -m kiosk.ui.main --config /etc/e-station/kiosk.toml"
    ]
    # -I: the guard ignores PYTHONPATH, so a release that cannot import is still undone.
    assert unit["ExecStartPre"] == [
        f"{BASE_PYTHON} -I -m kiosk.updater guard --root /opt/e-station"
        " --data-dir /var/lib/e-station"
    ]
    assert "/opt/e-station/releases" in unit["ReadWritePaths"][0].split()


@needs_systemd
def test_the_check_catches_an_exec_line_that_names_no_program(tmp_path: Path) -> None:
    broken = UNIT.read_text(encoding="utf-8").replace(f"{BASE_PYTHON} -I", "/opt/none/python -I")
    assert "/opt/none/python" in verify(tmp_path, broken)


def test_the_guard_command_switches_back_a_release_that_keeps_failing(tmp_path: Path) -> None:
    layout = ReleaseLayout(tmp_path / "e-station")
    for version in ("1.0.0", "1.1.0"):
        (layout.releases / version).mkdir(parents=True)
    layout.switch("1.1.0")
    data = tmp_path / "data"
    data.mkdir()
    UpdateState(trial_version="1.1.0", trial_previous="1.0.0").save(data / STATE_FILE)
    command = ["guard", "--root", str(layout.root), "--data-dir", str(data)]
    assert [updater_main(command) for _ in range(MAX_TRIAL_STARTS + 1)] == [0] * 4
    assert layout.running() == "1.0.0"
