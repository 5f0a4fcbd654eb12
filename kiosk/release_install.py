"""A release's wheels installed offline into its own virtualenv, then probed.

`python -m venv` makes `releases/<version>/venv`; the running pip fills it with `--no-index
--find-links wheels/ -r requirements.lock` (nothing but the signed wheels can be installed,
each checked again against the signed release.json after unpacking); the venv's interpreter
then proves every pin installed at its version and the release's packages importable. A
failure removes the venv and is an `InstallFailed` the updater (kiosk/updater.py) reports
as rolled back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from kiosk.release_layout import VENV
from wire.release import (
    MANIFEST,
    REQUIREMENTS,
    WHEELS,
    ReleaseRefused,
    check_wheels,
    manifest_wheels,
)

# pip unpacking a kiosk's wheels on a slow SD card; the probe only imports.
INSTALL_SECONDS = 900.0
PROBE_SECONDS = 120.0


class InstallFailed(Exception):
    """A release's wheels did not install, or its venv failed the probe; `reason` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Run by the new venv's interpreter, isolated (-I): every pin at its version, then the
# release's packages imported from its folder.
_PROBE = """
import importlib, importlib.metadata as metadata, json, sys
folder, pins, packages = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
sys.path.insert(0, folder)
for name, version in pins.items():
    try:
        found = metadata.version(name)
    except metadata.PackageNotFoundError:
        raise SystemExit(f"{name} is not installed") from None
    if found != version:
        raise SystemExit(f"{name} {found} installed, {version} pinned")
for package in packages:
    importlib.import_module(package)
"""


def pins(requirements: str) -> dict[str, str]:
    """`name==version` lines of a lock; lines with environment markers are left out (they
    may not apply on this machine) and so are options and comments."""
    found: dict[str, str] = {}
    for raw in requirements.splitlines():
        line = raw.split("#", 1)[0].strip().rstrip("\\").strip()
        if not line or line.startswith("-") or ";" in line or "==" not in line:
            continue
        name, version = line.split("==", 1)
        found[name.split("[", 1)[0].strip()] = version.split()[0]
    return found


@dataclass(frozen=True)
class Installer:
    """Installs a release's wheels offline into its own venv and probes it."""

    python: str = sys.executable
    install_seconds: float = INSTALL_SECONDS
    probe_seconds: float = PROBE_SECONDS

    def install(self, folder: Path) -> None:
        """Make `folder/venv` from `folder/wheels`; a release without wheels needs none.

        Raises ReleaseRefused when the wheels on disk are not those of the signed manifest,
        InstallFailed when pip or the probe fails (the venv is then removed).
        """
        try:
            manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        except ValueError as err:
            raise ReleaseRefused("bad_bundle", f"{MANIFEST} unreadable after unpacking") from err
        if "wheels" not in manifest:
            return
        listed = manifest_wheels(manifest)
        wheels = folder / WHEELS
        present = {w.name: w.read_bytes() for w in wheels.glob("*.whl")} if wheels.is_dir() else {}
        check_wheels(listed, present)  # what pip will read, read again after unpacking
        requirements = folder / REQUIREMENTS
        if not requirements.is_file():
            raise ReleaseRefused("bad_bundle", f"wheels without {REQUIREMENTS}")
        venv = folder / VENV
        shutil.rmtree(venv, ignore_errors=True)
        python = venv / "bin" / "python"
        # The running pip installs into the new venv (--python): no pip inside it to
        # bootstrap, and the index is never asked (--no-index): only the signed wheels.
        pinned = json.dumps(pins(requirements.read_text("utf-8")))
        packages = [p for p in str(manifest.get("packages", "")).split(",") if p]
        steps = [
            ("venv", [self.python, "-m", "venv", "--without-pip", str(venv)]),
            ("pip install", [
                self.python, "-m", "pip", "--python", str(python), "install", "--no-index",
                "--find-links", str(wheels), "--no-cache-dir", "--disable-pip-version-check",
                "--no-input", "-r", str(requirements),
            ]),
            ("probe", [str(python), "-I", "-c", _PROBE, str(folder), pinned, *packages]),
        ]  # fmt: skip
        for name, command in steps:
            seconds = self.probe_seconds if name == "probe" else self.install_seconds
            try:
                done = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
                    command,
                    capture_output=True,
                    text=True,
                    timeout=seconds,
                    env=_clean_env(),
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as err:
                shutil.rmtree(venv, ignore_errors=True)
                raise InstallFailed(f"{name}: {type(err).__name__}") from err
            if done.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
                raise InstallFailed(f"{name}: {' '.join(tail)}"[:200])


def _clean_env() -> dict[str, str]:
    # No PYTHONPATH (it names `current`, the old release) and no machine pip settings.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env
