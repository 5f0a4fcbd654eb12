"""A raw pseudo-terminal pair and a wake pipe: what every serial-device simulator serves on.

The simulators answer on the master side while the real driver opens the slave side, so
the driver's bytes really cross a tty. A pty starts cooked with echo, which would send a
simulator's replies back to it and translate bytes like 0x0D, so both ends are made raw.
The wake pipe lets `stop()` interrupt a serving thread blocked in poll().
"""

from __future__ import annotations

import contextlib
import os
import tty
from dataclasses import dataclass


@dataclass
class RawPty:
    """Open file descriptors of one raw pty pair and its wake pipe."""

    master: int
    slave: int
    wake_r: int
    wake_w: int

    @classmethod
    def open(cls) -> RawPty:
        """A new raw pair; the master is non-blocking for a poll() loop."""
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        os.set_blocking(master, False)
        wake_r, wake_w = os.pipe()
        return cls(master, slave, wake_r, wake_w)

    @property
    def slave_path(self) -> str:
        """The device path a driver opens (/dev/pts/N)."""
        return os.ttyname(self.slave)

    def wake(self) -> None:
        """Wake the serving thread out of poll()."""
        with contextlib.suppress(OSError):
            os.write(self.wake_w, b"x")

    def close(self) -> None:
        """Close every descriptor; to a driver this is an unplugged cable."""
        for fd in (self.master, self.slave, self.wake_r, self.wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
