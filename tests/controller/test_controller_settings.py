"""Settings resolution, the development enrollment token, kiosk id codes, log lines."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from controller.logs import format_event
from controller.main import build_parser
from controller.services import kiosk_code
from controller.settings import Settings, load_settings


def test_without_a_configured_token_a_dev_token_is_generated_once_with_mode_0600(
    tmp_path: Path,
) -> None:
    first = load_settings(data_dir=tmp_path, environ={})
    token_file = tmp_path / "enrollment-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() == first.enrollment_token
    assert load_settings(data_dir=tmp_path, environ={}).enrollment_token == first.enrollment_token


def test_environment_configures_token_database_and_data_dir(tmp_path: Path) -> None:
    env = {
        "ESTATION_ENROLLMENT_TOKEN": "from-the-environment",
        "ESTATION_DB_URL": "postgresql+psycopg://ops@db/estation",
        "ESTATION_DATA_DIR": str(tmp_path),
    }
    settings = load_settings(environ=env)
    assert settings.enrollment_token == "from-the-environment"
    assert settings.database_url == "postgresql+psycopg://ops@db/estation"
    assert settings.data_dir == tmp_path
    assert not (tmp_path / "enrollment-token").exists()


def test_arguments_win_over_the_environment(tmp_path: Path) -> None:
    env = {"ESTATION_ENROLLMENT_TOKEN": "from-the-environment", "ESTATION_DB_URL": "sqlite://"}
    args = build_parser().parse_args(["--db", "sqlite:///x.db", "--port", "0"])
    settings = load_settings(database_url=args.db, port=args.port, data_dir=tmp_path, environ=env)
    assert (settings.database_url, settings.port) == ("sqlite:///x.db", 0)


def test_defaults_bind_loopback_and_keep_the_database_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, enrollment_token="long-enough")
    assert (settings.host, settings.port) == ("127.0.0.1", 8700)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/controller.db"


def test_the_token_is_not_in_the_settings_repr(tmp_path: Path) -> None:
    assert "long-enough" not in repr(Settings(data_dir=tmp_path, enrollment_token="long-enough"))


def test_a_short_enrollment_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="8 characters"):
        Settings(data_dir=tmp_path, enrollment_token="short")


@pytest.mark.parametrize(
    ("number", "code"),
    [(1, "KA01"), (99, "KA99"), (100, "KB01"), (26 * 99, "KZ99"), (26 * 99 + 1, "KAA01")],
)
def test_kiosk_codes(number: int, code: str) -> None:
    assert kiosk_code(number) == code


def test_a_log_event_is_one_line_even_with_awkward_values() -> None:
    line = format_event("x", name='a "b"\nc', empty="", plain="KA01")
    assert "\n" not in line
    assert line == 'event=x name="a \\"b\\"\\nc" empty="" plain=KA01'
