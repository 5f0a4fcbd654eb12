"""The authors' tools: validate a catalog, walk a flow from a script (CI) or typed answers."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from flows.cli import main
from flows.walk_simulation import SIM_ID_NUMBER

CATALOG = Path(str(resources.files("flows.catalog")))
REGISTRATION = CATALOG / "employment_registration.yaml"
ANSWERS = """\
today: "2026-11-26"
steps:
  - form: {phone: "138 0013 8000", employment_type: employed, employer_name: 示例公司,
           start_date: 2026-11-01}
  - press: confirm
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    target.mkdir()
    for path in CATALOG.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def script(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def walk_script(tmp_path: Path, capsys, text: str, *options: str) -> tuple[int, str]:
    """Walk the registration flow with `text` as the script: (exit code, output)."""
    code = main(["walk", str(REGISTRATION), "--script", str(script(tmp_path, text)), *options])
    return code, capsys.readouterr().out


def test_validate_accepts_the_demo_catalog(capsys) -> None:
    assert main(["validate", str(CATALOG)]) == 0
    out = capsys.readouterr().out
    assert "ok: employment_registration.yaml" in out
    assert "ok: manifest.yaml: catalog v2 for region 331122" in out


def test_validate_reports_every_broken_flow_with_file_and_path(catalog: Path, capsys) -> None:
    text = REGISTRATION.read_text(encoding="utf-8").replace("    timeout: 180\n", "", 1)
    (catalog / "employment_registration.yaml").write_text(text, encoding="utf-8")
    (catalog / "spare.yaml").write_text("id: spare\n", encoding="utf-8")
    assert main(["validate", str(catalog)]) == 1
    out = capsys.readouterr().out
    assert "error: employment_registration.yaml: steps.details.timeout: every step" in out
    assert "error: spare.yaml: <top>: missing key version" in out
    assert "manifest.yaml" not in out  # the manifest is checked once its flows are fine


def test_validate_reports_a_manifest_missing_a_translation(catalog: Path, capsys) -> None:
    manifest = catalog / "manifest.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("    en: This service is closed", "    fr: Fermé"), "utf-8")
    assert main(["validate", str(catalog)]) == 1
    assert "error: manifest.yaml: texts.closed: unknown key(s) fr" in capsys.readouterr().out


def test_walk_a_script_to_its_expected_end(tmp_path: Path, capsys) -> None:
    expect = "expect: {outcome: completed, step: done}\n"
    code, out = walk_script(tmp_path, capsys, ANSWERS + expect, "--lang", "en")
    assert code == 0
    assert out.startswith("AUTHORING SIMULATION")
    assert "[details] Your employment (form, 180 s)" in out
    assert "Mobile number: 13800138000" in out
    assert "end: outcome completed, number SIM-0001" in out
    assert "session wiped: yes" in out
    assert SIM_ID_NUMBER not in out  # the simulated card's number is shown masked


def test_walk_without_a_printer_ends_on_the_qr_e_receipt(tmp_path: Path, capsys) -> None:
    text = ANSWERS + "devices: [id_card_reader]\nexpect: {step: e_receipt}\n"
    code, out = walk_script(tmp_path, capsys, text)
    assert code == 0
    assert "shows receipt_qr" in out


def test_walk_shows_field_errors_and_fails_an_unmet_expectation(tmp_path: Path, capsys) -> None:
    text = "steps: [{form: {phone: '12'}}, {press: cancel}]\nexpect: {outcome: completed}\n"
    code, out = walk_script(tmp_path, capsys, text, "--lang", "en")
    assert code == 1
    assert "! phone: A mobile number has 11 digits" in out
    assert "expected outcome completed, got cancelled" in out


def test_walk_simulates_device_errors_and_timeouts(tmp_path: Path, capsys) -> None:
    text = "steps: [{action: error}, {wait: 61}]\nexpect: {outcome: expired}\n"
    code, out = walk_script(tmp_path, capsys, text, "--lang", "en")
    assert code == 0
    assert "message: (simulated) device error" in out
    assert "61 s without a touch: timed out" in out


def test_a_script_that_stops_early_fails_and_still_wipes(tmp_path: Path, capsys) -> None:
    code, out = walk_script(tmp_path, capsys, "steps: []\n")
    assert code == 1
    assert "stopped: the script ended at step 'details'; session wiped: yes" in out


def test_a_script_pressing_a_button_the_step_lacks_fails(tmp_path: Path, capsys) -> None:
    code, out = walk_script(tmp_path, capsys, "steps: [{press: dance}]\n")
    assert code == 1
    assert "no transition for 'dance'" in out


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("steps: [{jump: x}]\n", "answers.yaml: steps[0]: unknown key(s) jump"),
        ("steps: [{press: a, wait: 1}]\n", "one of press, form, action, select or wait"),
        ("guards: {sunny: true}\n", "answers.yaml: guards: unknown key(s) sunny"),
        ("devices: [fax]\n", "answers.yaml: devices[0]: unknown device 'fax'"),
        ("a: &x 1\nb: *x\n", "refused: YAML anchors"),
    ],
)
def test_a_bad_script_is_reported_like_a_bad_flow(tmp_path: Path, capsys, text, problem) -> None:
    code, out = walk_script(tmp_path, capsys, text)
    assert code == 1
    assert problem in out


