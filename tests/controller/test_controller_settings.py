"""Settings resolution (no enrollment secret), kiosk id codes, log lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.logs import format_event
from controller.main import build_parser
from controller.services import kiosk_code
from controller.settings import Settings, load_settings


def test_no_fleet_wide_enrollment_secret_is_made_or_read(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, environ={"ESTATION_ENROLLMENT_TOKEN": "old"})
    assert not hasattr(settings, "enrollment_token")
    assert list(tmp_path.iterdir()) == []  # no token file either


def test_environment_configures_database_data_dir_and_enrollment(tmp_path: Path) -> None:
    env = {
        "ESTATION_DB_URL": "postgresql+psycopg://ops@db/estation",
        "ESTATION_DATA_DIR": str(tmp_path),
        "ESTATION_PAIRING_CODE_MINUTES": "10",
        "ESTATION_MAX_PENDING_KIOSKS": "5",
        "ESTATION_ROTATE_CREDENTIAL_DAYS": "7",
    }
    settings = load_settings(environ=env)
    assert settings.database_url == "postgresql+psycopg://ops@db/estation"
    assert settings.data_dir == tmp_path
    enrollment = settings.enrollment
    assert (enrollment.code_minutes, enrollment.max_pending) == (10, 5)
    assert enrollment.rotate_after_days == 7


def test_arguments_win_over_the_environment(tmp_path: Path) -> None:
    env = {"ESTATION_DB_URL": "sqlite://"}
    args = build_parser().parse_args(["--db", "sqlite:///x.db", "--port", "0"])
    settings = load_settings(database_url=args.db, port=args.port, data_dir=tmp_path, environ=env)
    assert (settings.database_url, settings.port) == ("sqlite:///x.db", 0)


def test_defaults_bind_loopback_and_keep_the_database_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert (settings.host, settings.port) == ("127.0.0.1", 8700)
    assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/controller.db"


def test_the_metrics_token_is_not_in_the_settings_repr(tmp_path: Path) -> None:
    assert "long-enough" not in repr(Settings(data_dir=tmp_path, metrics_token="long-enough"))


def test_a_pairing_code_lifetime_below_a_minute_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="enrollment.code_minutes must be at least 1"):
        load_settings(data_dir=tmp_path, environ={"ESTATION_PAIRING_CODE_MINUTES": "0"})


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
