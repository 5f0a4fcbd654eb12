"""estation-release build with --requirements: the wheelhouse travels, listed and signed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from devkit.release import main
from tests.support.bundles import build_tiny_wheel
from wire.release import PublicKey, read_wheels, verify


def test_build_with_requirements_ships_the_lock_and_its_wheels_signed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local, project = tmp_path / "local", tmp_path / "project"
    project.mkdir()
    wheel = build_tiny_wheel(project, local)
    source = tmp_path / "src"
    (source / "kiosk").mkdir(parents=True)
    (source / "kiosk" / "__init__.py").write_text("")
    requirements = tmp_path / "requirements-kiosk.lock"
    requirements.write_text("tinypkg==0.1\n")
    keys, dist = tmp_path / "keys", tmp_path / "dist"
    assert main(["keygen", "--out", str(keys)]) == 0
    build = ["build", "--version", "1.5.0", "--key", str(keys / "estation-release.key")]
    build += ["--out", str(dist), "--source", str(source)]
    # Offline, the wheel is nowhere to be found: the build says so and writes nothing.
    assert main([*build, "--requirements", str(requirements), "--no-index"]) == 1
    assert "pip wheel failed" in capsys.readouterr().err
    assert not dist.exists()
    offline = ["--requirements", str(requirements), "--find-links", str(local), "--no-index"]
    assert main(build + offline) == 0
    bundle = (dist / "estation-1.5.0.tar.gz").read_bytes()
    signature = (dist / "estation-1.5.0.tar.gz.minisig").read_text()
    key = PublicKey.parse((keys / "estation-release.pub").read_text())
    assert verify(bundle, signature, key).version == "1.5.0"
    assert read_wheels(bundle) == {wheel.name: hashlib.sha256(wheel.read_bytes()).hexdigest()}
