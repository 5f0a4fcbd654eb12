"""`estation-provision`: what a technician runs to find, enroll, check and reset kiosks.

discover [--until SERIAL ...] [--count N]
                         the kiosks on the LAN with their state (a live table on a
                         terminal; tab-separated lines once, when piped); it stops early
                         once every SERIAL named, or N kiosks, answered
enroll SERIAL --code C --setup FILE.json [--release-key FILE.pub]
                         pair with the kiosk by the code on its screen, send it its
                         station setup (and the release key to pin), and have it enroll
                         with the controller
selftest --kiosk SERIAL --code C [--out DIR] [--wait SECONDS]
                         the kiosk's self-test with a progress bar: test receipt, an ID
                         card and a social security card laid by the technician, a QR
                         code shown to the camera, the controller; report saved as JSON
                         and PNG (and sent to the controller by the kiosk)
selftest --simulate | --idcard URL ...
                         the drivers' self-test on this machine's devices
bulk FILE.csv [--release-key FILE.pub]
                         enroll many stations; a summary of what failed and why
reset SERIAL --code C    factory reset, confirmed twice
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from drivers.camera.scenes import blank_scene
from drivers.camera.selftest import check_camera
from drivers.camera.simulator import SimulatedCamera
from drivers.idcard.simulator import IdCardSimulator
from drivers.printer.selftest import check_printer_status
from drivers.printer.simulator import PrinterSimulator
from drivers.selftest import Check, Report, check_idcard, check_printer
from drivers.socialcard.selftest import check_socialcard
from provisioning.discovery import Discovery, FoundKiosk, KioskTable
from provisioning.kiosk_api import KioskApi, KioskApiError, KioskGone, KioskRefused
from provisioning.report import save_report
from provisioning.setup_files import SetupFileError, read_setup, setup_from_row


@contextlib.contextmanager
def _simulated() -> Iterator[list[Callable[[], Check]]]:
    """Every device as its simulator, so the tool itself can be checked on a bench."""
    with (
        IdCardSimulator() as idcard,
        tempfile.TemporaryDirectory() as tmp,
        PrinterSimulator(Path(tmp) / "paper") as printer,
    ):
        camera = SimulatedCamera([blank_scene()], directory=Path(tmp) / "camera")
        try:
            yield [
                lambda: check_idcard(idcard.url),
                lambda: check_printer(printer.url),
                lambda: check_printer_status(f"serial:{printer.url}", "kiosk-80"),
                lambda: check_camera(camera.spec),
            ]
        finally:
            camera.close()


def _selftest(args: argparse.Namespace) -> int:
    report = Report(started_at=dt.datetime.now().isoformat(timespec="seconds"))
    checks: list[Callable[[], Check]] = []
    with contextlib.ExitStack() as stack:
        if args.simulate:
            checks += stack.enter_context(_simulated())
        if args.idcard:
            checks.append(lambda: check_idcard(args.idcard, baudrate=args.baudrate))
        if args.printer:
            checks.append(lambda: check_printer(args.printer, profile=args.profile))
            checks.append(lambda: check_printer_status(args.printer, args.profile))
        if args.socialcard is not None:
            checks.append(lambda: check_socialcard(args.socialcard or None))
        if args.camera:
            checks.append(lambda: check_camera(args.camera))
        if not checks:
            print("nothing to test: name a device, or --simulate", file=sys.stderr)
            return 2
        report.checks.extend(check() for check in checks)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for check in report.checks:
            mark = "OK  " if check.ok else "FAIL"
            print(f"{mark} {check.device:<15} {check.millis:>5} ms  {check.detail}")
    return 0 if report.ok else 1


def _console() -> Any:
    """A rich console when stdout is a terminal (colours, tables); None when piped."""
    if not sys.stdout.isatty():
        return None
    from rich.console import Console  # noqa: PLC0415 - only a terminal needs it

    return Console()


_HEADINGS = ("serial", "state", "name", "model", "version", "address")
_STATE_COLOURS = {"unprovisioned": "yellow", "active": "green", "pending": "cyan"}


def _cells(rows: list[FoundKiosk]) -> list[tuple[str, ...]]:
    return [(k.serial, k.state, k.name, k.model, k.version, k.url) for k in rows]


def _plain(rows: list[FoundKiosk]) -> None:
    """Tab-separated, one line per kiosk: what a script reading a pipe can split."""
    print("\t".join(_HEADINGS))
    for row in _cells(rows):
        print("\t".join(row))


def _rich_table(rows: list[FoundKiosk], title: str) -> Any:
    from rich.table import Table  # noqa: PLC0415 - only a terminal needs it

    table = Table(*_HEADINGS, title=title)
    for row in _cells(rows):
        table.add_row(row[0], f"[{_STATE_COLOURS.get(row[1], 'red')}]{row[1]}", *row[2:])
    return table


def _awaited(args: argparse.Namespace) -> Callable[[KioskTable], bool] | None:
    """What ends the look early (`--until`, `--count`), or None: look for `--seconds`."""
    serials: list[str] = args.until or []
    count: int | None = args.count
    if not serials and count is None:
        return None

    def answered(table: KioskTable) -> bool:
        named = all(table.get(serial) is not None for serial in serials)
        return named and (count is None or len(table.rows()) >= count)

    return answered


def _live(
    discovery: Discovery,
    console: Any,
    seconds: float,
    awaited: Callable[[KioskTable], bool] | None,
) -> list[FoundKiosk]:
    """Redraw the table as kiosks appear, change and leave, for `seconds` or until
    `awaited(table)` holds; the last rows."""
    from rich.live import Live  # noqa: PLC0415

    def frame(left: float) -> Any:
        rows = discovery.table.rows()
        looking = f", looking {left:.0f} s more" if left > 0 else ""
        return _rich_table(rows, f"{len(rows)} e-station kiosk(s){looking}")

    deadline = time.monotonic() + seconds
    until = awaited or (lambda _table: False)
    with Live(frame(seconds), console=console, refresh_per_second=4) as live:
        while (left := deadline - time.monotonic()) > 0:
            # Woken by any change to the table, or every quarter second for the countdown.
            if discovery.table.wait(until, min(left, 0.25)):
                break
            live.update(frame(deadline - time.monotonic()))
        live.update(frame(0))
    return discovery.table.rows()


def _discover(args: argparse.Namespace) -> int:
    console = _console()
    awaited = _awaited(args)
    with Discovery(interfaces=args.interface or None) as discovery:
        if console is not None:
            rows = _live(discovery, console, args.seconds, awaited)
        else:
            discovery.table.wait(awaited or (lambda _table: False), args.seconds)
            rows = discovery.table.rows()
            _plain(rows)
    if awaited is not None:
        # Asked for given kiosks: the answer is whether they came, not whether any did.
        return 0 if awaited(discovery.table) else 1
    return 0 if rows else 1


def _find(args: argparse.Namespace, serial: str) -> KioskApi:
    if args.url:
        return KioskApi(args.url)
    with Discovery(interfaces=args.interface or None) as discovery:
        found = discovery.find(serial, timeout=args.seconds)
    if found is None:
        raise KioskGone(f"kiosk {serial} not found on the LAN in {args.seconds:.0f} s")
    return KioskApi(found.url)


def _say_refused(serial: str, err: KioskApiError) -> str:
    """One line for what went wrong; a wrong setup key on it and what it allows below."""
    if isinstance(err, KioskRefused) and err.key:
        return f"{serial}: setup refused: {err.key}: {err.problem}\n    allowed: {err.allowed}"
    if isinstance(err, KioskRefused) and err.message:
        return f"{serial}: {err.message}"  # the kiosk's words; its code is for scripts
    return f"{serial}: {err}"


def enroll_one(
    api: KioskApi, serial: str, code: str, setup: dict[str, Any], release_key: str = ""
) -> str:
    """Pair, configure, pin the release key (its `.pub` text, if given), enroll; what was
    done, with whether the kiosk holds a release key. Idempotent: a kiosk already enrolled
    is left as it is."""
    state = api.state()
    if state.get("serial") != serial:
        raise KioskRefused(409, {"code": "wrong_kiosk", "message": f"found {state.get('serial')}"})
    if not state.get("open") and state.get("state") != "unprovisioned":
        return f"{serial}: already enrolled ({state.get('state')}); nothing changed"
    api.pair(code)
    api.configure(setup)
    if release_key:
        api.pin_release_key(release_key)
    done = api.enroll()
    pinned = _pinned(str(done.get("release_key", "")))
    said = f"{serial}: enrolled as {done['kiosk_id']} ({done['state']}); release key {pinned}"
    if done.get("restarting"):
        said += "; it restarts into its setup now (back in about 10 s)"
    return said


def _release_key(args: argparse.Namespace) -> str:
    """The release key file's text ('' when none was given)."""
    return Path(args.release_key).read_text(encoding="ascii") if args.release_key else ""


