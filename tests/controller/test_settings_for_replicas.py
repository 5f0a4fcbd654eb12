"""The settings replicas need: one sealing key file for all, a heartbeat interval from env."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from controller.settings import SEALING_KEY_FILE_NAME, load_settings


def test_the_sealing_key_is_read_from_the_file_the_environment_names(tmp_path: Path) -> None:
    key = tmp_path / "secrets" / "sealing.key"
    key.parent.mkdir()
    key.write_bytes(os.urandom(32))
    settings = load_settings(
        data_dir=tmp_path / "data", environ={"ESTATION_SEALING_KEY_FILE": str(key)}
    )
    assert settings.sealing_key_path == key


def test_without_a_key_file_the_key_lives_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, environ={})
    assert settings.sealing_key_path == tmp_path / SEALING_KEY_FILE_NAME


def test_a_named_key_file_that_does_not_exist_stops_the_start_instead_of_making_a_new_key(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "sealing.key"
    with pytest.raises(ValueError, match="sealing key file .* does not exist"):
        load_settings(data_dir=tmp_path, environ={"ESTATION_SEALING_KEY_FILE": str(missing)})
    assert not missing.exists()


def test_the_heartbeat_interval_comes_from_the_environment(tmp_path: Path) -> None:
    env = {"ESTATION_HEARTBEAT_SECONDS": "15"}
    assert load_settings(data_dir=tmp_path, environ=env).heartbeat_seconds == 15
    assert load_settings(data_dir=tmp_path, environ={}).heartbeat_seconds == 60


@pytest.mark.parametrize("value", ["0", "-5"])
def test_a_heartbeat_interval_under_one_second_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ValueError, match="heartbeat interval"):
        load_settings(data_dir=tmp_path, environ={"ESTATION_HEARTBEAT_SECONDS": value})
