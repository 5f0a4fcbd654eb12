"""Commands from the controller, run at most once each, their results kept until delivered.

Commands arrive in heartbeat answers (wire.HeartbeatAck.commands) and the controller sends
each again until it has a result, so the same id comes many times. The ledger on disk
(`commands.db`, SQLite) is what makes "at most once" hold across restarts:

    new id ----> waiting ----> running ----> done (result kept) ----> reported
                    |  (expired, or a screenshot during a visit: done, refused unrun)
                    +------------------------------------------------> done

- An id seen before is never run again; its result, if the controller may not have it,
  is sent again (a result lost on the way leaves the controller's row `sent`).
- A command whose `expires_at` has passed by the controller's clock (the answer's
  `server_time`, then the kiosk's clock corrected by the skew seen) is refused unrun.
- `running` is written before the work starts: a kiosk that dies mid-command finds the row
  at the next start and reports it failed ("interrupted"), never runs it twice.
- Work that would disturb a citizen (restart, printing, flashing, the self-test) waits for
  the visit to end, within its time to live. A screenshot is refused outright during a
  visit: the screen may hold a citizen's data, and the command is about the menu screen.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wire import MAX_ATTACHMENT_CHARS, CommandKind

if TYPE_CHECKING:
    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import Command, CommandResult

log = logging.getLogger(__name__)

# What waits for the end of a citizen's visit instead of running during it.
_WAITS_FOR_A_GAP = frozenset(
    {
        CommandKind.RESTART_APP,
        CommandKind.PRINT_TEST_PAGE,
        CommandKind.IDENTIFY,
        CommandKind.SELF_TEST,
    }
)
# Kept on disk this long after being reported: far longer than any command's time to live,
# so a late repeat of an id is still recognised.
_FORGET_AFTER = dt.timedelta(days=30)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS commands (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    argument TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    state TEXT NOT NULL,          -- waiting, running, done
    result TEXT,                  -- wire.CommandResult as JSON, once done
    reported INTEGER NOT NULL DEFAULT 0,
    received_at TEXT NOT NULL
)
"""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a handler did: ok or not, a line for ops, and maybe a screenshot or log text.

    `then` runs after the result is safely on disk (a restart: the result is sent after it).
    """

    ok: bool
    detail: str = ""
    attachment_type: str = ""
    attachment: bytes = b""
    then: Callable[[], None] | None = None


Handler = Callable[["Command"], Outcome]


class CommandBook:
    """The ledger of command ids this kiosk has seen, with their state and result."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a row must survive power loss
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def state(self, command_id: str) -> str | None:
        """`waiting`, `running`, `done`, or None for an id never seen."""
        with self._lock:
            row = self._db.execute("SELECT state FROM commands WHERE id = ?", (command_id,))
            found = row.fetchone()
        return str(found[0]) if found else None

    def add(self, command: Command, now: dt.datetime) -> bool:
        """Note a new command as waiting; False when its id was seen before."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO commands (id, kind, argument, issued_at, expires_at,"
                " state, received_at) VALUES (?, ?, ?, ?, ?, 'waiting', ?)",
                (
                    command.id,
                    command.kind.value,
                    command.argument,
                    command.issued_at.isoformat(),
                    command.expires_at.isoformat(),
                    now.isoformat(),
                ),
            )
        return cursor.rowcount == 1

    def waiting(self) -> list[Command]:
        """Commands not yet run, oldest first."""
        from wire import Command

        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, argument, issued_at, expires_at FROM commands"
                " WHERE state = 'waiting' ORDER BY rowid"
            ).fetchall()
        return [
            Command(
                id=r[0],
                kind=CommandKind(r[1]),
                argument=r[2],
                issued_at=dt.datetime.fromisoformat(r[3]),
                expires_at=dt.datetime.fromisoformat(r[4]),
            )
            for r in rows
        ]

    def running(self, command_id: str) -> None:
        """Mark a command as started (on disk before the work begins)."""
        with self._lock:
            self._db.execute(
                "UPDATE commands SET state = 'running' WHERE id = ? AND state = 'waiting'",
                (command_id,),
            )

    def done(self, command_id: str, result: CommandResult) -> None:
        """Keep a command's result until it is reported."""
        with self._lock:
            self._db.execute(
                "UPDATE commands SET state = 'done', result = ?, reported = 0 WHERE id = ?",
                (result.model_dump_json(), command_id),
            )

    def interrupted(self, now: dt.datetime) -> int:
        """Commands that were running when the kiosk stopped: failed, never run again."""
        with self._lock:
            ids = [
                r[0] for r in self._db.execute("SELECT id FROM commands WHERE state = 'running'")
            ]
        if not ids:
            return 0  # the usual start: no result to make, so no wire model loaded for it
        from wire import CommandResult

        result = CommandResult(ok=False, detail="interrupted: the kiosk stopped", finished_at=now)
        for command_id in ids:
            self.done(command_id, result)
        return len(ids)

    def report_again(self, command_id: str) -> None:
        """The controller still asks for this id: send its result again."""
        with self._lock:
            self._db.execute("UPDATE commands SET reported = 0 WHERE id = ?", (command_id,))

    def unreported(self) -> list[tuple[str, CommandResult]]:
        """Results the controller has not acknowledged, oldest first."""
        from wire import CommandResult

        with self._lock:
            rows = self._db.execute(
                "SELECT id, result FROM commands WHERE state = 'done' AND reported = 0"
                " ORDER BY rowid"
            ).fetchall()
        return [(r[0], CommandResult.model_validate_json(r[1])) for r in rows]

    def reported(self, command_id: str, now: dt.datetime) -> None:
        """The controller has the result; drop what was reported long ago."""
        with self._lock:
            self._db.execute("UPDATE commands SET reported = 1 WHERE id = ?", (command_id,))
            self._db.execute(
                "DELETE FROM commands WHERE reported = 1 AND received_at < ?",
                ((now - _FORGET_AFTER).isoformat(),),
            )


