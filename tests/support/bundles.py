"""Wheels and release bundles for the tests of releases that carry their requirements."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from collections.abc import Sequence
from pathlib import Path


def with_other_wheel_bytes(bundle: bytes) -> bytes:
    """The same bundle and manifest, every wheel one byte longer (a build gone wrong)."""
    swapped = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as original,
        tarfile.open(fileobj=swapped, mode="w:gz") as tar,
    ):
        for info in original.getmembers():
            data = original.extractfile(info)
            payload = data.read() if data is not None else b""
            if info.name.startswith("wheels/"):
                payload += b"\0"
                info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return swapped.getvalue()


# A PEP 517 backend inside the temporary project, so `pip wheel` builds a real wheel with
# nothing from an index (no setuptools, no wheel package, no network). spec.json beside it
# names the package, its version and its Requires-Dist lines.
_BACKEND = """
import base64, hashlib, json, pathlib, zipfile

SPEC = json.loads((pathlib.Path(__file__).parent / "spec.json").read_text())
NAME, VERSION = SPEC["name"], SPEC["version"]
INFO = f"{NAME}-{VERSION}.dist-info"
METADATA = f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n" + "".join(
    f"Requires-Dist: {line}\\n" for line in SPEC["requires"]
)
FILES = {
    f"{NAME}/__init__.py": f"VERSION = {VERSION!r}\\n".encode(),
    f"{INFO}/METADATA": METADATA.encode(),
    f"{INFO}/WHEEL": (
        b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    ),
}


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(f"{wheel_directory}/{name}", "w") as wheel:
        for path, data in FILES.items():
            wheel.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{path},sha256={digest.decode()},{len(data)}")
        record.append(f"{INFO}/RECORD,,")
        wheel.writestr(f"{INFO}/RECORD", "\\n".join(record) + "\\n")
    return name
"""


def build_tiny_wheel(
    project: Path,
    out: Path,
    name: str = "tinypkg",
    version: str = "0.1",
    requires: Sequence[str] = (),
) -> Path:
    """`name` (pure Python, `import name; name.VERSION`), needing `requires` (Requires-Dist
    lines), built by `pip wheel` from a project in `project`, offline; the wheel's path in
    `out`."""
    project.mkdir(parents=True, exist_ok=True)
    (project / "backend.py").write_text(_BACKEND)
    spec = {"name": name, "version": version, "requires": list(requires)}
    (project / "spec.json").write_text(json.dumps(spec))
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n'
    )
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pip", "wheel", "--no-index", "--no-deps", "-w", str(out)]
        + ["--disable-pip-version-check", str(project)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out / f"{name}-{version}-py3-none-any.whl"