def _enroll(args: argparse.Namespace) -> int:
    try:
        setup = read_setup(Path(args.setup))
    except SetupFileError as err:
        print(f"{args.serial}: {err}", file=sys.stderr)
        return 2
    try:
        api = _find(args, args.serial)
        try:
            print(enroll_one(api, args.serial, args.code, setup, _release_key(args)))
        finally:
            api.close()
    except KioskApiError as err:
        print(_say_refused(args.serial, err), file=sys.stderr)
        return 1
    return 0


def _step(run: dict[str, Any]) -> str:
    """What the kiosk is doing now, in one line: the check, what is asked, time left."""
    total, progress = run.get("total") or 0, run.get("progress") or 0
    between = "sending the report to the controller" if total and progress >= total else "starting"
    current = run.get("current") or ("done" if run.get("done") else between)
    prompt = run.get("prompt") or ""
    left = run.get("seconds_left")
    waiting = f" ({left:.0f} s left)" if prompt and isinstance(left, int | float) else ""
    return f"{current}: {prompt}{waiting}" if prompt else str(current)


@contextlib.contextmanager
def _progress_bar(console: Any) -> Iterator[Callable[[dict[str, Any]], None]]:
    """A progress bar with the running check and what the technician is asked to do on a
    terminal; plain lines on stderr, one per change, when piped."""
    if console is None:
        said = [""]

        def plain(run: dict[str, Any]) -> None:
            line = f"self-test {run.get('progress', 0)}/{run.get('total', 0)} {_step(run)}"
            # The seconds left change on every poll: a new line only for a new step.
            key = line.split(" (", 1)[0]
            if key != said[0]:
                said[0] = key
                print(line, file=sys.stderr, flush=True)

        yield plain
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415

    columns = (
        TextColumn("self-test"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("starting", total=None)

        def draw(run: dict[str, Any]) -> None:
            bar.update(task, total=run.get("total") or None, completed=run.get("progress", 0),
                       description=_step(run))  # fmt: skip

        yield draw


def _remote_selftest(args: argparse.Namespace) -> int:
    try:
        api = _find(args, args.kiosk)
        try:
            api.pair(args.code)
            with _progress_bar(_console()) as progress:
                report = api.selftest(progress, wait=args.wait)
            kiosk = api.state()
        finally:
            api.close()
    except KioskApiError as err:
        print(_say_refused(args.kiosk, err), file=sys.stderr)
        return 1
    name = ((kiosk.get("setup") or {}).get("station") or {}).get("name", "")
    facts = {
        "serial": args.kiosk,
        "name": name,
        "version": kiosk.get("version", ""),
        "release_key": kiosk.get("release_key", ""),
    }
    json_path, png_path = save_report(report, facts, Path(args.out))
    for check in report["checks"]:
        mark = "OK  " if check["ok"] else "FAIL"
        print(f"{mark} {check['device']:<24} {check['millis']:>5} ms  {check['detail']}")
    print(f"release key: {_pinned(facts['release_key'])}")
    print(f"report: {json_path} {png_path}; controller: {report.get('sent_to_controller')}")
    return 0 if report["ok"] else 1


def _pinned(key_id: str) -> str:
    return f"{key_id} pinned" if key_id else "not pinned: this kiosk will not take updates"


def _bulk(args: argparse.Namespace) -> int:
    with Path(args.csv).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    release_key = _release_key(args)
    done: list[str] = []
    failed: list[str] = []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        serial = (row.get("serial") or "").strip() or f"line {number}"
        try:
            setup = setup_from_row(row)
            api = _find(args, serial)
            try:
                done.append(enroll_one(api, serial, row["kiosk_code"], setup, release_key))
            finally:
                api.close()
        except ValueError as err:
            failed.append(f"line {number} ({serial}): {err}")
        except KioskApiError as err:
            said = _say_refused(serial, err).removeprefix(f"{serial}: ")
            failed.append(f"line {number} ({serial}): {said}")
    print(f"{len(done)} enrolled, {len(failed)} failed")
    for line in done:
        print(f"  OK   {line}")
    for line in failed:
        print(f"  FAIL {line}")
    return 0 if not failed else 1


def _reset(args: argparse.Namespace, ask: Callable[[str], str] = input) -> int:
    if not args.yes:
        warning = f"Factory reset {args.serial}: credentials, personal data, caches wiped."
        first = ask(f"{warning} Type the serial to go on: ")
        second = ask("Really? Type RESET: ")
        if first.strip() != args.serial or second.strip() != "RESET":
            print("not reset", file=sys.stderr)
            return 1
    try:
        api = _find(args, args.serial)
        try:
            api.pair(args.code)
            api.reset(args.serial)
        finally:
            api.close()
    except KioskApiError as err:
        print(_say_refused(args.serial, err), file=sys.stderr)
        return 1
    print(
        f"{args.serial}: factory reset; it restarts now and announces itself unprovisioned,"
        " with a new pairing code on its screen and receipt printer"
    )
    return 0


def _where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="the kiosk's API (http://addr:port) instead of discovery")
    parser.add_argument("--interface", action="append", help="address to browse on (repeat)")
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="how long to look at most (default 5)"
    )


