"""A release whose requirements changed brings its wheels and runs in a venv of its own, made
offline; what does not install or match its manifest leaves the running version.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devkit.release import (
    build_bundle,
    build_closure,
    build_wheelhouse,
    kiosk_roots,
    sign_bundle,
)
from kiosk.release_install import pins
from kiosk.release_layout import VENV
from kiosk.updater import Step
from tests.controller.controller_testkit import rows
from tests.kiosk.updater_testkit import (
    NEW,
    OLD,
    Station,
    reported,
    tamper,
)
from tests.support.bundles import build_tiny_wheel, with_other_wheel_bytes
from wire.release import ReleaseRefused, read_wheels

# -- a release whose requirements changed: wheels in the bundle, a venv of its own --------


@pytest.fixture(scope="module")
def tiny_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding tinypkg-0.1's wheel, built by `pip wheel` from a temporary project."""
    folder = tmp_path_factory.mktemp("wheels")
    build_tiny_wheel(tmp_path_factory.mktemp("tinypkg"), folder)
    return folder


def wheel_release(
    source: Path, tmp_path: Path, wheels: Path, imports: str = "import tinypkg"
) -> bytes:
    """NEW with tinypkg pinned: its kiosk package imports it, the wheel travels with it."""
    (source / "kiosk" / "__init__.py").write_text(f"{imports}  # new in this release\n")
    requirements = tmp_path / "requirements.lock"
    requirements.write_text("tinypkg==0.1\n")
    house = build_wheelhouse(requirements, tmp_path / "house", find_links=wheels, no_index=True)
    return build_bundle(NEW, source, packages=("kiosk",), requirements=requirements, wheels=house)


