"""`estation-controller create-admin`: the first account, from a prompt or from stdin."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.main import main
from controller.settings import Settings
from tests.controller.controller_testkit import PASSWORD, rows, sign_in

ROOT = Path(__file__).resolve().parents[2]


def _create(monkeypatch: pytest.MonkeyPatch, data_dir: Path, stdin: str, *args: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["create-admin", "--data-dir", str(data_dir), "--password-stdin", *args])


def test_create_admin_reads_the_password_from_stdin_and_the_account_signs_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    assert _create(monkeypatch, data_dir, PASSWORD + "\n", "--username", "Root") == 0
    assert "created ops admin account 'root'" in capsys.readouterr().out
    settings = Settings(data_dir=data_dir)
    assert rows(settings, "SELECT username, role FROM users") == [("root", "ops_admin")]
    assert rows(settings, "SELECT actor, role, action, target FROM audit_log") == [
        ("-", "command_line", "account.created", "root")
    ]
    with TestClient(create_app(settings)) as client:
        assert sign_in(client, "root").status_code == 303
        assert client.get("/accounts").status_code == 200


def test_create_admin_refuses_a_weak_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _create(monkeypatch, tmp_path, "admin123\n") == 1
    assert "at least 12 characters" in capsys.readouterr().err
    settings = Settings(data_dir=tmp_path)
    assert rows(settings, "SELECT COUNT(*) FROM users") == [(0,)]


def test_create_admin_refuses_a_taken_name_and_if_none_leaves_an_admin_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _create(monkeypatch, tmp_path, PASSWORD) == 0
    assert _create(monkeypatch, tmp_path, PASSWORD) == 1
    assert "taken" in capsys.readouterr().err
    assert _create(monkeypatch, tmp_path, "", "--if-none", "--username", "other") == 0
    assert "exists already" in capsys.readouterr().out
    settings = Settings(data_dir=tmp_path)
    assert rows(settings, "SELECT username FROM users") == [("admin",)]


def test_create_admin_without_a_terminal_asks_for_password_stdin(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "controller", "create-admin", "--data-dir", str(tmp_path)],
        input="",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--password-stdin" in done.stderr


def test_create_admin_runs_as_the_installed_command_does(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "controller", "create-admin", "--data-dir", str(tmp_path),
         "--password-stdin", "--username", "ops"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    settings = Settings(data_dir=tmp_path)
    assert rows(settings, "SELECT username, role FROM users") == [("ops", "ops_admin")]
