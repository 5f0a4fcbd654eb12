"""Tools for catalog authors: check a catalog, walk a flow in a terminal.

    python -m flows.cli validate flows/catalog
    python -m flows.cli walk flows/catalog/employment_registration.yaml --lang en
    python -m flows.cli walk flow.yaml --script answers.yaml     # for CI: exit 1 on a problem

`walk` is an AUTHORING SIMULATION: devices, the controller and the citizen are stand-ins
defined here and used nowhere else (the kiosk binds real devices). A card read yields the
fictitious citizen SIM_NAME / SIM_ID_NUMBER (the example number of GB 11643 itself, not a
person); submit hands out the number SIM-0001 and shows what would be sent, masked; printing
prints a line; time passes only when the script says `wait`.

A script is YAML, read as strictly as a flow file::

    lang: en                         # optional; --lang wins
    today: "2026-11-26"              # optional; fixes date checks for CI
    devices: [id_card_reader]        # optional; the kiosk's devices (default: all)
    guards: {controller_online: false}
    steps:                           # what the citizen and the devices do, in order
      - press: id_card               # a button
      - action: error                # how the next device step ends: ok, error or an event
      - press: retry                 # (an action step with no `action:` here ends ok)
      - form: {phone: "13800138000", employment_type: employed}
      - wait: 200                    # seconds without a touch: timeouts fire
    expect: {outcome: completed, step: done}   # checked at the end
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.actions import ACTIONS, DEVICES, GUARDS, IDENTITY_METHODS
from flows.engine import Action, ActionFailed, FlowRun, Guard, Identity, Session
from flows.errors import FlowDefinitionError, FlowError
from flows.loader import load_flow
from flows.manifest import MANIFEST, load_catalog
from flows.model import StepKind, Texts
from flows.reader import Reader
from flows.texts import button_label
from flows.yamlsafe import read_yaml_file
from pii import Sensitive, mask_name

SIM_ID_NUMBER = "11010519491231002X"
SIM_NAME = "测试甲"
SIM_TRANSACTION = "SIM-0001"
MAX_INPUTS = 500
_READERS = {action: method for method, action in IDENTITY_METHODS.items() if action}


class ScriptError(Exception):
    """The walk could not go on as the script says; the message says where and why."""


@dataclass
class Simulation:
    """AUTHORING SIMULATION: stand-in devices, controller and clock. Never used by the kiosk."""

    out: Callable[[str], None]
    online: bool = True
    now: float = 0.0
    next_outcome: str = "ok"
    guard_values: dict[str, bool] = field(default_factory=dict)

    def clock(self) -> float:
        """Simulated seconds."""
        return self.now

    def actions(self) -> dict[str, Action]:
        """Every action of the vocabulary, simulated."""
        bound: dict[str, Action] = {name: self._reader(name) for name in _READERS}
        bound["submit"] = self._outcome(self._submit)
        bound["print_receipt"] = self._outcome(self._print)
        missing = ACTIONS - bound.keys()
        for name in missing:  # an action added to the vocabulary later: simulated as ok
            bound[name] = self._outcome(lambda s: None)
        return bound

    def guards(self) -> dict[str, Guard]:
        """Every guard of the vocabulary: yes unless the script says no."""
        return {name: self._guard(name) for name in GUARDS}

    def _guard(self, name: str) -> Guard:
        return lambda session: self.guard_values.get(name, True)

    def _outcome(self, work: Callable[[Session], None]) -> Action:
        def action(session: Session) -> str | None:
            outcome, self.next_outcome = self.next_outcome, "ok"
            if outcome == "error":
                raise ActionFailed(Texts("（模拟）设备故障", "(simulated) device error"))
            if outcome != "ok":
                return outcome
            work(session)
            return None

        return action

    def _reader(self, action: str) -> Action:
        def read(session: Session) -> None:
            session.identity = Identity(
                _READERS[action], Sensitive(SIM_ID_NUMBER), Sensitive(SIM_NAME, mask_name)
            )
            number = session.identity.id_number.masked()
            self.out(f"  (simulated) {action}: {mask_name(SIM_NAME)} {number}")

        return self._outcome(read)

    def _submit(self, session: Session) -> None:
        session.public.setdefault("transaction_number", SIM_TRANSACTION)
        shown = {
            k: (v.masked() if isinstance(v, Sensitive) else v) for k, v in session.values.items()
        }
        method = session.identity.method if session.identity else "-"
        self.out(f"  (simulated) submit: identity by {method}, values {shown}")

    def _print(self, session: Session) -> None:
        self.out(f"  (simulated) receipt printed for {session.public.get('transaction_number')}")


# What the citizen or a device does next: (kind, argument).
Input = tuple[str, Any]


class Script:
    """Inputs from a script file, checked as they are used."""

    def __init__(self, steps: list[Input]) -> None:
        self._steps = steps
        self._next = 0

    def next(self, run: FlowRun) -> Input | None:
        """The next input; an action step without an `action:` entry ends ok."""
        item = self._steps[self._next] if self._next < len(self._steps) else None
        if run.step.kind is StepKind.ACTION and (item is None or item[0] == "form"):
            return ("action", "ok")
        if item is None:
            raise ScriptError(f"the script ended at step {run.step.name!r}")
        self._next += 1
        return item


class Terminal:
    """Inputs typed by the author."""

    def __init__(self, out: Callable[[str], None], ask: Callable[[str], str]) -> None:
        self.out, self.ask = out, ask

    def next(self, run: FlowRun) -> Input | None:
        """Ask what happens at the current step."""
        step = run.step
        if step.kind is StepKind.FORM:
            answers = {spec.name: self.ask(f"  {spec.label.get(run.lang)} ({spec.kind}): ")
                       for spec in step.fields}  # fmt: skip
            return ("form", answers)
        choices = run.buttons()
        if step.kind is StepKind.ACTION:
            self.out(f"  (simulated) {step.action}: Enter = ok, e = error, or a button")
        for i, event in enumerate(choices, 1):
            self.out(f"  {i}) {button_label(event, run.lang)} [{event}]")
        reply = self.ask("  > ").strip()
        words = reply.split()
        if words[:1] == ["wait"]:
            seconds = words[1] if len(words) > 1 else "3600"
            return ("wait", float(seconds)) if seconds.isdigit() else ("press", reply)
        if step.kind is StepKind.ACTION and reply in ("", "ok", "e", "error"):
            return ("action", "error" if reply in ("e", "error") else "ok")
        if reply.isdigit() and 1 <= int(reply) <= len(choices):
            return ("press", choices[int(reply) - 1])
        return ("press", reply)


def walk(
    run: FlowRun,
    sim: Simulation,
    inputs: Script | Terminal,
    out: Callable[[str], None],
) -> None:
    """Drive `run` to its end with `inputs`, printing each step."""
    strict = isinstance(inputs, Script)
    for _ in range(MAX_INPUTS):
        _show(run, out)
        if run.done:
            return
        item = inputs.next(run)
        if item is None:
            raise ScriptError("no input")
        kind, arg = item
        try:
            if kind == "press":
                run.touch()
                run.fire(str(arg))
            elif kind == "form":
                if run.step.kind is not StepKind.FORM:
                    raise ScriptError(f"step {run.step.name!r} is not a form")
                run.touch()
                errors = run.submit_form({str(k): _text(v) for k, v in dict(arg).items()})
                for name, message in errors.items():
                    out(f"  ! {name}: {message}")
            elif kind == "action":
                if run.step.kind is not StepKind.ACTION:
                    raise ScriptError(f"step {run.step.name!r} is not an action step")
                sim.next_outcome = str(arg)
                run.run_action()
            elif kind == "wait":
                sim.now += float(arg)
                if run.check_timeout():
                    out(f"  ... {arg} s without a touch: timed out")
        except FlowError as err:
            if strict:
                raise ScriptError(f"at step {run.step.name!r}: {err}") from err
            out(f"  ! {err}")
    raise ScriptError(f"no end after {MAX_INPUTS} inputs")


def _show(run: FlowRun, out: Callable[[str], None]) -> None:
    step = run.step
    timeout = f", {step.timeout:g} s" if step.timeout else ""
    out(f"[{step.name}] {step.title.get(run.lang)} ({step.kind}{timeout})")
    if step.prompt:
        out(f"  {step.prompt.get(run.lang)}")
    if run.error_message and step.kind is StepKind.NOTICE:
        out(f"  message: {run.error_message}")
    if step.kind is StepKind.CONFIRM:
        for label, value in run.summary():
            out(f"  {label}: {value}")
    if run.done:
        extras = f", shows {', '.join(sorted(step.show))}" if step.show else ""
        number = run.session.public.get("transaction_number")
        out(f"end: outcome {run.outcome}{extras}" + (f", number {number}" if number else ""))
        out(f"session wiped: {'yes' if run.session.wiped else 'NO'}")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _read_script(path: Path) -> dict[str, Any]:
    r = Reader(path.name)
    data = r.mapping(
        read_yaml_file(path.read_bytes(), path.name),
        "",
        {"lang", "today", "devices", "guards", "steps", "expect"},
    )
    steps: list[Input] = []
    for i, node in enumerate(r.sequence(data.get("steps", []), "steps")):
        m = r.mapping(node, f"steps[{i}]", {"press", "form", "action", "wait"})
        if len(m) != 1:
            raise r.fail(f"steps[{i}]", "one of press, form, action or wait per entry")
        ((kind, arg),) = m.items()
        if kind == "form":
            r.mapping(arg, f"steps[{i}].form", arg if isinstance(arg, Mapping) else ())
        elif kind == "wait":
            r.integer(arg, f"steps[{i}].wait", 0, 86400)
        else:
            r.text(arg, f"steps[{i}].{kind}")
        steps.append((str(kind), arg))
    guards = r.mapping(data.get("guards", {}), "guards", GUARDS)
    return {
        "lang": data.get("lang"),
        "today": data.get("today"),
        "devices": r.names(data.get("devices", sorted(DEVICES)), "devices", DEVICES, "device"),
        "guards": {str(k): r.boolean(v, f"guards.{k}") for k, v in guards.items()},
        "steps": steps,
        "expect": dict(r.mapping(data.get("expect", {}), "expect", {"outcome", "step"})),
    }


def cmd_validate(target: Path, out: Callable[[str], None]) -> int:
    """Validate a catalog directory (with manifest.yaml), a directory of flows, or one flow."""
    files = sorted(target.glob("*.yaml")) if target.is_dir() else [target]
    problems = 0
    for path in files:
        if path.name == MANIFEST:
            continue
        try:
            flow = load_flow(path)
        except FlowDefinitionError as err:
            out(f"error: {err}")
            problems += 1
            continue
        devices = sorted({d for s in flow.steps.values() for d in s.needs})
        out(f"ok: {path.name}: {flow.id} v{flow.version}, {len(flow.steps)} steps, "
            f"devices {', '.join(devices) or 'none'}")  # fmt: skip
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
        script = _read_script(args.script) if args.script else None
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
    sim = Simulation(out, guard_values=settings.get("guards", {}))
    out("AUTHORING SIMULATION: devices, controller and citizen are stand-ins (flows/cli.py)")
    missing = sorted({d for s in flow.steps.values() for d in s.needs} - set(devices))
    if missing:
        out(f"devices missing: {', '.join(missing)}: their steps use fallbacks or are hidden")
    run = FlowRun(flow, sim.actions(), guards=sim.guards(), devices_available=devices,
                  lang=lang, clock=sim.clock, today=lambda: today)  # fmt: skip
    inputs: Script | Terminal = Script(settings["steps"]) if script else Terminal(out, _ask)
    try:
        walk(run, sim, inputs, out)
    except (ScriptError, EOFError) as err:
        run.abort()
        wiped = "yes" if run.session.wiped else "NO"
        reason = "input ended" if isinstance(err, EOFError) else str(err)
        out(f"stopped: {reason}; session wiped: {wiped}")
        return 1
    expect = settings.get("expect", {})
    got = {"outcome": run.outcome, "step": run.step.name}
    wrong = {k: (v, got[k]) for k, v in expect.items() if got[k] != v}
    for key, (wanted, actual) in wrong.items():
        out(f"expected {key} {wanted}, got {actual}")
    return 1 if wrong or not run.session.wiped else 0


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
