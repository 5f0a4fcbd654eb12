"""A kiosk's releases on disk: `<root>/releases/<version>/` folders and `<root>/current`.

`current` is a symlink to the running release's folder, switched by an atomic rename of a
fresh symlink and made durable (fsync of its directory) before the kiosk restarts into it.
A release is unpacked beside the running one through a `.partial` folder renamed when
complete; a release that carries wheels has its own virtualenv inside its folder (`VENV`),
kept and pruned with it. The updater (kiosk/updater.py) decides when; this module only does.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

# A release's own virtualenv, inside its folder: switched, kept and pruned with it.
VENV = "venv"
# The release key pinned at provisioning, in the kiosk's data_dir: without it, no updates.
PUBLIC_KEY_FILE = "release.pub"


class ReleaseLayout:
    """`<root>/releases/<version>/` folders and the `<root>/current` symlink."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.releases = root / "releases"
        self.current = root / "current"

    def running(self) -> str | None:
        """The version `current` points at (None: not an A/B installation)."""
        try:
            return Path(os.readlink(self.current)).name
        except OSError:
            return None

    def has(self, version: str) -> bool:
        """True when the version's folder is complete."""
        return (self.releases / version / "release.json").is_file()

    def unpack(self, version: str, bundle: bytes) -> None:
        """Unpack a verified bundle into `releases/<version>`, complete or not at all."""
        self.releases.mkdir(parents=True, exist_ok=True)
        partial = self.releases / f".{version}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        # Imported here, not with the module: the kiosk's start reaches this module (through
        # the updater) before its menu, and tarfile with its compressors is 1.2 ms of it.
        import tarfile

        with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as tar:
            # "data": no absolute paths, no way out of the folder, no devices or setuid.
            tar.extractall(partial, filter="data")
        target = self.releases / version
        shutil.rmtree(target, ignore_errors=True)
        os.replace(partial, target)
        _sync_dir(self.releases)

    def venv_python(self, version: str) -> Path:
        """The interpreter of a release's own virtualenv (absent: it carries no wheels)."""
        return self.releases / version / VENV / "bin" / "python"

    def interpreter(self, fallback: Path) -> Path:
        """What runs the kiosk: the running release's venv interpreter, else `fallback`."""
        version = self.running()
        if version is not None and self.venv_python(version).exists():
            return self.venv_python(version)
        return fallback

    def discard(self, version: str) -> None:
        """Remove a release folder that will not run (never the one `current` names)."""
        if version != self.running():
            shutil.rmtree(self.releases / version, ignore_errors=True)

    def switch(self, version: str) -> None:
        """Point `current` at `version` atomically (a new symlink renamed over the old)."""
        fresh = self.root / ".current.new"
        fresh.unlink(missing_ok=True)
        fresh.symlink_to(Path("releases") / version)
        os.replace(fresh, self.current)
        _sync_dir(self.root)

    def prune(self, keep: set[str]) -> None:
        """Remove release folders not in `keep`."""
        if not self.releases.is_dir():
            return
        for folder in self.releases.iterdir():
            if folder.is_dir() and folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)


def _sync_dir(path: Path) -> None:
    # A rename is durable once its directory is: a power cut must not undo the switch.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def installed_layout(code: Path = Path(__file__)) -> ReleaseLayout | None:
    """The layout the running code lives in (`<root>/releases/<version>/kiosk/...`); None
    for a checkout or a plain installation, which cannot switch versions."""
    folder = code.resolve().parent.parent
    if folder.parent.name != "releases":
        return None
    return ReleaseLayout(folder.parent.parent)


def takes_updates(data_dir: Path) -> bool:
    """A release key is pinned and the code runs from a release folder: the updater
    (kiosk/updater.py, with the release checks behind it) has work on this kiosk."""
    return (data_dir / PUBLIC_KEY_FILE).is_file() and installed_layout() is not None
