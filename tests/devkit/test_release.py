"""estation-release build with --requirements: the wheelhouse travels, listed and signed."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from devkit.release import main
from tests.support.bundles import build_tiny_wheel
from wire.release import REQUIREMENTS, PublicKey, read_wheels, verify


def test_build_with_requirements_ships_the_lock_and_its_wheels_signed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local, project = tmp_path / "local", tmp_path / "project"
    project.mkdir()
    wheel = build_tiny_wheel(project, local)
    source = tmp_path / "src"
    (source / "kiosk").mkdir(parents=True)
    (source / "kiosk" / "__init__.py").write_text("")
    (source / "pyproject.toml").write_text(
        '[project]\nname = "s"\nversion = "1"\ndependencies = ["tinypkg"]\n'
        "[project.optional-dependencies]\nkiosk = []\n"
    )
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


# A repository in small: base, kiosk and controller dependencies, and a lock pinning them all.
_PYPROJECT = """
[project]
name = "tiny-station"
version = "1.0"
dependencies = ["tinybase>=0.1"]

[project.optional-dependencies]
kiosk = ["tinykiosk[fast]>=0.1"]
controller = ["tinyweb>=0.1"]
"""
_LOCK = "tinybase==0.1\ntinydep==0.1\ntinyfast==0.1\ntinykiosk==0.1\ntinyweb==0.1\n"


def tiny_repository(tmp_path: Path) -> tuple[Path, Path]:
    """A source tree with a pyproject.toml and a lock, and a folder of its wheels."""
    local = tmp_path / "local"
    made = {
        "tinybase": (),
        # the kiosk's own package: a dependency, one only its extra needs, one only Windows
        "tinykiosk": ("tinydep", 'tinyfast; extra == "fast"', 'tinywin; sys_platform == "win32"'),
        "tinydep": (),
        "tinyfast": (),
        # the controller's: it needs tinydep too, and nothing of it may reach a kiosk
        "tinyweb": ("tinydep",),
    }
    for name, requires in made.items():
        build_tiny_wheel(tmp_path / "projects" / name, local, name, "0.1", requires)
    source = tmp_path / "src"
    (source / "kiosk").mkdir(parents=True)
    (source / "kiosk" / "__init__.py").write_text("import tinybase, tinykiosk\n")
    (source / "pyproject.toml").write_text(_PYPROJECT)
    (source / "requirements.lock").write_text(_LOCK)
    return source, local


def test_a_release_carries_the_kiosk_extras_closure_and_nothing_only_the_controller_uses(
    tmp_path: Path,
) -> None:
    source, local = tiny_repository(tmp_path)
    keys, dist = tmp_path / "keys", tmp_path / "dist"
    assert main(["keygen", "--out", str(keys)]) == 0
    build = ["build", "--version", "1.6.0", "--key", str(keys / "estation-release.key")]
    build += ["--out", str(dist), "--source", str(source)]
    build += ["--requirements", str(source / "requirements.lock")]
    assert main([*build, "--find-links", str(local), "--no-index"]) == 0
    bundle = (dist / "estation-1.6.0.tar.gz").read_bytes()
    carried = {name.split("-")[0] for name in read_wheels(bundle)}
    assert carried == {"tinybase", "tinykiosk", "tinydep", "tinyfast"}
    with tarfile.open(fileobj=io.BytesIO(bundle)) as tar:
        lock = tar.extractfile(REQUIREMENTS)
        assert lock is not None
        assert (
            lock.read().decode() == "tinybase==0.1\ntinydep==0.1\ntinyfast==0.1\ntinykiosk==0.1\n"
        )


def test_a_kiosk_dependency_the_lock_does_not_pin_refuses_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, local = tiny_repository(tmp_path)
    (source / "requirements.lock").write_text(_LOCK.replace("tinyfast==0.1\n", ""))
    keys, dist = tmp_path / "keys", tmp_path / "dist"
    assert main(["keygen", "--out", str(keys)]) == 0
    build = ["build", "--version", "1.6.0", "--key", str(keys / "estation-release.key")]
    build += ["--out", str(dist), "--source", str(source)]
    build += ["--requirements", str(source / "requirements.lock")]
    assert main([*build, "--find-links", str(local), "--no-index"]) == 1
    assert "not pinned in requirements.lock: tinyfast" in capsys.readouterr().err
    assert not dist.exists()