def _at_least_one(text: str) -> int:
    count = int(text)
    if count < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {count}")
    return count


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen tool."""
    parser = argparse.ArgumentParser(prog="estation-provision", description=__doc__)
    tools = parser.add_subparsers(dest="tool", required=True)
    selftest = tools.add_parser("selftest", help="check the kiosk's devices")
    selftest.add_argument("--idcard", metavar="URL", help="ID card reader port, e.g. /dev/ttyUSB0")
    selftest.add_argument("--baudrate", type=int, default=115200)
    selftest.add_argument(
        "--printer", metavar="URL", help="printer: /dev/usb/lp0, serial:/dev/ttyS1, tcp://h:9100"
    )
    selftest.add_argument("--profile", default="kiosk-80", help="printer profile")
    selftest.add_argument(
        "--socialcard", nargs="?", const="", metavar="READER", help="PC/SC reader (any if empty)"
    )
    selftest.add_argument("--camera", metavar="SPEC", help="camera index, video file or %%03d.png")
    selftest.add_argument("--simulate", action="store_true", help="test against simulators")
    selftest.add_argument("--json", action="store_true", help="print the report as JSON")
    selftest.add_argument("--kiosk", metavar="SERIAL", help="run it on this kiosk over the LAN")
    selftest.add_argument("--code", help="the pairing code on the kiosk's screen")
    selftest.add_argument("--out", default=".", help="folder for the JSON and PNG report")
    selftest.add_argument(
        "--wait", type=float, default=60.0,
        help="seconds the kiosk waits for each test card and the QR code (default 60)",
    )  # fmt: skip
    _where(selftest)
    discover = tools.add_parser(
        "discover",
        help="list the kiosks on the LAN",
        description="List the kiosks on the LAN for --seconds, or until those awaited "
        "(--until, --count) answered: then at once, exit status 0 only if they all did.",
    )
    _where(discover)
    discover.add_argument(
        "--until", action="append", metavar="SERIAL",
        help="stop once the kiosk with this serial answered (repeat: once all of them did)",
    )  # fmt: skip
    discover.add_argument(
        "--count", type=_at_least_one, metavar="N", help="stop once N kiosks (or more) answered"
    )
    enroll = tools.add_parser("enroll", help="pair with a kiosk and enroll it")
    enroll.add_argument("serial")
    enroll.add_argument("--code", required=True, help="the pairing code on the kiosk's screen")
    enroll.add_argument("--setup", required=True, help="station setup, JSON (see docs)")
    enroll.add_argument("--release-key", metavar="FILE", help="release public key to pin (.pub)")
    _where(enroll)
    bulk = tools.add_parser("bulk", help="enroll many kiosks from a CSV")
    bulk.add_argument("csv")
    bulk.add_argument("--release-key", metavar="FILE", help="release public key to pin on each")
    _where(bulk)
    reset = tools.add_parser("reset", help="factory reset a kiosk")
    reset.add_argument("serial")
    reset.add_argument("--code", required=True)
    reset.add_argument("--yes", action="store_true", help="skip both confirmations (scripts)")
    _where(reset)
    args = parser.parse_args(argv)
    if args.tool == "selftest":
        return _remote_selftest(args) if args.kiosk else _selftest(args)
    tool: dict[str, Callable[[argparse.Namespace], int]] = {
        "discover": _discover, "enroll": _enroll, "bulk": _bulk, "reset": _reset,
    }  # fmt: skip
    return tool[args.tool](args)


if __name__ == "__main__":
    sys.exit(main())
