"""Signed, staged updates: the kiosk's updater against a real controller on a real socket.

The controller is served by uvicorn; the kiosk's client, sync loop and updater are the real
ones, on a release layout in a temporary folder. A restart is a new Updater and SyncLoop on
the same folders, after `guard` (what systemd's ExecStartPre runs). Time is moved, never
slept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
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
    build_closure,
    build_wheelhouse,
    kiosk_roots,
    sign_bundle,
)
from kiosk.enroller import Enroller
from kiosk.enrollment import EnrollmentStore
from kiosk.outbox import Outbox
from kiosk.release_install import pins
from kiosk.release_layout import VENV, ReleaseLayout
from kiosk.sync import SyncLoop
from kiosk.updater import STATE_FILE, HealthSignal, Step, Updater, UpdateState, guard
from tests.controller.controller_testkit import preauthorise, rows
from tests.kiosk.sync_testkit import RecordingClient
from tests.support.bundles import build_tiny_wheel, with_other_wheel_bytes
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import CAPABILITY_UPDATES, Heartbeat, KioskStatus, RegisterRequest
from wire.release import PublicKey, ReleaseRefused, read_wheels

OLD, NEW = "1.0.0", "1.1.0"
# What starting the kiosk takes: its folders, outbox, client, port, clock, layout, key.
Kit = tuple[Path, Outbox, RecordingClient, int, FakeClock, ReleaseLayout, SecretKey]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "controller")


@pytest.fixture
def key() -> SecretKey:
    return SecretKey.generate()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A small tree standing in for the kiosk's packages."""
    root = tmp_path / "src"
    (root / "kiosk").mkdir(parents=True)
    (root / "kiosk" / "__init__.py").write_text('"""the kiosk, as a release carries it"""\n')
    return root


@pytest.fixture
def layout(tmp_path: Path, key: SecretKey, source: Path) -> ReleaseLayout:
    """A kiosk installed with OLD: releases/1.0.0 and current pointing at it."""
    layout = ReleaseLayout(tmp_path / "opt")
    layout.unpack(OLD, build_bundle(OLD, source, packages=("kiosk",)))
    layout.switch(OLD)
    return layout


def controller_app(settings: Settings, clock: FakeClock) -> FastAPI:
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
    return [
        (str(v), str(o), str(r))
        for v, o, r in rows(settings, "SELECT version, outcome, reason FROM kiosk_updates")
    ]


@pytest.fixture
def kit(
    tmp_path: Path,
    outbox: Outbox,
    client: RecordingClient,
    port: int,
    clock: FakeClock,
    layout: ReleaseLayout,
    key: SecretKey,
) -> Kit:
    return tmp_path, outbox, client, port, clock, layout, key


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

    def publish(self, key: SecretKey | None = None) -> None:
        """NEW uploaded, signed with the kiosk's key (or `key`), and rolled out."""
        publish(self.app, key or self.key, self.source)

    def offered(self) -> Kiosk:
        """A kiosk started and enrolled, then offered NEW by its next heartbeat (served)."""
        kiosk = self.start()
        kiosk.sync.beat()  # enrolls; the kiosk is known before the rollout starts
        self.publish()
        kiosk.sync.beat()  # the answer offers NEW: fetched, verified, unpacked beside
        return kiosk


@pytest.fixture
def station(kit: Kit, settings: Settings, source: Path) -> Station:
    return Station(kit, settings, source, controller_app(settings, kit[4]))


def test_a_signed_release_is_staged_switched_between_visits_and_reported_healthy(
    station: Station,
) -> None:
    clock, layout, settings = station.clock, station.layout, station.settings
    with station.served():
        kiosk = station.offered()
        assert kiosk.updater.staged == NEW
        assert layout.has(NEW)
        assert layout.running() == OLD
        assert reported(settings) == [(NEW, "staged", "")]
        # A citizen is at the screen: nothing switches under them.
        assert kiosk.updater.tick(between_visits=False) is Step.NOTHING
        assert layout.running() == OLD
        assert kiosk.updater.tick(between_visits=True) is Step.RESTART
        assert layout.running() == NEW
        assert reported(settings) == [(NEW, "installed", "")]
        # The new version starts, has a heartbeat answered and shows its menu.
        after = station.restart()
        assert after.updater.on_trial == NEW
        after.sync.beat()
        assert after.updater.check() is Step.NOTHING  # no menu yet
        after.updater.saw(HealthSignal.MENU)
        clock.advance(30)
        assert after.updater.check() is Step.HEALTHY
        assert after.updater.on_trial is None
    assert reported(settings) == [(NEW, "healthy", "")]
    assert rows(settings, "SELECT software_version FROM kiosks") == [(NEW,)]
    assert sorted(p.name for p in layout.releases.iterdir()) == [OLD, NEW]


