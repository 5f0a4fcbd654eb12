"""Commands end to end: the controller app on a real socket, the kiosk's SyncLoop with a
command ledger on disk, time moved by a fake clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import FastAPI

from controller.models import Kiosk
from controller.settings import Settings
from kiosk.commands import CommandBook, CommandRunner, Outcome
from kiosk.outbox import Outbox
from kiosk.sync import SyncLoop
from tests.kiosk.sync_testkit import RecordingClient
from tests.kiosk.test_sync import controller_app, make_enroller
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import Command, CommandKind, Heartbeat, KioskStatus


class CommandKiosk:
    """A kiosk's sync loop with commands; `busy` stands for a citizen's visit."""

    def __init__(
        self, tmp_path: Path, outbox: Outbox, client: RecordingClient, port: int, clock: FakeClock
    ) -> None:
        self.busy = False
        self.ran: list[CommandKind] = []
        self.book = CommandBook(tmp_path / "kiosk" / "commands.db")
        self.runner = CommandRunner(self.book, busy=lambda: self.busy, now=clock.wall)
        for kind in (CommandKind.IDENTIFY, CommandKind.SCREENSHOT):
            self.runner.handle(kind, self._did)
        self.sync = SyncLoop(
            outbox,
            client,
            make_enroller(tmp_path, client, port),
            status=lambda: Heartbeat(sent_at=clock.wall(), status=KioskStatus.IDLE),
            now=clock.wall,
            clock=clock,
            commands=self.runner,
        )

    def _did(self, command: Command) -> Outcome:
        self.ran.append(command.kind)
        return Outcome(True, "done")


def issue(app: FastAPI, kind: CommandKind, minutes: int = 30) -> str:
    runtime = app.state.runtime
    with runtime.db.session() as session:
        kiosk = session.query(Kiosk).one()
        command = runtime.commands.issue(
            session, kiosk, kind, "ops", ttl=dt.timedelta(minutes=minutes)
        )
        session.commit()
        return str(command.command_id)


def state(app: FastAPI, command_id: str) -> str:
    runtime = app.state.runtime
    with runtime.db.session() as session:
        return next(
            v.state.value
            for v in runtime.commands.recent(session, session.query(Kiosk).one())
            if v.command_id == command_id
        )


def test_a_command_runs_once_and_is_acknowledged_even_when_delivered_again(
    tmp_path: Path, outbox: Outbox, client: RecordingClient, port: int, clock: FakeClock
) -> None:
    app = controller_app(Settings(data_dir=tmp_path / "controller"), clock)
    kiosk = CommandKiosk(tmp_path, outbox, client, port, clock)
    with serve(app, port):
        kiosk.sync.cycle()  # enrolled
        command_id = issue(app, CommandKind.IDENTIFY)
        clock.advance(60)
        wait = kiosk.sync.cycle()
        assert kiosk.ran == [CommandKind.IDENTIFY]
        assert state(app, command_id) == "succeeded"
        assert wait <= 5  # the controller's nudge while a command was out
        # The same id again (a replay): not run twice.
        again = Command(
            id=command_id,
            kind=CommandKind.IDENTIFY,
            issued_at=clock.wall(),
            expires_at=clock.wall() + dt.timedelta(minutes=5),
        )
        kiosk.runner.receive([again], clock.wall())
        kiosk.sync.run_commands()
    assert kiosk.ran == [CommandKind.IDENTIFY]


def test_an_expired_command_is_refused_unrun_and_an_offline_kiosk_gets_it_when_back(
    tmp_path: Path, outbox: Outbox, client: RecordingClient, port: int, clock: FakeClock
) -> None:
    app = controller_app(Settings(data_dir=tmp_path / "controller"), clock)
    kiosk = CommandKiosk(tmp_path, outbox, client, port, clock)
    with serve(app, port):
        kiosk.sync.cycle()
    # The kiosk is offline while ops send a command; it comes back 10 minutes later.
    command_id = issue(app, CommandKind.IDENTIFY)
    clock.advance(600)
    with serve(app, port):
        kiosk.sync.circuit.succeeded()
        kiosk.sync.cycle()
        assert state(app, command_id) == "succeeded"
        stale = Command(
            id="b" * 32,
            kind=CommandKind.IDENTIFY,
            issued_at=clock.wall(),
            expires_at=clock.wall() - dt.timedelta(seconds=1),
        )
        kiosk.runner.receive([stale], clock.wall())
        kiosk.runner.run_due()
    assert kiosk.ran == [CommandKind.IDENTIFY]
    assert kiosk.runner.unreported()[0][1].detail.startswith("refused: expired")


def test_a_screenshot_is_refused_during_a_visit(
    tmp_path: Path, outbox: Outbox, client: RecordingClient, port: int, clock: FakeClock
) -> None:
    app = controller_app(Settings(data_dir=tmp_path / "controller"), clock)
    kiosk = CommandKiosk(tmp_path, outbox, client, port, clock)
    with serve(app, port):
        kiosk.sync.cycle()
        command_id = issue(app, CommandKind.SCREENSHOT)
        kiosk.busy = True
        clock.advance(60)
        kiosk.sync.cycle()
        assert state(app, command_id) == "failed"
    assert kiosk.ran == []


def test_a_command_interrupted_by_a_stop_is_failed_and_never_run_again(
    tmp_path: Path, clock: FakeClock
) -> None:
    book = CommandBook(tmp_path / "commands.db")
    command = Command(
        id="c" * 32,
        kind=CommandKind.IDENTIFY,
        issued_at=clock.wall(),
        expires_at=clock.wall() + dt.timedelta(minutes=5),
    )
    book.add(command, clock.wall())
    book.running(command.id)  # the kiosk died here
    runner = CommandRunner(book, busy=lambda: False, now=clock.wall)
    ran: list[str] = []
    runner.handle(CommandKind.IDENTIFY, lambda c: ran.append(c.id) or Outcome(True))
    runner.receive([command], clock.wall())
    runner.run_due()
    assert ran == []
    assert runner.unreported()[0][1].detail.startswith("interrupted")
