"""Where Debian puts shared libraries and their data, on any architecture, at run time.

The kiosk cannot ask dpkg (a package list is a build-time fact, and dpkg may be absent in a
container): it looks in the multiarch library folders, this machine's triplet first.
"""

from __future__ import annotations

import ctypes
import glob
import sysconfig
from pathlib import Path

from kiosk.ime.errors import ImeUnavailable

LIB_ROOTS = ("/usr/lib", "/lib", "/usr/local/lib")


def lib_dirs() -> list[Path]:
    """Library folders to search: this machine's multiarch folder first, then every other."""
    triplet = sysconfig.get_config_var("MULTIARCH") or ""
    found: list[Path] = []
    for root in LIB_ROOTS:
        if triplet:
            found.append(Path(root) / triplet)
        found.extend(Path(p) for p in sorted(glob.glob(f"{root}/*-linux-gnu*")))
        found.append(Path(root))
    unique: list[Path] = []
    for folder in found:
        if folder not in unique and folder.is_dir():
            unique.append(folder)
    return unique


def find_data(relative: str, package: str, what: str) -> Path:
    """The file `relative` under the first library folder that has it."""
    looked = [str(folder / relative) for folder in lib_dirs()]
    for path in looked:
        if Path(path).is_file():
            return Path(path)
    raise ImeUnavailable(what, package, looked)


def load_library(soname: str, package: str) -> ctypes.CDLL:
    """The shared library `soname` (e.g. libzinnia.so.0), from the loader's path or a lib dir."""
    candidates = [soname, *(str(folder / soname) for folder in lib_dirs())]
    for candidate in candidates:
        try:
            return ctypes.CDLL(candidate)
        except OSError:
            continue
    raise ImeUnavailable(soname, package, candidates)