def test_a_failing_health_check_rolls_back_and_is_reported(station: Station) -> None:
    clock, layout, settings = station.clock, station.layout, station.settings
    with station.served():
        kiosk = station.offered()
        assert kiosk.updater.tick(between_visits=True) is Step.RESTART
        after = station.restart()
        after.sync.beat()  # it runs and talks, but never reaches the menu
        clock.advance(599)
        assert after.updater.check() is Step.NOTHING
        clock.advance(2)
        assert after.updater.check() is Step.RESTART
        assert layout.running() == OLD
        # Back on OLD: the offer is not taken again.
        again = station.restart()
        again.sync.beat()
        assert again.updater.staged is None
        assert layout.running() == OLD
    assert reported(settings) == [(NEW, "rolled_back", "health check: no menu")]
    # The only kiosk failed: past the 20 % threshold, the rollout halted.
    assert rows(settings, "SELECT state FROM rollouts") == [("halted",)]


def test_a_version_that_never_starts_is_switched_back_by_the_guard(station: Station) -> None:
    layout = station.layout
    state = station.tmp_path / "kiosk" / STATE_FILE
    with station.served():
        kiosk = station.offered()
        kiosk.updater.tick(between_visits=True)
        # It crashes before the updater runs, again and again; systemd keeps starting it.
        assert [guard(layout, state) for _ in range(4)] == [False, False, False, True]
        assert layout.running() == OLD
        station.start().sync.beat()  # the old version sends what the guard kept
    assert reported(station.settings) == [(NEW, "rolled_back", "did not start 3 times")]


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        pytest.param("corrupted", "bad_signature", id="corrupted"),
        pytest.param("unsigned", "unsigned", id="unsigned"),
        pytest.param("other_key", "wrong_key", id="signed-by-another-key"),
    ],
)
def test_a_bad_bundle_is_refused_reported_and_never_installed(
    station: Station, damage: str, code: str
) -> None:
    app, layout, settings = station.app, station.layout, station.settings
    with station.served():
        kiosk = station.start()
        kiosk.sync.beat()
        station.publish(SecretKey.generate() if damage == "other_key" else None)
        if damage == "corrupted":
            bundle = bytearray(rows(settings, "SELECT bundle FROM releases")[0][0])
            bundle[len(bundle) // 2] ^= 0x01
            tamper(app, bundle=bytes(bundle))
        elif damage == "unsigned":
            tamper(app, signature="")
        kiosk.sync.beat()
        assert kiosk.updater.staged is None
        assert kiosk.updater.tick(between_visits=True) is Step.NOTHING
        kiosk.sync.beat()  # offered again: not fetched again
    assert not layout.has(NEW)
    assert layout.running() == OLD
    assert reported(settings) == [(NEW, "refused", code)]
    assert UpdateState.load(layout.root.parent / "kiosk" / STATE_FILE).refused == [NEW]
    assert rows(settings, "SELECT state FROM rollouts") == [("halted",)]


def test_a_kiosk_that_does_not_say_it_understands_updates_gets_no_offer(
    station: Station, client: RecordingClient
) -> None:
    with station.served():
        kiosk = station.start()
        kiosk.sync.beat()
        station.publish()
        token = EnrollmentStore(station.tmp_path / "kiosk" / "enrollment.json").load()
        assert token is not None
        old = Heartbeat(sent_at=station.clock.wall(), status=KioskStatus.IDLE, software_version=OLD)
        ack = client.heartbeat(old, token.device_token)
        # An older kiosk would refuse an answer with a field it does not know.
        assert "release" not in ack.model_dump(exclude_defaults=True)
        newer = old.model_copy(update={"capabilities": frozenset({CAPABILITY_UPDATES})})
        assert client.heartbeat(newer, token.device_token).release is not None


def test_reports_that_could_not_be_sent_are_sent_after_the_next_heartbeat(
    station: Station,
) -> None:
    clock, settings = station.clock, station.settings
    with station.served():
        kiosk = station.offered()
        assert kiosk.updater.tick(between_visits=True) is Step.RESTART
    # The controller is away while the new version proves itself.
    after = station.restart()
    after.updater.saw(HealthSignal.MENU)
    after.updater.saw(HealthSignal.HEARTBEAT)
    after.updater.saw(HealthSignal.ENROLLED)
    assert after.updater.check() is Step.HEALTHY
    assert reported(settings) == [(NEW, "installed", "")]
    clock.advance(300)
    with serve(controller_app(settings, clock), station.port):
        after.sync.beat()
    assert reported(settings) == [(NEW, "healthy", "")]
    assert station.layout.running() == NEW


# -- a release whose requirements changed: wheels in the bundle, a venv of its own --------


@pytest.fixture(scope="module")
def tiny_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding tinypkg-0.1's wheel, built by `pip wheel` from a temporary project."""
    folder = tmp_path_factory.mktemp("wheels")
    build_tiny_wheel(tmp_path_factory.mktemp("tinypkg"), folder)
    return folder


def wheel_release(
    source: Path, tmp_path: Path, wheels: Path, imports: str = "import tinypkg"
) -> bytes:
    """NEW with tinypkg pinned: its kiosk package imports it, the wheel travels with it."""
    (source / "kiosk" / "__init__.py").write_text(f"{imports}  # new in this release\n")
    requirements = tmp_path / "requirements.lock"
    requirements.write_text("tinypkg==0.1\n")
    house = build_wheelhouse(requirements, tmp_path / "house", find_links=wheels, no_index=True)
    return build_bundle(NEW, source, packages=("kiosk",), requirements=requirements, wheels=house)


def test_a_release_with_new_requirements_runs_in_a_venv_of_its_own_made_offline(
    kit: Kit, settings: Settings, source: Path, tiny_wheels: Path
) -> None:
    tmp_path, _outbox, _client, port, clock, layout, key = kit
    app = controller_app(settings, clock)
    bundle = wheel_release(source, tmp_path, tiny_wheels)
    with serve(app, port):
        kiosk = start_kiosk(*kit)
        kiosk.sync.beat()
        publish(app, key, source, bundle=bundle)
        kiosk.sync.beat()  # fetched, verified, unpacked, installed and probed
        assert kiosk.updater.staged == NEW
        python = layout.venv_python(NEW)
        assert python.exists()
        assert not layout.venv_python(OLD).exists()
        assert layout.interpreter(Path(sys.executable)) == Path(sys.executable)
        assert kiosk.updater.tick(between_visits=True) is Step.RESTART
    assert layout.interpreter(Path(sys.executable)) == python
    # What systemd's ExecStart does: `run` becomes the release's interpreter, which finds
    # the wheel's package and the release's code that imports it.
    shown = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import sys; from kiosk.updater import main; main(sys.argv[1:])",
            "run",
            "--root",
            str(layout.root),
            "--",
            "-c",
            "import sys, kiosk, tinypkg; print(sys.prefix, tinypkg.VERSION)",
        ],
        env={**os.environ, "PYTHONPATH": f"{layout.current}{os.pathsep}{Path.cwd()}"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert shown == [str(layout.releases / NEW / VENV), "0.1"]
    assert reported(settings) == [(NEW, "installed", "")]


def test_a_release_built_from_the_whole_lock_installs_only_what_the_kiosk_needs(
    kit: Kit, settings: Settings, source: Path
) -> None:
    tmp_path, _outbox, _client, port, clock, layout, key = kit
    local = tmp_path / "local"
    for name, requires in (("tinypkg", ["tinydep"]), ("tinydep", []), ("tinyweb", ["tinydep"])):
        build_tiny_wheel(tmp_path / "projects" / name, local, name, "0.1", requires)
    # The repository's lock pins the controller's tinyweb too; only the kiosk extra travels.
    (source / "pyproject.toml").write_text(
        '[project]\nname = "s"\nversion = "1"\ndependencies = []\n'
        '[project.optional-dependencies]\nkiosk = ["tinypkg"]\ncontroller = ["tinyweb"]\n'
    )
    (source / "kiosk" / "__init__.py").write_text("import tinypkg, tinydep  # new\n")
    lock = tmp_path / "requirements.lock"
    lock.write_text("tinydep==0.1\ntinypkg==0.1\ntinyweb==0.1\n")
    roots = kiosk_roots(source / "pyproject.toml")
    house = build_closure(lock, roots, tmp_path / "house", find_links=local, no_index=True)
    narrowed = tmp_path / "kiosk.lock"
    narrowed.write_text(house.lock)
    bundle = build_bundle(
        NEW, source, packages=("kiosk",), requirements=narrowed, wheels=house.wheels
    )
    assert sorted(read_wheels(bundle)) == [
        "tinydep-0.1-py3-none-any.whl",
        "tinypkg-0.1-py3-none-any.whl",
    ]
    app = controller_app(settings, clock)
    with serve(app, port):
        kiosk = start_kiosk(*kit)
        kiosk.sync.beat()
        publish(app, key, source, bundle=bundle)
        kiosk.sync.beat()  # fetched, verified, unpacked, installed and probed
        assert kiosk.updater.staged == NEW
        assert kiosk.updater.tick(between_visits=True) is Step.RESTART
    assert reported(settings) == [(NEW, "installed", "")]
    found = subprocess.run(  # noqa: S603
        [str(layout.venv_python(NEW)), "-I", "-c", _FOUND, "tinypkg", "tinydep", "tinyweb"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert found == ["True", "True", "False"]


# Which of the named packages the interpreter running it can import.
_FOUND = "import importlib.util as u, sys; print(*(bool(u.find_spec(n)) for n in sys.argv[1:]))"


def test_a_wheel_that_does_not_install_leaves_the_running_version_and_is_reported(
    kit: Kit, settings: Settings, source: Path, tmp_path: Path
) -> None:
    _tmp, _outbox, _client, port, clock, layout, key = kit
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "tinypkg-0.1-py3-none-any.whl").write_bytes(b"PK\x03\x04 not a zip at all")
    requirements = tmp_path / "requirements.lock"
    requirements.write_text("tinypkg==0.1\n")
    # Signed and listed as it is: the manifest matches, pip cannot install it.
    bundle = build_bundle(
        NEW,
        source,
        packages=("kiosk",),
        requirements=requirements,
        wheels=list(broken.iterdir()),
    )
    app = controller_app(settings, clock)
    with serve(app, port):
        kiosk = start_kiosk(*kit)
        kiosk.sync.beat()
        publish(app, key, source, bundle=bundle)
        kiosk.sync.beat()
        assert kiosk.updater.staged is None
        assert kiosk.updater.tick(between_visits=True) is Step.NOTHING
        kiosk.sync.beat()  # offered again: not tried again
    assert layout.running() == OLD
    assert not (layout.releases / NEW).exists()
    assert layout.has(OLD)
    (version, outcome, reason), *more = reported(settings)
    assert (version, outcome, more) == (NEW, "rolled_back", [])
    assert reason.startswith("install: pip install:")
    assert rows(settings, "SELECT state FROM rollouts") == [("halted",)]


def test_a_venv_whose_probe_fails_is_removed_and_the_running_version_kept(
    kit: Kit, settings: Settings, source: Path, tiny_wheels: Path
) -> None:
    tmp_path, _outbox, _client, port, clock, layout, key = kit
    # The wheels install, but the release needs a package its lock forgot.
    bundle = wheel_release(source, tmp_path, tiny_wheels, imports="import tinypkg, forgotten")
    app = controller_app(settings, clock)
    with serve(app, port):
        kiosk = start_kiosk(*kit)
        kiosk.sync.beat()
        publish(app, key, source, bundle=bundle)
        kiosk.sync.beat()
        assert kiosk.updater.staged is None
    assert not (layout.releases / NEW).exists()
    assert layout.running() == OLD
    assert layout.interpreter(Path(sys.executable)) == Path(sys.executable)
    [(version, outcome, reason)] = reported(settings)
    assert (version, outcome) == (NEW, "rolled_back")
    assert reason.startswith("install: probe:")
    assert "forgotten" in reason


def test_wheels_that_do_not_match_the_signed_manifest_refuse_the_bundle(
    kit: Kit, settings: Settings, source: Path, tiny_wheels: Path
) -> None:
    tmp_path, _outbox, _client, port, clock, layout, key = kit
    honest = wheel_release(source, tmp_path, tiny_wheels)
    swapped = with_other_wheel_bytes(honest)
    with pytest.raises(ReleaseRefused) as caught:
        read_wheels(swapped)
    assert caught.value.code == "wheel_mismatch"
    app = controller_app(settings, clock)
    with serve(app, port):
        kiosk = start_kiosk(*kit)
        kiosk.sync.beat()
        # The controller refuses such an upload: it is swapped in behind its back, signed.
        publish(app, key, source, bundle=honest)
        tamper(
            app,
            bundle=swapped,
            size=len(swapped),
            sha256=hashlib.sha256(swapped).hexdigest(),
            signature=sign_bundle(swapped, NEW, key),
        )
        kiosk.sync.beat()
        assert kiosk.updater.staged is None
    assert not (layout.releases / NEW).exists()
    assert layout.running() == OLD
    assert reported(settings) == [(NEW, "refused", "wheel_mismatch")]


def test_pins_reads_exact_pins_and_leaves_out_markers_options_and_comments() -> None:
    lock = "# lock\n-i https://example\nKivy[base]==2.3.1  # the UI\npywin32==306; os_name=='nt'\n"
    assert pins(lock + "httpx==0.28.1 \\\n    --hash=sha256:ab\n") == {
        "Kivy": "2.3.1",
        "httpx": "0.28.1",
    }
