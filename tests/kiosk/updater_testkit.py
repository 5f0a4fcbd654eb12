"""The updater tests' station: a controller app and a kiosk's folders, port, clock, releases
and key, and the kiosk program started on them (test_updater_*.py).

The controller is served by uvicorn; the kiosk's client, sync loop and updater are the real
ones, on a release layout in a temporary folder. A restart is a new Updater and SyncLoop on
the same folders, after `guard` (what systemd's ExecStartPre runs). Time is moved, never
slept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import update

from controller.app import create_app
from controller.models import Release
from controller.services import Conflict
from controller.services.audit import Actor
from controller.settings import Settings
from devkit.release import (
    SecretKey,
    build_bundle,
    sign_bundle,
)
from kiosk.enroller import Enroller
from kiosk.enrollment import EnrollmentStore
from kiosk.outbox import Outbox
from kiosk.release_layout import ReleaseLayout
from kiosk.sync import SyncLoop
from kiosk.updater import STATE_FILE, Updater, guard
from tests.controller.controller_testkit import preauthorise, rows
from tests.kiosk.sync_testkit import RecordingClient
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import CAPABILITY_UPDATES, Heartbeat, KioskStatus, RegisterRequest
from wire.release import PublicKey

OLD, NEW = "1.0.0", "1.1.0"
# What starting the kiosk takes: its folders, outbox, client, port, clock, layout, key.
Kit = tuple[Path, Outbox, RecordingClient, int, FakeClock, ReleaseLayout, SecretKey]


def release_source(tmp_path: Path) -> Path:
    """A small tree standing in for the kiosk's packages."""
    root = tmp_path / "src"
    (root / "kiosk").mkdir(parents=True)
    (root / "kiosk" / "__init__.py").write_text('"""the kiosk, as a release carries it"""\n')
    return root


def installed_layout(tmp_path: Path, source: Path) -> ReleaseLayout:
    """A kiosk installed with OLD: releases/1.0.0 and current pointing at it."""
    layout = ReleaseLayout(tmp_path / "opt")
    layout.unpack(OLD, build_bundle(OLD, source, packages=("kiosk",)))
    layout.switch(OLD)
    return layout


def controller_app(settings: Settings, clock: FakeClock) -> FastAPI:
    """The controller on `settings` and `clock`, the kiosk's hardware id pre-authorised."""
    app = create_app(settings, clock=clock.wall)
    with contextlib.suppress(Conflict):
        preauthorise(app, "hw-sync")
    return app


def publish(
    app: FastAPI,
    key: SecretKey,
    source: Path,
    version: str = NEW,
    *,
    rollout: bool = True,
    bundle: bytes | None = None,
) -> None:
    """Upload a signed release and start its rollout, as an ops admin would."""
    runtime = app.state.runtime
    bundle = bundle or build_bundle(version, source, packages=("kiosk",))
    with runtime.db.session() as session:
        admin = Actor.user("admin", "ops_admin")
        runtime.updates.add_release(session, admin, bundle, sign_bundle(bundle, version, key))
        if rollout:
            runtime.updates.start(session, admin, version)
        session.commit()


def tamper(app: FastAPI, **values: object) -> None:
    """Change the stored release behind the controller's back (a disk, a rogue admin)."""
    runtime = app.state.runtime
    with runtime.db.session() as session:
        session.execute(update(Release).values(**values))
        session.commit()
    runtime.updates.changed()


@dataclass
class Kiosk:
    """One run of the kiosk program: its sync loop and updater."""

    sync: SyncLoop
    updater: Updater