def test_walk_interactively_from_typed_answers(monkeypatch, capsys) -> None:
    typed = "\n".join(["", "13800138000", "employed", "示例公司", "2026-11-01", "1", "", ""])
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed + "\n"))
    assert main(["walk", str(REGISTRATION), "--lang", "en", "--today", "2026-11-26"]) == 0
    out = capsys.readouterr().out
    assert "(simulated) read_id_card: Enter = ok, e = error, or a button" in out
    assert "1) Confirm and submit [confirm]" in out
    assert "end: outcome completed" in out


def test_walk_interactively_stops_wiped_when_input_ends(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("e\n"))
    assert main(["walk", str(REGISTRATION)]) == 1
    assert "stopped: input ended; session wiped: yes" in capsys.readouterr().out


def test_the_cli_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "validate", str(CATALOG)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_walk_the_identity_step_by_typing_the_id_number(tmp_path: Path, capsys) -> None:
    sample = Path(__file__).with_name("sample_flow.yaml")
    text = """\
steps:
  - form: {kind: employed}
  - press: typed
  - form: {id_number: 11010519491231002X, name: 测试甲}
  - form: {phone: "13912345678"}
  - press: next
expect: {step: done}
"""
    code = main(["walk", str(sample), "--script", str(script(tmp_path, text)), "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "1) ID card [id_card]" not in out  # a script presses; it is not asked
    assert "[identify.typed] Type your ID number (form, 180 s)" in out
    assert "submit: identity by typed" in out


def test_walk_interactively_chooses_an_item_by_its_id(monkeypatch, capsys) -> None:
    typed = ["2", "", "", "", "", "", "", "SIM-J1", "3"]  # browse, no filters, a job, finish
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(typed) + "\n"))
    assert main(["walk", str(CATALOG / "job_search.yaml"), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "type an item's id to choose it, or a button" in out
    assert "[SIM-J1] 数控车床操作工" in out
    assert "QR: https://example.invalid/sim/j1" in out
    assert "end: outcome completed" in out


def test_walk_interactively_goes_on_into_the_rating_when_asked(monkeypatch, capsys) -> None:
    typed = ["", "13800138000", "employed", "示例公司", "2026-11-01", "1", "", "", "y", "5", ""]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(typed) + "\n"))
    assert main(["walk", str(REGISTRATION), "--lang", "en", "--today", "2026-11-26"]) == 0
    out = capsys.readouterr().out
    assert "then: rating, for transaction SIM-0001" in out
    assert "(simulated) rating of SIM-0001: {'stars': '5'}" in out


def test_a_follow_on_the_script_expects_but_never_walks_fails(tmp_path: Path, capsys) -> None:
    expect = "expect_follow_on: {outcome: completed}\n"
    code, out = walk_script(tmp_path, capsys, ANSWERS + expect)
    assert code == 1
    assert "expected a follow-on flow, none was walked" in out
