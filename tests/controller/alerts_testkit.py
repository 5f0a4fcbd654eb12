"""A controller to drive health and alerts with: real app, real SQLite, a clock the test moves.

The sweeper's thread is off; tests call `Rig.sweep()` (Sweeper.run_once) when they want a
pass. `Hook` is a webhook receiver on a real 127.0.0.1 socket that checks each signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.app import create_app
from controller.deps import Runtime
from controller.models import Alert, Kiosk, KioskHealthChange, Notification
from controller.services.sweeper import SweepReport
from controller.settings import AlertSettings, NotifySettings, Settings
from tests.controller.controller_testkit import heartbeat, post_json, register
from tests.support.clock import FakeClock
from tests.support.servers import serve

HEARTBEAT_SECONDS = 60
HOOK_SECRET = "a-webhook-secret-for-tests"  # noqa: S105 - a test value


@dataclass
class Rig:
    """One controller app and the clock it runs on."""

    client: TestClient
    clock: FakeClock

    @property
    def runtime(self) -> Runtime:
        """The app's services."""
        runtime: Runtime = self.client.app.state.runtime  # type: ignore[attr-defined]
        return runtime

    def register(self, hardware_id: str = "hw-0001") -> tuple[str, str]:
        """A new kiosk: (kiosk_id, device_token)."""
        return register(self.client, hardware_id=hardware_id)

    def beat(self, token: str, **overrides: Any) -> None:
        """A heartbeat sent now by the kiosk's clock (no skew unless `sent_at` is given)."""
        body = heartbeat(
            sent_at=self.clock.wall().isoformat(),
            devices={"id_card_reader": {"state": "ok"}, "receipt_printer": {"state": "ok"}},
        )
        body.update(overrides)
        answer = post_json(self.client, "/heartbeat", body, token)
        assert answer.status_code == 200, answer.text

    def sweep(self) -> SweepReport:
        """One pass of the background job, at the clock's now."""
        return self.runtime.sweeper.run_once(self.clock.wall())

    def session(self) -> Session:
        """A database session (close it: use `with`)."""
        return self.runtime.db.session()

    def kiosk(self, session: Session, kiosk_id: str) -> Kiosk:
        """The stored kiosk."""
        kiosk = self.runtime.fleet.find(session, kiosk_id)
        assert kiosk is not None
        return kiosk

    def alerts(self) -> list[tuple[str, str, str, str | None]]:
        """Every alert as (kind, device, state, cleared_by), oldest first."""
        with self.session() as session:
            rows = session.scalars(select(Alert).order_by(Alert.id))
            return [(a.kind, a.device, a.state, a.cleared_by) for a in rows]

    def notifications(self) -> list[tuple[str, str, str]]:
        """Every notification as (event, payload kind, state), oldest first."""
        with self.session() as session:
            rows = session.scalars(select(Notification).order_by(Notification.id))
            return [(n.event, n.payload["kind"], n.state) for n in rows]

    def changes(self) -> list[tuple[str, str, list[str]]]:
        """Every health change as (health, status, reasons), oldest first."""
        with self.session() as session:
            rows = session.scalars(select(KioskHealthChange).order_by(KioskHealthChange.id))
            return [(c.health, c.status, list(c.reasons)) for c in rows]


# The database the rig's controller uses; "" is SQLite in the test's data folder. The test
# modules set it from the `database_url` fixture, so each of their tests runs on both.
DATABASE_URL = ""


def make_settings(
    tmp_path: Path,
    *,
    alerting: AlertSettings | None = None,
    notify: NotifySettings | None = None,
) -> Settings:
    """Settings for a test controller with the sweeper thread off."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=DATABASE_URL,
        heartbeat_seconds=HEARTBEAT_SECONDS,
        alerting=alerting or AlertSettings(),
        notify=notify or NotifySettings(),
        sweeper_enabled=False,
    )


@contextmanager
def rig(settings: Settings, clock: FakeClock) -> Iterator[Rig]:
    """The app for `settings`, started (lifespan run) and stopped around the block."""
    with TestClient(create_app(settings, clock=clock.wall)) as client:
        yield Rig(client, clock)


@dataclass
class Hook:
    """A webhook receiver: answers 500 to the first `fail_first` posts, then 204."""

    secret: str = HOOK_SECRET
    fail_first: int = 0
    url: str = ""
    # Every body whose signature was right and that was accepted, decoded.
    accepted: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    bad_signatures: int = 0
    headers: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        """The receiving app."""
        app = FastAPI()

        @app.post("/hook")
        async def receive(request: Request) -> Response:
            body = await request.body()
            expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            given = request.headers.get("x-estation-signature", "")
            with self._lock:
                self.attempts += 1
                if not hmac.compare_digest(given, expected):
                    self.bad_signatures += 1
                    return Response(status_code=401)
                if self.attempts <= self.fail_first:
                    return Response(status_code=500)
                self.accepted.append(json.loads(body))
                self.headers.append(dict(request.headers))
            return Response(status_code=204)

        return app


@contextmanager
def webhook(fail_first: int = 0, secret: str = HOOK_SECRET) -> Iterator[Hook]:
    """A Hook listening on 127.0.0.1; its `url` is set while the block runs."""
    hook = Hook(secret=secret, fail_first=fail_first)
    with serve(hook.app()) as base:
        hook.url = f"{base}/hook"
        yield hook


def hook_settings(hook: Hook, secret: str = HOOK_SECRET) -> NotifySettings:
    """Notify settings sending to `hook`, signed with `secret`."""
    return NotifySettings(webhook_url=hook.url, webhook_secret=secret)
