"""The kiosk's identity in the fleet: its id, device token and state, kept in a private file.

The file is replaced atomically (write, fsync, rename), so a rotated token is on disk
before the kiosk uses it and the old one is forgotten only then.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Enrollment:
    """What the controller gave this kiosk when it enrolled."""

    kiosk_id: str
    device_token: str
    controller_url: str
    heartbeat_seconds: int = 60
    # wire.EnrollmentState: "pending" until ops approve the kiosk (files from before
    # approvals existed hold active kiosks).
    state: str = "active"
    # The pairing code this kiosk last enrolled with: it works once, so it is not sent again.
    pairing_code: str = ""

    @property
    def pending(self) -> bool:
        """True while the kiosk waits for approval."""
        return self.state == "pending"


class EnrollmentStore:
    """Reads and writes the enrollment file atomically, readable by the kiosk user only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Enrollment | None:
        """The saved enrollment, or None before the first one."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return Enrollment(**data)

    def save(self, enrollment: Enrollment) -> None:
        """Replace the saved enrollment in one atomic step."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(enrollment.__dict__, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