def start_kiosk(
    tmp_path: Path,
    outbox: Outbox,
    client: RecordingClient,
    port: int,
    clock: FakeClock,
    layout: ReleaseLayout,
    key: SecretKey,
) -> Kiosk:
    """The kiosk program starting (as composition assembles it)."""
    enroller = Enroller(
        EnrollmentStore(tmp_path / "kiosk" / "enrollment.json"),
        client,
        RegisterRequest(hardware_id="hw-sync", name="一号机"),
        f"http://127.0.0.1:{port}",
    )

    def token() -> str:
        return enroller.ensure().device_token

    updater = Updater(
        layout,
        tmp_path / "kiosk" / STATE_FILE,
        PublicKey.parse(key.public().text()),
        fetch=lambda offer: client.release_bundle(offer.version, token(), limit=offer.size),
        send=lambda report: client.report_update(report, token()),
        clock=clock,
        now=clock.wall,
        health_seconds=600,
    )

    def status() -> Heartbeat:
        return Heartbeat(
            sent_at=clock.wall(),
            status=KioskStatus.IDLE,
            software_version=updater.running_version,
            capabilities=frozenset({CAPABILITY_UPDATES}),
        )

    sync = SyncLoop(
        outbox,
        client,
        enroller,
        status=status,
        now=clock.wall,
        clock=clock,
        on_ack=updater.heartbeat_answered,
    )
    updater.started()
    return Kiosk(sync, updater)


def reported(settings: Settings) -> list[tuple[str, str, str]]:
    """The update reports the controller stored: (version, outcome, reason) each."""
    return [
        (str(v), str(o), str(r))
        for v, o, r in rows(settings, "SELECT version, outcome, reason FROM kiosk_updates")
    ]


def restart(
    kit: Kit,
) -> Kiosk:
    """systemd starts the program again: ExecStartPre's guard, then the kiosk."""
    tmp_path, _outbox, _client, _port, _clock, layout, _key = kit
    guard(layout, tmp_path / "kiosk" / STATE_FILE)
    return start_kiosk(*kit)


@dataclass
class Station:
    """What every test sets up: a controller app, and the kiosk's folders, port and key."""

    kit: Kit
    settings: Settings
    source: Path
    app: FastAPI

    # Unpacked from kit: the test's folder, the port, the clock, the releases, the key.
    tmp_path: Path = field(init=False)
    port: int = field(init=False)
    clock: FakeClock = field(init=False)
    layout: ReleaseLayout = field(init=False)
    key: SecretKey = field(init=False)

    def __post_init__(self) -> None:
        self.tmp_path, _outbox, _client, self.port, self.clock, self.layout, self.key = self.kit

    @contextlib.contextmanager
    def served(self) -> Iterator[None]:
        """The controller up on its port."""
        with serve(self.app, self.port):
            yield

    def start(self) -> Kiosk:
        """The kiosk program starting."""
        return start_kiosk(*self.kit)

    def restart(self) -> Kiosk:
        """The kiosk program starting again, after the guard."""
        return restart(self.kit)

    def publish(self, key: SecretKey | None = None, bundle: bytes | None = None) -> None:
        """NEW (or `bundle`) uploaded, signed with the kiosk's key (or `key`), rolled out."""
        publish(self.app, key or self.key, self.source, bundle=bundle)

    def offered(self, bundle: bytes | None = None) -> Kiosk:
        """A kiosk started and enrolled, then offered NEW (built from the source, or `bundle`)
        by its next heartbeat (served)."""
        kiosk = self.start()
        kiosk.sync.beat()  # enrolls; the kiosk is known before the rollout starts
        self.publish(bundle=bundle)
        kiosk.sync.beat()  # the answer offers NEW: fetched, verified, unpacked beside
        return kiosk


def make_station(
    tmp_path: Path, outbox: Outbox, client: RecordingClient, port: int, clock: FakeClock
) -> Station:
    """A station on the kiosk conftest's outbox, client, port and clock: OLD installed, a new
    signing key, a controller app on a settings folder of its own."""
    settings = Settings(data_dir=tmp_path / "controller")
    source = release_source(tmp_path)
    layout = installed_layout(tmp_path, source)
    kit: Kit = (tmp_path, outbox, client, port, clock, layout, SecretKey.generate())
    return Station(kit, settings, source, controller_app(settings, clock))
