"""`./dev demo --script fleet --exit`: a command, a group's target and a signed update on a
kiosk of simulators, each seen on the dashboard."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devkit.demo import main
from devkit.fleet_demo import FLEET_KIOSK, GROUP, NEW

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(300)
def test_the_fleet_demo_sends_a_command_applies_a_target_and_rolls_out_an_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--script", "fleet", "--exit", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "NOT " not in out
    assert "(succeeded)" in out
    assert "(applied ✓, from the group)" in out
    assert f"healthy on {NEW}" in out
    printed = next(line for line in out.splitlines() if line.strip().startswith("printed:"))
    assert Path(printed.split(":", 1)[1].strip()).is_file()
    # The release went to the demo's folder, never /opt.
    current = tmp_path / "fleet" / "opt" / "current"
    assert current.resolve() == (tmp_path / "fleet" / "opt" / "releases" / NEW).resolve()
    db = sqlite3.connect(tmp_path / "controller" / "controller.db")
    try:
        kiosk = db.execute(
            "SELECT id FROM kiosks WHERE hardware_id = ?", (FLEET_KIOSK,)
        ).fetchone()[0]
        grouped = db.execute(
            "SELECT g.name FROM kiosk_group_members m JOIN kiosk_groups g ON g.id = m.group_pk"
            " WHERE m.kiosk_pk = ?",
            (kiosk,),
        ).fetchone()
        updates = db.execute(
            "SELECT version, outcome FROM kiosk_updates WHERE kiosk_pk = ?", (kiosk,)
        ).fetchall()
    finally:
        db.close()
    assert grouped == (GROUP,)
    assert updates == [(NEW, "healthy")]
