"""Controller configuration: command-line arguments over environment over defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path("var/controller")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700
DEFAULT_HEARTBEAT_SECONDS = 60
SEALING_KEY_FILE_NAME = "sealing.key"


@dataclass(frozen=True)
class AlertSettings:
    """When a kiosk turns yellow, how often an open alert is repeated, how many messages at most."""

    # More transactions than this waiting in a kiosk's outbox: yellow, and an outbox alert.
    outbox_backlog: int = 20
    # A kiosk clock further than this from ours (seconds, either way): yellow, and an alert.
    clock_skew_seconds: int = 120
    # A kiosk program started this many times within an hour: yellow, and a crash-loop alert.
    crash_loop_starts: int = 3
    # An open (unacknowledged) alert is sent again every this many minutes, at most this often.
    reminder_minutes: int = 30
    reminder_max: int = 3
    # No more than this many notifications about one kiosk in any hour (flapping kiosks).
    notifications_per_kiosk_hour: int = 10

    def __post_init__(self) -> None:
        for name in (
            "outbox_backlog",
            "clock_skew_seconds",
            "crash_loop_starts",
            "reminder_minutes",
            "notifications_per_kiosk_hour",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"alerting.{name} must be at least 1")
        if self.reminder_max < 0:
            raise ValueError("alerting.reminder_max cannot be negative")


@dataclass(frozen=True)
class EnrollmentSettings:
    """How kiosks join the fleet (controller/services/enrollment.py, docs/enrollment.md)."""

    # A pairing code works this long after it is issued, once.
    code_minutes: int = 30
    # Refused pairing codes from one address: this many at once, refilled over the window.
    code_attempts: int = 10
    code_attempt_window_minutes: int = 15
    # Enrollments without a code (pending approval): per address and hour, and in all.
    pending_per_address_hour: int = 5
    max_pending: int = 50
    # A device token older than this is asked to rotate (HeartbeatAck.rotate_credential).
    rotate_after_days: int = 30

    def __post_init__(self) -> None:
        for name in (
            "code_minutes",
            "code_attempts",
            "code_attempt_window_minutes",
            "pending_per_address_hour",
            "max_pending",
            "rotate_after_days",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"enrollment.{name} must be at least 1")


@dataclass(frozen=True)
class NotifySettings:
    """The channels notifications go out on; a channel without its address is off."""

    webhook_url: str = ""
    # Signs each body: X-Estation-Signature: sha256=<HMAC-SHA256 of the body, hex>.
    webhook_secret: str = field(default="", repr=False)
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = ""
    smtp_to: tuple[str, ...] = ()
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "a webhook needs a secret to sign its bodies (ESTATION_WEBHOOK_SECRET)"
            )
        if self.webhook_url and not self.webhook_url.startswith(("http://", "https://")):
            raise ValueError("the webhook URL must be http:// or https://")
        if self.smtp_host and not (self.smtp_from and self.smtp_to):
            raise ValueError("e-mail needs a sender and at least one recipient")

    @property
    def webhook(self) -> bool:
        """True when notifications go to a webhook."""
        return bool(self.webhook_url)

    @property
    def email(self) -> bool:
        """True when notifications go out by e-mail."""
        return bool(self.smtp_host)


@dataclass(frozen=True)
class HandoffSettings:
    """Where approved applications go: a province system's webhook (services/handoff.py).

    Off without a URL. A county connects by setting ESTATION_HANDOFF_URL and
    ESTATION_HANDOFF_SECRET; no code changes.
    """

    url: str = ""
    # Signs "<timestamp>.<body>": X-Estation-Signature: sha256=<HMAC-SHA256, hex>.
    secret: str = field(default="", repr=False)
    # Seconds to wait for the receiver's answer; then the attempt failed and is retried.
    timeout_seconds: float = 10.0
    # Failed attempts (30 s, 1 min, 2 min, ... at most 1 h apart) before the application
    # goes to the dead-letter view, where staff send it again.
    max_attempts: int = 10

    def __post_init__(self) -> None:
        if self.url and not self.secret:
            raise ValueError("the hand-off webhook needs a secret (ESTATION_HANDOFF_SECRET)")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError("the hand-off URL must be http:// or https://")
        if self.timeout_seconds <= 0 or self.max_attempts < 1:
            raise ValueError("handoff timeout must be positive and max_attempts at least 1")

    @property
    def enabled(self) -> bool:
        """True when approved applications are handed off."""
        return bool(self.url)


@dataclass(frozen=True)
class Settings:
    """Everything the controller needs to start; build it with `load_settings`."""

    data_dir: Path
    database_url: str = ""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    heartbeat_seconds: int = DEFAULT_HEARTBEAT_SECONDS
    # Fill an empty content store with the fictitious demo content at start-up.
    seed_demo: bool = False
    # A scraper presents it as `Authorization: Bearer <token>` to read /metrics; without
    # one, /metrics answers loopback clients only.
    metrics_token: str = field(default="", repr=False)
    # Pairing codes, pending kiosks, credential rotation (controller/services/enrollment.py).
    enrollment: EnrollmentSettings = field(default_factory=lambda: EnrollmentSettings())
    # Kiosk health thresholds, alert reminders and rate limits (controller/services/alerts.py).
    alerting: AlertSettings = field(default_factory=lambda: AlertSettings())
    # Where notifications go: a signed webhook and/or e-mail (controller/services/notify.py).
    notify: NotifySettings = field(default_factory=lambda: NotifySettings())
    # Approved applications to a province system (controller/services/handoff.py).
    handoff: HandoffSettings = field(default_factory=lambda: HandoffSettings())
    # The background sweep (offline kiosks, alerts, reminders, delivery); tests turn it off
    # and call Sweeper.run_once themselves.
    sweeper_enabled: bool = True
    # The sealing key somewhere else than data_dir: replicas must all seal and hash with one
    # key (a secret file mounted into each), or a retry on another replica is a conflict.
    sealing_key_file: Path | None = None

    def __post_init__(self) -> None:
        if not self.database_url:
            # The default database lives next to the other state in data_dir.
            url = f"sqlite:///{(self.data_dir / 'controller.db').resolve()}"
            object.__setattr__(self, "database_url", url)
        if self.heartbeat_seconds < 1:
            raise ValueError("the heartbeat interval must be at least 1 second")
        # A key file named on purpose is never made up: a typo in the path would otherwise
        # start a replica with a fresh key that opens none of the sealed data.
        if self.sealing_key_file is not None and not self.sealing_key_file.is_file():
            raise ValueError(
                f"the sealing key file {self.sealing_key_file} does not exist"
                " (make one: head -c 32 /dev/urandom > sealing.key)"
            )

    @property
    def sealing_key_path(self) -> Path:
        """Where the AES key that seals personal data at rest is kept."""
        return self.sealing_key_file or self.data_dir / SEALING_KEY_FILE_NAME


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
    return Settings(
        data_dir=resolved_dir,
        database_url=database_url or env.get("ESTATION_DB_URL", ""),
        host=host or DEFAULT_HOST,
        port=DEFAULT_PORT if port is None else port,
        heartbeat_seconds=_int(env, "ESTATION_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS),
        seed_demo=seed_demo,
        metrics_token=env.get("ESTATION_METRICS_TOKEN", ""),
        enrollment=_enrollment_settings(env),
        alerting=_alert_settings(env),
        notify=_notify_settings(env),
        handoff=HandoffSettings(
            url=env.get("ESTATION_HANDOFF_URL", ""),
            secret=env.get("ESTATION_HANDOFF_SECRET", ""),
            max_attempts=_int(env, "ESTATION_HANDOFF_MAX_ATTEMPTS", HandoffSettings.max_attempts),
        ),
        sweeper_enabled=_flag(env, "ESTATION_SWEEPER", default=True),
        sealing_key_file=_path(env, "ESTATION_SEALING_KEY_FILE"),
    )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    return Path(raw) if raw else None


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be on or off, not {raw!r}")


def _alert_settings(env: Mapping[str, str]) -> AlertSettings:
    defaults = AlertSettings()
    return AlertSettings(
        outbox_backlog=_int(env, "ESTATION_OUTBOX_BACKLOG", defaults.outbox_backlog),
        clock_skew_seconds=_int(env, "ESTATION_CLOCK_SKEW_SECONDS", defaults.clock_skew_seconds),
        crash_loop_starts=_int(env, "ESTATION_CRASH_LOOP_STARTS", defaults.crash_loop_starts),
        reminder_minutes=_int(env, "ESTATION_ALERT_REMINDER_MINUTES", defaults.reminder_minutes),
        reminder_max=_int(env, "ESTATION_ALERT_REMINDER_MAX", defaults.reminder_max),
        notifications_per_kiosk_hour=_int(
            env, "ESTATION_NOTIFY_PER_KIOSK_HOUR", defaults.notifications_per_kiosk_hour
        ),
    )


def _enrollment_settings(env: Mapping[str, str]) -> EnrollmentSettings:
    defaults = EnrollmentSettings()
    return EnrollmentSettings(
        code_minutes=_int(env, "ESTATION_PAIRING_CODE_MINUTES", defaults.code_minutes),
        max_pending=_int(env, "ESTATION_MAX_PENDING_KIOSKS", defaults.max_pending),
        rotate_after_days=_int(env, "ESTATION_ROTATE_CREDENTIAL_DAYS", defaults.rotate_after_days),
    )


def _notify_settings(env: Mapping[str, str]) -> NotifySettings:
    recipients = tuple(a.strip() for a in env.get("ESTATION_SMTP_TO", "").split(",") if a.strip())
    return NotifySettings(
        webhook_url=env.get("ESTATION_WEBHOOK_URL", ""),
        webhook_secret=env.get("ESTATION_WEBHOOK_SECRET", ""),
        smtp_host=env.get("ESTATION_SMTP_HOST", ""),
        smtp_port=_int(env, "ESTATION_SMTP_PORT", 25),
        smtp_from=env.get("ESTATION_SMTP_FROM", ""),
        smtp_to=recipients,
        smtp_starttls=_flag(env, "ESTATION_SMTP_STARTTLS", default=False),
        smtp_user=env.get("ESTATION_SMTP_USER", ""),
        smtp_password=env.get("ESTATION_SMTP_PASSWORD", ""),
    )