def test_a_release_with_new_requirements_runs_in_a_venv_of_its_own_made_offline(
    station: Station, tiny_wheels: Path
) -> None:
    tmp_path, settings, source = station.tmp_path, station.settings, station.source
    layout = station.layout
    bundle = wheel_release(source, tmp_path, tiny_wheels)
    with station.served():
        kiosk = station.offered(bundle)  # fetched, verified, unpacked, installed and probed
        assert kiosk.updater.staged == NEW
        python = layout.venv_python(NEW)
        assert python.exists()
        assert not layout.venv_python(OLD).exists()
        assert layout.interpreter(Path(sys.executable)) == Path(sys.executable)
        assert kiosk.updater.tick(between_visits=True) is Step.RESTART
    assert layout.interpreter(Path(sys.executable)) == python
    # What systemd's ExecStart does: `run` becomes the release's interpreter, which finds
    # the wheel's package and the release's code that imports it.
    shown = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import sys; from kiosk.updater import main; main(sys.argv[1:])",
            "run",
            "--root",
            str(layout.root),
            "--",
            "-c",
            "import sys, kiosk, tinypkg; print(sys.prefix, tinypkg.VERSION)",
        ],
        env={**os.environ, "PYTHONPATH": f"{layout.current}{os.pathsep}{Path.cwd()}"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert shown == [str(layout.releases / NEW / VENV), "0.1"]
    assert reported(settings) == [(NEW, "installed", "")]


def test_a_release_built_from_the_whole_lock_installs_only_what_the_kiosk_needs(
    station: Station,
) -> None:
    tmp_path, settings, source = station.tmp_path, station.settings, station.source
    layout = station.layout
    local = tmp_path / "local"
    for name, requires in (("tinypkg", ["tinydep"]), ("tinydep", []), ("tinyweb", ["tinydep"])):
        build_tiny_wheel(tmp_path / "projects" / name, local, name, "0.1", requires)
    # The repository's lock pins the controller's tinyweb too; only the kiosk extra travels.
    (source / "pyproject.toml").write_text(
        '[project]\nname = "s"\nversion = "1"\ndependencies = []\n'
        '[project.optional-dependencies]\nkiosk = ["tinypkg"]\ncontroller = ["tinyweb"]\n'
    )
    (source / "kiosk" / "__init__.py").write_text("import tinypkg, tinydep  # new\n")
    lock = tmp_path / "requirements.lock"
    lock.write_text("tinydep==0.1\ntinypkg==0.1\ntinyweb==0.1\n")
    roots = kiosk_roots(source / "pyproject.toml")
    house = build_closure(lock, roots, tmp_path / "house", find_links=local, no_index=True)
    narrowed = tmp_path / "kiosk.lock"
    narrowed.write_text(house.lock)
    bundle = build_bundle(
        NEW, source, packages=("kiosk",), requirements=narrowed, wheels=house.wheels
    )
    assert sorted(read_wheels(bundle)) == [
        "tinydep-0.1-py3-none-any.whl",
        "tinypkg-0.1-py3-none-any.whl",
    ]
    with station.served():
        kiosk = station.offered(bundle)  # fetched, verified, unpacked, installed and probed
        assert kiosk.updater.staged == NEW
        assert kiosk.updater.tick(between_visits=True) is Step.RESTART
    assert reported(settings) == [(NEW, "installed", "")]
    found = subprocess.run(  # noqa: S603
        [str(layout.venv_python(NEW)), "-I", "-c", _FOUND, "tinypkg", "tinydep", "tinyweb"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert found == ["True", "True", "False"]


# Which of the named packages the interpreter running it can import.
_FOUND = "import importlib.util as u, sys; print(*(bool(u.find_spec(n)) for n in sys.argv[1:]))"


def test_a_wheel_that_does_not_install_leaves_the_running_version_and_is_reported(
    station: Station, tmp_path: Path
) -> None:
    settings, source, layout = station.settings, station.source, station.layout
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "tinypkg-0.1-py3-none-any.whl").write_bytes(b"PK\x03\x04 not a zip at all")
    requirements = tmp_path / "requirements.lock"
    requirements.write_text("tinypkg==0.1\n")
    # Signed and listed as it is: the manifest matches, pip cannot install it.
    bundle = build_bundle(
        NEW,
        source,
        packages=("kiosk",),
        requirements=requirements,
        wheels=list(broken.iterdir()),
    )
    with station.served():
        kiosk = station.offered(bundle)
        assert kiosk.updater.staged is None
        assert kiosk.updater.tick(between_visits=True) is Step.NOTHING
        kiosk.sync.beat()  # offered again: not tried again
    assert layout.running() == OLD
    assert not (layout.releases / NEW).exists()
    assert layout.has(OLD)
    (version, outcome, reason), *more = reported(settings)
    assert (version, outcome, more) == (NEW, "rolled_back", [])
    assert reason.startswith("install: pip install:")
    assert rows(settings, "SELECT state FROM rollouts") == [("halted",)]


def test_a_venv_whose_probe_fails_is_removed_and_the_running_version_kept(
    station: Station, tiny_wheels: Path
) -> None:
    tmp_path, settings, source = station.tmp_path, station.settings, station.source
    layout = station.layout
    # The wheels install, but the release needs a package its lock forgot.
    bundle = wheel_release(source, tmp_path, tiny_wheels, imports="import tinypkg, forgotten")
    with station.served():
        kiosk = station.offered(bundle)
        assert kiosk.updater.staged is None
    assert not (layout.releases / NEW).exists()
    assert layout.running() == OLD
    assert layout.interpreter(Path(sys.executable)) == Path(sys.executable)
    [(version, outcome, reason)] = reported(settings)
    assert (version, outcome) == (NEW, "rolled_back")
    assert reason.startswith("install: probe:")
    assert "forgotten" in reason


def test_wheels_that_do_not_match_the_signed_manifest_refuse_the_bundle(
    station: Station, tiny_wheels: Path
) -> None:
    tmp_path, settings, source = station.tmp_path, station.settings, station.source
    layout, key = station.layout, station.key
    honest = wheel_release(source, tmp_path, tiny_wheels)
    swapped = with_other_wheel_bytes(honest)
    with pytest.raises(ReleaseRefused) as caught:
        read_wheels(swapped)
    assert caught.value.code == "wheel_mismatch"
    with station.served():
        kiosk = station.start()
        kiosk.sync.beat()
        # The controller refuses such an upload: it is swapped in behind its back, signed.
        station.publish(bundle=honest)
        tamper(
            station.app,
            bundle=swapped,
            size=len(swapped),
            sha256=hashlib.sha256(swapped).hexdigest(),
            signature=sign_bundle(swapped, NEW, key),
        )
        kiosk.sync.beat()
        assert kiosk.updater.staged is None
    assert not (layout.releases / NEW).exists()
    assert layout.running() == OLD
    assert reported(settings) == [(NEW, "refused", "wheel_mismatch")]


def test_pins_reads_exact_pins_and_leaves_out_markers_options_and_comments() -> None:
    lock = "# lock\n-i https://example\nKivy[base]==2.3.1  # the UI\npywin32==306; os_name=='nt'\n"
    assert pins(lock + "httpx==0.28.1 \\\n    --hash=sha256:ab\n") == {
        "Kivy": "2.3.1",
        "httpx": "0.28.1",
    }
