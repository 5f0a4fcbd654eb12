"""Tools for catalog authors: check a catalog, walk a flow in a terminal.

    python -m flows.cli validate flows/catalog
    python -m flows.cli walk flows/catalog/employment_registration.yaml --lang en
    python -m flows.cli walk flow.yaml --script answers.yaml     # for CI: exit 1 on a problem

`walk` is an AUTHORING SIMULATION: devices, the controller and the citizen are stand-ins
(walk_simulation.py). When the flow ends in a step with `then:` (the rating) and the flow
file has that flow beside it, the walk goes on into it as long as the script has steps left
(typed answers: when the author says y). What a script may say is in walk_script.py; what
the terminal shows and asks in walk_terminal.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flows.actions import DEVICES
from flows.engine import FlowRun
from flows.errors import FlowDefinitionError, FlowError
from flows.loader import FlowFiles, load_flow
from flows.manifest import MANIFEST, load_catalog
from flows.session import RunRecord
from flows.walk_script import read_script
from flows.walk_simulation import Simulation
from flows.walk_terminal import Terminal, show
from flows.walker import Script, WalkError, walk_on

MAX_INPUTS = 500


def cmd_validate(target: Path, out: Callable[[str], None]) -> int:
    """Validate a catalog directory (with manifest.yaml), a directory of flows, or one flow."""
    files = sorted(target.glob("*.yaml")) if target.is_dir() else [target]
    problems = 0
    reported: set[str] = set()
    # One library for a directory: each flow is parsed once, however many others use it.
    library = FlowFiles.in_directory(target)
    for path in files:
        if path.name == MANIFEST:
            continue
        try:
            flow = library(path.stem) if target.is_dir() else load_flow(path)
        except FlowDefinitionError as err:
            if str(err) not in reported:  # a broken flow others refer to is said once
                out(f"error: {err}")
                reported.add(str(err))
            problems += 1
            continue
        if flow is None:  # the file went away while we read the others
            continue
        devices = sorted({d for s in flow.steps.values() for d in s.needs})
        extras = "".join(
            [f", bundle of {len(flow.items)} services" if flow.items else ""]
            + sorted({f", then {s.then}" for s in flow.steps.values() if s.then})
        )
        out(f"ok: {path.name}: {flow.id} v{flow.version}, {len(flow.steps)} steps, "
            f"devices {', '.join(devices) or 'none'}{extras}")  # fmt: skip
    if target.is_dir() and (target / MANIFEST).exists() and not problems:
        try:
            catalog = load_catalog(target)
        except FlowDefinitionError as err:
            out(f"error: {err}")
            return 1
        out(f"ok: {MANIFEST}: catalog v{catalog.version} for region {catalog.region}, "
            f"{len(catalog.services)} service(s): "
            + ", ".join(s.flow.id for s in catalog.services))  # fmt: skip
    if not files:
        out(f"error: no .yaml files in {target}")
        return 1
    return 1 if problems else 0


def cmd_walk(args: argparse.Namespace, out: Callable[[str], None]) -> int:
    """Walk one flow, from a script or typed answers."""
    try:
        flow = load_flow(args.flow)
        script = read_script(args.script) if args.script else None
    except FlowDefinitionError as err:
        out(f"error: {err}")
        return 1
    settings: dict[str, Any] = script or {}
    lang = args.lang or settings.get("lang") or "zh-CN"
    try:
        today = dt.date.fromisoformat(str(args.today or settings.get("today") or dt.date.today()))
    except ValueError:
        out("error: today is a date like 2026-11-26")
        return 1
    devices = set(args.devices.split(",")) if args.devices else settings.get("devices", DEVICES)
    if not devices <= DEVICES:
        out(f"error: unknown device(s) {sorted(devices - DEVICES)}; known: {sorted(DEVICES)}")
        return 1
    sim = Simulation(out, guard_values=settings.get("guards", {}), flow=flow)
    out(
        "AUTHORING SIMULATION: devices, controller and citizen are stand-ins"
        " (flows/walk_simulation.py)"
    )
    missing = sorted({d for s in flow.steps.values() for d in s.needs} - set(devices))
    if missing:
        out(f"devices missing: {', '.join(missing)}: their steps use fallbacks or are hidden")
    options: dict[str, Any] = {
        "guards": sim.guards(),
        "devices_available": devices,
        "lang": lang,
        "clock": sim.clock,
        "today": lambda: today,
    }
    run = FlowRun(flow, sim.actions(), record=settings.get("record"), **options)
    inputs: Script | Terminal = Script(settings["steps"]) if script else Terminal(out, _ask)
    started = [run]

    def start(flow_id: str, record: RunRecord) -> FlowRun | None:
        then_file = args.flow.parent / f"{flow_id}.yaml"
        if not then_file.is_file():
            return None
        out(f"then: {flow_id}, for transaction {record.transaction_number}")
        sim.flow = load_flow(then_file)
        started.append(FlowRun(sim.flow, sim.actions(), record=record, **options))
        return started[-1]

    def refused(err: FlowError) -> None:
        out(f"  ! {err}")

    def form_errors(run: FlowRun, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            out(f"  ! {name}: {message}")

    try:
        walked = walk_on(
            run,
            inputs,
            sim,
            start,
            on_step=lambda shown: show(shown, out),
            on_form_errors=form_errors,
            # An author typing at a terminal may mistype; a script may not.
            on_refused=None if script else refused,
            max_inputs=MAX_INPUTS,
        )
    except (WalkError, EOFError, FlowDefinitionError) as err:
        for stopped in started:
            stopped.abort()
        wiped = "yes" if started[-1].session.wiped else "NO"
        reason = "input ended" if isinstance(err, EOFError) else str(err)
        out(f"stopped: {reason}; session wiped: {wiped}")
        return 1
    failed = False
    for done, key in zip(walked, ("expect", "expect_follow_on"), strict=False):
        got = {"outcome": done.outcome, "step": done.step.name}
        for name, wanted in settings.get(key, {}).items():
            if got[name] != wanted:
                out(
                    f"expected {name} {wanted}, got {got[name]}"
                    + (" (follow-on)" if key != "expect" else "")
                )
                failed = True
        failed = failed or not done.session.wiped
    if settings.get("expect_follow_on") and len(walked) == 1:
        out("expected a follow-on flow, none was walked")
        failed = True
    return 1 if failed else 0


def _ask(prompt: str) -> str:
    return input(prompt)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m flows.cli`."""
    parser = argparse.ArgumentParser(prog="python -m flows.cli", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="check a catalog directory or flow files")
    validate.add_argument("target", type=Path)
    walk_cmd = sub.add_parser("walk", help="walk one flow in the terminal (simulated devices)")
    walk_cmd.add_argument("flow", type=Path)
    walk_cmd.add_argument("--script", type=Path, help="answers as YAML; without it, ask")
    walk_cmd.add_argument("--lang", choices=("zh-CN", "en"))
    walk_cmd.add_argument("--today", help="the date the run believes it is (YYYY-MM-DD)")
    walk_cmd.add_argument("--devices", help=f"comma-separated, from {', '.join(sorted(DEVICES))}")
    args = parser.parse_args(argv)
    if args.command == "validate":
        return cmd_validate(args.target, print)
    return cmd_walk(args, print)


if __name__ == "__main__":
    sys.exit(main())
