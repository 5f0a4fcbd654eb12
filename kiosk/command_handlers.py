"""What each remote command does on this kiosk, for the parts the kiosk owns without its UI.

The touchscreen adds the screenshot, the flash and the restart when it starts
(`CommandRunner.handle`); until it does, those are answered "not supported".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from kiosk.commands import CommandRunner, Outcome, log_text
from kiosk.journal import redact
from wire import CommandKind

if TYPE_CHECKING:
    # The self-test (and the printer's renderer behind it) loads when the command first runs.
    from drivers.selftest import Check

    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import Command


def add_standard_handlers(
    runner: CommandRunner,
    *,
    set_out_of_service: Callable[[bool, str], None],
    checks: Callable[[], Sequence[Callable[[], Check]]],
    log_lines: Callable[[int], list[str]] | None = None,
) -> None:
    """Out of service on and off, the test page and the self-test (the first check prints
    a test receipt), and the recent log lines when the kiosk keeps them."""

    def out_of_service(on: bool) -> Callable[[Command], Outcome]:
        def run(command: Command) -> Outcome:
            set_out_of_service(on, command.argument if on else "")
            return Outcome(True, "out of service" if on else "back in service")

        return run

    def print_page(_: Command) -> Outcome:
        check = checks()[0]()
        return Outcome(check.ok, check.detail)

    def self_test(_: Command) -> Outcome:
        results = [check() for check in checks()]
        failed = [r.device for r in results if not r.ok]
        lines = [
            f"{'OK  ' if r.ok else 'FAIL'} {r.device}: {r.detail} ({r.millis} ms)" for r in results
        ]
        detail = f"failed: {', '.join(failed)}" if failed else f"all {len(results)} checks passed"
        text = redact("\n".join(lines)).encode("utf-8")
        return Outcome(not failed, detail, "text/plain", text)

    runner.handle(CommandKind.OUT_OF_SERVICE_ON, out_of_service(True))
    runner.handle(CommandKind.OUT_OF_SERVICE_OFF, out_of_service(False))
    runner.handle(CommandKind.PRINT_TEST_PAGE, print_page)
    runner.handle(CommandKind.SELF_TEST, self_test)
    if log_lines is not None:
        lines = log_lines

        def upload_logs(_: Command) -> Outcome:
            # The lines are redacted as they are kept (kiosk/journal.py); once more costs
            # little and holds even if a line was kept some other way.
            recent = [redact(line) for line in lines(10_000)]
            return Outcome(True, f"{len(recent)} lines", "text/plain", log_text(recent))

        runner.handle(CommandKind.UPLOAD_LOGS, upload_logs)