class CommandRunner:
    """Takes commands from heartbeat answers and runs each at most once, between visits.

    `handlers` maps a kind to what does it; a kind with none is answered "not supported".
    `busy` is True while a citizen's visit is open; `now` the kiosk's time of day.
    """

    def __init__(
        self,
        book: CommandBook,
        *,
        busy: Callable[[], bool],
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._book = book
        self._busy = busy
        self._now = now
        self._handlers: dict[CommandKind, Handler] = {}
        self._skew = dt.timedelta(0)  # the controller's clock minus ours
        stopped = book.interrupted(now())
        if stopped:
            log.warning("commands interrupted by a stop count=%d", stopped)

    def close(self) -> None:
        """Close the ledger."""
        self._book.close()

    def handle(self, kind: CommandKind, handler: Handler) -> None:
        """Say what does `kind` (the UI adds the screenshot and the flash when it starts)."""
        self._handlers[kind] = handler

    def receive(self, commands: Sequence[Command], server_time: dt.datetime) -> None:
        """Take the commands of a heartbeat answer: new ids wait, known ids are not run."""
        now = self._now()
        self._skew = server_time - now
        for command in commands:
            if not self._book.add(command, now):
                if self._book.state(command.id) == "done":
                    self._book.report_again(command.id)
                log.info("command repeated id=%s kind=%s", command.id, command.kind.value)
                continue
            log.info("command received id=%s kind=%s", command.id, command.kind.value)

    def run_due(self) -> int:
        """Run (or refuse) the waiting commands that may run now; how many were finished."""
        finished = 0
        for command in self._book.waiting():
            controller_now = self._now() + self._skew
            if command.expires_at <= controller_now:
                self._finish(command, Outcome(False, "refused: expired before it could run"))
            elif self._busy() and command.kind is CommandKind.SCREENSHOT:
                self._finish(command, Outcome(False, "refused: a citizen is using the kiosk"))
            elif self._busy() and command.kind in _WAITS_FOR_A_GAP:
                continue  # after the visit, within its time to live
            else:
                self._run(command)
            finished += 1
        return finished

    def unreported(self) -> list[tuple[str, CommandResult]]:
        """Results to send to the controller."""
        return self._book.unreported()

    def reported(self, command_id: str) -> None:
        """The controller acknowledged a result."""
        self._book.reported(command_id, self._now())

    def _run(self, command: Command) -> None:
        handler = self._handlers.get(command.kind)
        if handler is None:
            self._finish(command, Outcome(False, "not supported on this kiosk"))
            return
        self._book.running(command.id)  # from here on it is never started again
        log.info("command running id=%s kind=%s", command.id, command.kind.value)
        try:
            outcome = handler(command)
        except Exception as err:  # noqa: BLE001 - a failed command is a result, not a crash
            outcome = Outcome(False, f"{type(err).__name__}: {err}"[:500])
        self._finish(command, outcome)

    def _finish(self, command: Command, outcome: Outcome) -> None:
        from wire import CommandResult

        attachment = base64.b64encode(outcome.attachment).decode("ascii")
        if len(attachment) > MAX_ATTACHMENT_CHARS:
            outcome = dataclasses.replace(
                outcome, detail=f"{outcome.detail} (attachment too large, left out)".strip()
            )
            attachment = ""
        result = CommandResult(
            ok=outcome.ok,
            detail=outcome.detail[:2000],
            finished_at=self._now(),
            attachment_type=outcome.attachment_type if attachment else "",  # type: ignore[arg-type]
            attachment=attachment,
        )
        self._book.done(command.id, result)
        log.info("command finished id=%s kind=%s ok=%s", command.id, command.kind.value, outcome.ok)
        if outcome.then is not None:
            outcome.then()


def log_text(lines: Sequence[str], limit: int = MAX_ATTACHMENT_CHARS * 3 // 4) -> bytes:
    """The newest log lines (already redacted by kiosk/journal.py) that fit in `limit` bytes."""
    kept: list[bytes] = []
    size = 0
    for line in reversed(lines):
        data = (line + "\n").encode("utf-8")
        if size + len(data) > limit:
            break
        kept.append(data)
        size += len(data)
    return b"".join(reversed(kept))
