"""Commands for kiosks: kept with a time to live, handed out in heartbeat answers, closed by
the kiosk's result.

A command is `queued` until a heartbeat of its kiosk (one that says it takes commands)
carries it away, then `sent`; it is sent again with every heartbeat until the kiosk posts a
result (`succeeded` or `failed`) or `expires_at` passes (`expired`). So a kiosk offline when
ops sent it gets it when it is next heard from, a kiosk that restarted before it answered
gets it again (it runs each id once and sends its stored result again), and nothing is ever
left waiting for an answer that cannot come: ThingsBoard's persistent RPC was seen stuck in
TIMEOUT after restarts and DELIVERED to devices that were offline, because delivery there
is a push that one side may lose. Here every state change is a row in the database, made
by a heartbeat, a result or the clock.

The first result wins; a result arriving after the controller called the command expired
replaces `expired`, since the kiosk knows what it did and the controller only guessed.

The heartbeat's fast path must not query per heartbeat: which kiosks have commands waiting
is read once every `refresh_seconds` (one indexed query) and kept in memory, and a command
sent on this replica is added to it at once. The nudge: a kiosk with commands waiting, or
whose page an ops admin opened in the last WATCH_SECONDS, is told to beat again within
NUDGE_SECONDS, so a command sent from the page runs within seconds. The watch is kept per
replica: behind a balancer that does not keep a browser on one replica the command still
arrives, at the kiosk's next regular heartbeat.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.db import Database
from controller.logs import event
from controller.models import Kiosk, KioskCommand
from controller.services.errors import BadMessage, NotFound
from wire import MAX_COMMANDS, Command, CommandKind, CommandResult, CommandResultAck, CommandState

log = logging.getLogger(__name__)

# How long a command waits for its kiosk unless ops choose otherwise.
DEFAULT_TTL = dt.timedelta(minutes=30)
MAX_TTL = dt.timedelta(days=7)
# Beat again this soon while commands wait or while ops watch the kiosk's page.
NUDGE_SECONDS = 5
WATCH_SECONDS = 600.0
# The newest commands the kiosk page lists.
ON_KIOSK_PAGE = 20

_OUTSTANDING = (CommandState.QUEUED.value, CommandState.SENT.value)

# What ops see for each kind on the kiosk page.
KIND_LABELS: dict[CommandKind, tuple[str, str]] = {
    CommandKind.RESTART_APP: ("重启程序", "Restart app"),
    CommandKind.PRINT_TEST_PAGE: ("打印测试页", "Print test page"),
    CommandKind.SCREENSHOT: ("截屏（仅菜单页）", "Screenshot (menu only)"),
    CommandKind.UPLOAD_LOGS: ("上传日志", "Upload recent logs"),
    CommandKind.OUT_OF_SERVICE_ON: ("暂停服务", "Out of service"),
    CommandKind.OUT_OF_SERVICE_OFF: ("恢复服务", "Back in service"),
    CommandKind.IDENTIFY: ("闪屏鸣响", "Identify (flash and beep)"),
    CommandKind.SELF_TEST: ("运行自检", "Run self-test"),
}
STATE_LABELS: dict[CommandState, tuple[str, str]] = {
    CommandState.QUEUED: ("排队中", "queued"),
    CommandState.SENT: ("已下发", "sent"),
    CommandState.SUCCEEDED: ("成功", "succeeded"),
    CommandState.FAILED: ("失败", "failed"),
    CommandState.EXPIRED: ("已过期", "expired"),
}


@dataclass(frozen=True)
class CommandView:
    """One command as the kiosk page shows it."""

    command_id: str
    kind: tuple[str, str]
    state: CommandState
    state_label: tuple[str, str]
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    sent_count: int
    finished_at: dt.datetime | None
    detail: str
    attachment_type: str


class Commands:
    """Sends commands to kiosks and records what came of them."""

    def __init__(
        self,
        db: Database,
        clock: Clock = utc_now,
        *,
        refresh_seconds: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._clock = clock
        self.refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._waiting: set[int] = set()  # kiosk pks with commands queued or sent
        self._read_at = float("-inf")
        self._watched: dict[int, float] = {}  # kiosk pk -> monotonic end of the watch

    # -- ops ---------------------------------------------------------------------------

    def issue(
        self,
        session: Session,
        kiosk: Kiosk,
        kind: CommandKind,
        created_by: str,
        *,
        ttl: dt.timedelta = DEFAULT_TTL,
        argument: str = "",
    ) -> KioskCommand:
        """Queue a command for `kiosk` (the caller commits and audits)."""
        if not dt.timedelta(minutes=1) <= ttl <= MAX_TTL:
            raise BadMessage(f"a command lives between 1 minute and {MAX_TTL.days} days")
        now = self._clock()
        command = KioskCommand(
            command_id=uuid.uuid4().hex,
            kiosk_pk=kiosk.id,
            kind=kind.value,
            argument=argument[:200],
            state=CommandState.QUEUED.value,
            created_by=created_by[:80],
            created_at=now,
            expires_at=now + ttl,
            sent_count=0,
            detail="",
            attachment_type="",
        )
        session.add(command)
        with self._lock:
            self._waiting.add(kiosk.id)
        return command

    def watch(self, kiosk: Kiosk) -> None:
        """Someone who may send commands has the kiosk's page open: nudge its heartbeats."""
        with self._lock:
            self._watched[kiosk.id] = self._monotonic() + WATCH_SECONDS

    def recent(
        self, session: Session, kiosk: Kiosk, limit: int = ON_KIOSK_PAGE
    ) -> list[CommandView]:
        """The kiosk's newest commands, expiry applied first."""
        self.expire(session, kiosk.id)
        rows = session.scalars(
            select(KioskCommand)
            .where(KioskCommand.kiosk_pk == kiosk.id)
            .order_by(KioskCommand.created_at.desc(), KioskCommand.id.desc())
            .limit(limit)
        )
        return [_view(row) for row in rows]

    def attachment(self, session: Session, kiosk: Kiosk, command_id: str) -> tuple[str, bytes]:
        """The screenshot or log lines a result carried (NotFound if none)."""
        row = session.scalar(
            select(KioskCommand).where(
                KioskCommand.command_id == command_id, KioskCommand.kiosk_pk == kiosk.id
            )
        )
        if row is None or row.attachment is None or not row.attachment_type:
            raise NotFound("no such command result")
        return row.attachment_type, row.attachment

    # -- the heartbeat -----------------------------------------------------------------

    def due(self, kiosk_pk: int) -> bool | None:
        """From memory: does the kiosk have commands waiting? None: ask `refresh` first."""
        with self._lock:
            if self._monotonic() - self._read_at > self.refresh_seconds:
                return None
            return kiosk_pk in self._waiting

    def refresh(self) -> None:
        """Read which kiosks have commands waiting (one query on the state index)."""
        read_at = self._monotonic()
        with self._db.session() as session:
            pks = set(
                session.scalars(
                    select(KioskCommand.kiosk_pk)
                    .where(KioskCommand.state.in_(_OUTSTANDING))
                    .distinct()
                )
            )
        with self._lock:
            self._waiting = pks
            self._read_at = read_at

    def nudge(self, kiosk_pk: int) -> int | None:
        """NUDGE_SECONDS while ops watch the kiosk's page; None otherwise."""
        with self._lock:
            until = self._watched.get(kiosk_pk)
            if until is not None and until < self._monotonic():
                del self._watched[kiosk_pk]
                until = None
        return NUDGE_SECONDS if until is not None else None

    def deliver(self, kiosk_pk: int) -> list[Command]:
        """The kiosk's waiting commands, oldest first, marked sent (and committed)."""
        now = self._clock()
        with self._db.session() as session:
            self.expire(session, kiosk_pk)
            rows = list(
                session.scalars(
                    select(KioskCommand)
                    .where(KioskCommand.kiosk_pk == kiosk_pk, KioskCommand.state.in_(_OUTSTANDING))
                    .order_by(KioskCommand.created_at, KioskCommand.id)
                    .limit(MAX_COMMANDS)
                )
            )
            for row in rows:
                row.state = CommandState.SENT.value
                row.sent_at = row.sent_at or now
                row.sent_count += 1
            session.commit()
            commands = [_wire(row) for row in rows]
        if not commands:
            with self._lock:
                self._waiting.discard(kiosk_pk)
        return commands

    def expire(self, session: Session, kiosk_pk: int | None = None) -> int:
        """Mark commands past their time to live expired; how many (the caller commits)."""
        now = self._clock()
        statement = update(KioskCommand).where(
            KioskCommand.state.in_(_OUTSTANDING), KioskCommand.expires_at <= now
        )
        if kiosk_pk is not None:
            statement = statement.where(KioskCommand.kiosk_pk == kiosk_pk)
        result = session.execute(
            statement.values(state=CommandState.EXPIRED.value, finished_at=now),
            execution_options={"synchronize_session": False},
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # -- the kiosk's answer ------------------------------------------------------------

    def record_result(
        self, session: Session, kiosk: Kiosk, command_id: str, result: CommandResult
    ) -> CommandResultAck:
        """Record what came of a command and commit; a second result changes nothing."""
        row = session.scalar(
            select(KioskCommand).where(
                KioskCommand.command_id == command_id, KioskCommand.kiosk_pk == kiosk.id
            )
        )
        if row is None:  # unknown, or another kiosk's: the same answer
            raise NotFound(f"no command {command_id} for this kiosk")
        state = CommandState(row.state)
        if state in (CommandState.SUCCEEDED, CommandState.FAILED):
            return CommandResultAck(id=command_id, state=state)
        try:
            attachment = base64.b64decode(result.attachment, validate=True)
        except (binascii.Error, ValueError) as err:
            raise BadMessage("CommandResult: attachment: not base64") from err
        state = CommandState.SUCCEEDED if result.ok else CommandState.FAILED
        row.state = state.value
        row.finished_at = self._clock()
        row.detail = result.detail[:2000]
        row.attachment_type = result.attachment_type if attachment else ""
        row.attachment = attachment or None
        session.commit()
        event(
            log,
            "command_result",
            kiosk_id=kiosk.kiosk_id,
            command=row.kind,
            id=command_id,
            state=state.value,
        )
        return CommandResultAck(id=command_id, state=state)


def _wire(row: KioskCommand) -> Command:
    return Command(
        id=row.command_id,
        kind=CommandKind(row.kind),
        issued_at=row.created_at,
        expires_at=row.expires_at,
        argument=row.argument,
    )


def _view(row: KioskCommand) -> CommandView:
    state = CommandState(row.state)
    try:
        kind = KIND_LABELS[CommandKind(row.kind)]
    except ValueError:  # a kind of a later release, read by an older one
        kind = (row.kind, row.kind)
    return CommandView(
        row.command_id,
        kind,
        state,
        STATE_LABELS[state],
        row.created_by,
        row.created_at,
        row.expires_at,
        row.sent_count,
        row.finished_at,
        row.detail,
        row.attachment_type,
    )
