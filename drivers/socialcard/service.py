"""The local PC/SC service: is pcscd answering, and start it for the demo when it is not.

On an installed kiosk pcscd is the system's (socket-activated); the demo and a bench machine
may have none running, and only root can start one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from drivers.socialcard import pcsc
from drivers.socialcard.errors import PcscUnavailable

VIRTUAL_READER = "Virtual PCD 00 00"  # vsmartcard-vpcd's first reader


def readers() -> list[str]:
    """Readers pcscd lists now; [] when the service is down."""
    try:
        with pcsc.Context() as ctx:
            return ctx.readers()
    except PcscUnavailable:
        return []


def ensure_pcscd(
    log_path: Path, *, reader: str = VIRTUAL_READER, wait: float = 10.0
) -> subprocess.Popen[bytes] | None:
    """Start pcscd if no PC/SC service lists `reader`; return the process we started, if any."""
    if reader in readers():
        return None
    binary = shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/sbin")
    if binary is None:
        raise PcscUnavailable("pcscd is not installed (Debian packages pcscd, vsmartcard-vpcd)")
    if os.geteuid() != 0:
        raise PcscUnavailable("pcscd is not running and only root can start it: sudo pcscd")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - the system's pcscd binary
            [binary, "--foreground"], stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + wait
    while reader not in readers():
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            raise PcscUnavailable(f"pcscd did not list {reader!r}; see {log_path}")
        time.sleep(0.1)
    return process
