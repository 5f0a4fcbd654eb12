"""`./dev demo --script provisioning`: the demo shows a new kiosk found and enrolled."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from devkit.demo import main
from devkit.demo_provisioning import NEW_KIOSK

pytestmark = pytest.mark.e2e


def test_the_provisioning_demo_finds_enrolls_and_self_tests_a_new_kiosk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--script", "provisioning", "--exit", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "unprovisioned; its screen shows" in out
    assert f"{NEW_KIOSK}\tunprovisioned" in out  # discover's table, piped
    assert f"{NEW_KIOSK}: enrolled as" in out
    assert "pinned" in out
    assert "will not take updates" not in out
    assert "FAIL" not in out
    report = tmp_path / "new-kiosk" / "reports" / f"selftest-{NEW_KIOSK}.json"
    assert json.loads(report.read_text(encoding="utf-8"))["ok"] is True
    db = sqlite3.connect(tmp_path / "controller" / "controller.db")
    try:
        placed = db.execute(
            "SELECT region_code, state FROM kiosks WHERE hardware_id = ?", (NEW_KIOSK,)
        ).fetchone()
    finally:
        db.close()
    assert placed == ("331122001", "active")
