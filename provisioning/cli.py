"""`estation-provision`: what a technician runs on a kiosk being installed."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from drivers.idcard.simulator import IdCardSimulator
from drivers.selftest import Report, check_idcard, check_printer


def _selftest(args: argparse.Namespace) -> int:
    report = Report(started_at=dt.datetime.now().isoformat(timespec="seconds"))
    if args.simulate:
        with IdCardSimulator() as sim, tempfile.TemporaryDirectory() as tmp:
            report.checks.append(check_idcard(sim.url))
            report.checks.append(
                check_printer(str(Path(tmp) / "paper.escpos"), profile=args.profile)
            )
    else:
        if args.idcard:
            report.checks.append(check_idcard(args.idcard, baudrate=args.baudrate))
        if args.printer:
            report.checks.append(check_printer(args.printer, profile=args.profile))
    if not report.checks:
        print("nothing to test: give --idcard and/or --printer, or --simulate", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for check in report.checks:
            mark = "OK  " if check.ok else "FAIL"
            print(f"{mark} {check.device:<8} {check.millis:>5} ms  {check.detail}")
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen tool."""
    parser = argparse.ArgumentParser(prog="estation-provision", description=__doc__)
    tools = parser.add_subparsers(dest="tool", required=True)
    selftest = tools.add_parser("selftest", help="check the kiosk's devices")
    selftest.add_argument("--idcard", metavar="URL", help="ID card reader port, e.g. /dev/ttyUSB0")
    selftest.add_argument("--baudrate", type=int, default=115200)
    selftest.add_argument("--printer", metavar="PATH", help="printer device, e.g. /dev/usb/lp0")
    selftest.add_argument("--profile", default="kiosk-80", help="printer profile")
    selftest.add_argument("--simulate", action="store_true", help="test against simulators")
    selftest.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    return _selftest(args)


if __name__ == "__main__":
    sys.exit(main())
