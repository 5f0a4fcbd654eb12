"""Controller configuration: command-line arguments over environment over defaults."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from controller.logs import event

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path("var/controller")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700
DEFAULT_HEARTBEAT_SECONDS = 60
ENROLLMENT_TOKEN_FILE = "enrollment-token"  # noqa: S105 - a file name, not a secret
SEALING_KEY_FILE_NAME = "sealing.key"


@dataclass(frozen=True)
class Settings:
    """Everything the controller needs to start; build it with `load_settings`."""

    data_dir: Path
    enrollment_token: str = field(repr=False)
    database_url: str = ""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    heartbeat_seconds: int = DEFAULT_HEARTBEAT_SECONDS
    # Fill an empty content store with the fictitious demo content at start-up.
    seed_demo: bool = False
    # A scraper presents it as `Authorization: Bearer <token>` to read /metrics; without
    # one, /metrics answers loopback clients only.
    metrics_token: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.database_url:
            # The default database lives next to the other state in data_dir.
            url = f"sqlite:///{(self.data_dir / 'controller.db').resolve()}"
            object.__setattr__(self, "database_url", url)
        if len(self.enrollment_token) < 8:
            raise ValueError("the enrollment token needs at least 8 characters")

    @property
    def sealing_key_path(self) -> Path:
        """Where the AES key that seals personal data at rest is kept."""
        return self.data_dir / SEALING_KEY_FILE_NAME


def load_settings(
    *,
    host: str | None = None,
    port: int | None = None,
    database_url: str | None = None,
    data_dir: Path | None = None,
    seed_demo: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings: explicit arguments first, then ESTATION_* variables, then defaults."""
    env = os.environ if environ is None else environ
    resolved_dir = data_dir or Path(env.get("ESTATION_DATA_DIR") or DEFAULT_DATA_DIR)
    token = env.get("ESTATION_ENROLLMENT_TOKEN") or dev_enrollment_token(resolved_dir)
    return Settings(
        data_dir=resolved_dir,
        enrollment_token=token,
        database_url=database_url or env.get("ESTATION_DB_URL", ""),
        host=host or DEFAULT_HOST,
        port=DEFAULT_PORT if port is None else port,
        seed_demo=seed_demo,
        metrics_token=env.get("ESTATION_METRICS_TOKEN", ""),
    )


def dev_enrollment_token(data_dir: Path) -> str:
    """Read the development enrollment token from data_dir, creating it (mode 0600) if absent."""
    # Until enrollment is managed from the dashboard, a technician copies this file's
    # content into the provisioning tool; the token itself never goes to the log.
    path = data_dir / ENROLLMENT_TOKEN_FILE
    created = False
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first; read theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_urlsafe(24) + "\n")
            created = True
    event(log, "dev_enrollment_token", path=str(path.resolve()), created=created)
    return path.read_text(encoding="ascii").strip()
