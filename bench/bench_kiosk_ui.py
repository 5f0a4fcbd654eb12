"""The touchscreen on the real Kivy window off-screen, against bare Kivy apps measured the same
way in the same run (issue 8, "Measured").

Run: .venv/bin/python -m bench.bench_kiosk_ui [--runs 5] [--taps 30] [--sessions 1000]
                                               [--draw-every 10] [--no-camera] [--where]
                                               [--rest 20] [--only cold,taps,rss,cpu]
                                               [--fresh-cold]

Four measures, a module each in bench/kiosk_ui/, whose docstring says what it measures and
how:
1. `cold` (bench/kiosk_ui/cold.py): cold start, spawn to the menu's first frame (<= 1.5x).
2. `taps` (bench/kiosk_ui/taps.py): tap to the next screen's first frame (<= 1.2x, p95 <=
   100 ms).
3. `rss` (bench/kiosk_ui/rss.py): RSS over `--sessions` visits (<= 300 MB, growth < 5 %).
4. `cpu` (bench/kiosk_ui/rest.py): CPU at rest on the menu (< 5 % of one core).

Every measurement runs in a fresh child process of this module (`--child KIND`) that prints
one `RESULT {json}` line; the parent prints progress and the ratios. The parent first
byte-compiles our packages (`compile_project`), as installing them on a kiosk does. The
kiosk's controller URL is 127.0.0.1 on a port nothing listens on. What the children share is
bench/kiosk_ui/common.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench.kiosk_ui.common import compile_project, say


def child_main(argv: list[str]) -> None:
    """`--child KIND ... FOLDER`: one measurement in this fresh process."""
    kind, *rest = argv
    folder = Path(rest[-1])
    import logging

    logging.basicConfig(level=logging.WARNING, filename=str(folder.parent / f"{folder.name}.log"))
    folder.mkdir(parents=True, exist_ok=True)
    # Each measure's module is imported here, not above: a child loads only its own.
    if kind == "cold":
        from bench.kiosk_ui.cold import child_cold

        child_cold(rest[0], folder)
    elif kind == "taps":
        from bench.kiosk_ui.taps import child_taps

        child_taps(rest[0], folder, int(rest[1]))
    elif kind == "rest":
        from bench.kiosk_ui.rest import child_rest

        child_rest(folder, float(rest[0]))
    elif kind == "rss":
        from bench.kiosk_ui.rss import child_rss

        child_rss(folder, int(rest[0]), int(rest[1]), rest[2] == "where")
    else:
        raise SystemExit(f"unknown child {kind}")


def main(argv: list[str] | None = None) -> None:
    """Run the chosen measurements and print them."""
    from bench.kiosk_ui import cold, rest, rss, taps

    # --help says what every measure does, as this module's docstring once did alone.
    described = "\n\n".join(
        doc or "" for doc in (__doc__, cold.__doc__, taps.__doc__, rss.__doc__, rest.__doc__)
    )
    parser = argparse.ArgumentParser(prog="python -m bench.bench_kiosk_ui", description=described)
    parser.add_argument("--runs", type=int, default=5, help="cold starts of each app")
    parser.add_argument("--taps", type=int, default=30, help="taps in each app")
    parser.add_argument("--sessions", type=int, default=300, help="visits for the RSS (10000)")
    parser.add_argument(
        "--draw-every", type=int, default=10, help="RSS: one visit in N draws its frames"
    )
    parser.add_argument(
        "--no-camera", action="store_true", help="RSS: a kiosk without a camera (no OpenCV)"
    )
    parser.add_argument(
        "--where", action="store_true", help="RSS: print what holds memory (tracemalloc)"
    )
    parser.add_argument("--rest", type=float, default=20.0, help="seconds of rest measured")
    parser.add_argument(
        "--fresh-cold", action="store_true", help="a new data folder for every cold start"
    )
    parser.add_argument("--only", default="cold,taps,rss,cpu", help="comma-separated parts")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    say(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    compile_project()
    with tempfile.TemporaryDirectory(prefix="estation-uibench-") as scratch:
        if "cold" in parts:
            cold.bench_cold(Path(scratch), args.runs, args.fresh_cold)
        if "taps" in parts:
            taps.bench_taps(Path(scratch), args.taps)
        if "rss" in parts:
            rss.bench_rss(
                Path(scratch), args.sessions, args.draw_every, not args.no_camera, args.where
            )
        if "cpu" in parts:
            rest.bench_cpu(Path(scratch), args.rest)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child_main(sys.argv[2:])
    else:
        main()
