"""The kiosk.toml of a kiosk of simulators, as the kiosk reads it at each stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.kiosk_toml import CONTROLLER_AWAY, Stage, write_kiosk_of_simulators
from kiosk.config import load_config
from kiosk.enrollment import EnrollmentStore


def test_an_enrolled_kiosk_knows_its_controller_and_holds_its_enrollment(
    tmp_path: Path,
) -> None:
    path = write_kiosk_of_simulators(
        tmp_path / "k", "SN-1", Stage.ENROLLED_OFFLINE, name="城关镇就业服务e站"
    )
    config = load_config(path)
    assert (config.hardware_id, config.name) == ("SN-1", "城关镇就业服务e站")
    assert config.provisioned
    assert config.controller_url == CONTROLLER_AWAY
    assert not config.provisioning.enabled
    enrollment = EnrollmentStore(config.data_dir / "enrollment.json").load()
    assert enrollment is not None
    assert enrollment.controller_url == CONTROLLER_AWAY
    assert (config.id_card_reader.kind, config.camera.kind) == ("simulator", "none")
    assert config.receipt_printer.kind == "simulator"


@pytest.mark.parametrize(
    "stage", [Stage.UNPROVISIONED_ON_LOOPBACK, Stage.UNPROVISIONED_UNANNOUNCED]
)
def test_a_kiosk_from_the_box_serves_its_api_on_loopback_and_waits_for_a_technician(
    stage: Stage, tmp_path: Path
) -> None:
    config = load_config(write_kiosk_of_simulators(tmp_path / "k", "SN-2", stage))
    assert not config.provisioned
    side = config.provisioning
    assert (side.enabled, side.host, side.port) == (True, "127.0.0.1", 0)
    assert not (config.data_dir / "enrollment.json").exists()
    assert config.id_card_reader.kind == "simulator"
    assert config.receipt_printer.kind == "file"  # its pairing code, printed to a folder


def test_the_camera_asked_for_is_the_one_configured(tmp_path: Path) -> None:
    path = write_kiosk_of_simulators(tmp_path, "SN-3", Stage.ENROLLED_OFFLINE, camera="simulator")
    assert load_config(path).camera.kind == "simulator"
