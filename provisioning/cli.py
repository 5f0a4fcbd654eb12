"""`estation-provision`: what a technician runs on a kiosk being installed."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from drivers.camera.scenes import blank_scene
from drivers.camera.selftest import check_camera
from drivers.camera.simulator import SimulatedCamera
from drivers.idcard.simulator import IdCardSimulator
from drivers.printer.selftest import check_printer_status
from drivers.printer.simulator import PrinterSimulator
from drivers.selftest import Check, Report, check_idcard, check_printer
from drivers.socialcard.selftest import check_socialcard


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
    args = parser.parse_args(argv)
    return _selftest(args)


if __name__ == "__main__":
    sys.exit(main())
