"""Tools for catalog authors: check a catalog, walk a flow in a terminal.

    python -m flows.cli validate flows/catalog
    python -m flows.cli walk flows/catalog/employment_registration.yaml --lang en
    python -m flows.cli walk flow.yaml --script answers.yaml     # for CI: exit 1 on a problem

`walk` is an AUTHORING SIMULATION: devices, the controller and the citizen are stand-ins
defined here and used nowhere else (the kiosk binds real devices). A card read yields the
fictitious citizen SIM_NAME / SIM_ID_NUMBER (the example number of GB 11643 itself, not a
person); submit hands out the number SIM-0001 and shows what would be sent, masked; the
fetching actions hand out SIM_CONTENT (two or three made-up items each); printing prints a
line; time passes only when the script says `wait`. When the flow ends in a step with
`then:` (the rating) and the flow file has that flow beside it, the walk goes on into it as
long as the script has steps left (typed answers: when the author says y).

A script is YAML, read as strictly as a flow file::

    lang: en                         # optional; --lang wins
    today: "2026-11-26"              # optional; fixes date checks for CI
    devices: [id_card_reader]        # optional; the kiosk's devices (default: all)
    guards: {controller_online: false}
    public: {transaction_number: KA01-2611260001, service: employment_registration}
                                     # optional; what a follow-on flow (the rating) gets
    steps:                           # what the citizen and the devices do, in order
      - press: id_card               # a button
      - action: error                # how the next device step ends: ok, error or an event
      - press: retry                 # (an action step with no `action:` here ends ok)
      - form: {phone: "13800138000", employment_type: employed}
      - select: J-001                # an item of the list on screen, by id
      - wait: 200                    # seconds without a touch: timeouts fire
    expect: {outcome: completed, step: done}   # checked at the end of the flow walked
    expect_follow_on: {outcome: completed, step: thanks}   # and of the rating after it
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.actions import ACTIONS, CONTENT_SOURCES, DEVICES, GUARDS, IDENTITY_METHODS
from flows.content import Item
from flows.engine import Action, ActionFailed, FlowRun, Guard
from flows.errors import FlowDefinitionError, FlowError
from flows.loader import FlowFiles, load_flow
from flows.manifest import MANIFEST, load_catalog
from flows.model import Flow, StepKind, Texts
from flows.reader import Reader
from flows.session import Identity, RunRecord, Session
from flows.submission import build_submission
from flows.texts import button_label
from flows.walker import Input, Script, WalkError, walk_on
from flows.yamlsafe import read_yaml_file
from pii import Sensitive, mask_name

SIM_ID_NUMBER = "11010519491231002X"
SIM_NAME = "测试甲"
SIM_TRANSACTION = "SIM-0001"
SIM_HOLD = "5" * 32
MAX_INPUTS = 500
# What a script may hand a follow-on flow (`public:`): the rated transaction.
_HANDED_OVER = frozenset({"transaction_number", "service"})
_READERS = {action: method for method, action in IDENTITY_METHODS.items() if action}
_URL = "https://example.invalid/sim/"


def _sim(ident: str, title: str, summary: str, *rows: str, **extra: object) -> dict[str, object]:
    """One made-up item; rows are "label: value"."""
    pairs = [row.split(": ", 1) for row in rows]
    return {"id": ident, "title": title, "summary": summary, "rows": pairs, **extra}


# AUTHORING SIMULATION content, one list per source: made up, shaped like the real thing.
SIM_CONTENT: dict[str, list[dict[str, object]]] = {
    "jobs": [
        _sim("SIM-J1", "数控车床操作工", "某机械公司 · 壶镇镇 · 5000-7000元/月", "用工形式: 全职",
             "学历要求: 初中及以上", qr=_URL + "j1", criteria={"age": [18, 50]}),
        _sim("SIM-J2", "电商客服（可兼职）", "某电商公司 · 五云街道 · 3500-4500元/月",
             "用工形式: 非全日制", qr=_URL + "j2", criteria={"age": [18, 45]}),
    ],
    "policies": [
        _sim("SIM-P1", "灵活就业社会保险补贴", "就业困难人员、离校2年内未就业高校毕业生",
             "补贴标准: 实际缴费额的三分之二", qr=_URL + "p1",
             criteria={"answers": {"employment_status": ["flexible"]}}),
        _sim("SIM-P2", "大龄失业人员公益性岗位安置", "女40周岁、男50周岁以上",
             "对象: 登记失业人员", qr=_URL + "p2",
             criteria={"age_by_sex": {"female": [40, None], "male": [50, None]}}),
    ],
    "trainings": [
        _sim("SIM-T1", "电工（五级）职业技能等级培训", "2026-12-07起 · 晚班", "费用: 符合条件免费"),
        _sim("SIM-T2", "育婴员（五级）培训", "已满", available=False),
    ],
    "job_fairs": [
        _sim("SIM-F1", "“就业援助月”专场招聘会", "2026-12-05 09:00 · 县人力资源市场",
             "参会单位: 约60家", qr=_URL + "f1"),
        _sim("SIM-F2", "高校毕业生网络招聘会", "报名已截止", available=False),
    ],
    "slots": [
        _sim("SIM-S1", "09:00-09:30", "剩余3个"),
        _sim("SIM-S2", "09:30-10:00", "已约满", available=False),
        _sim("SIM-S3", "14:00-14:30", "剩余5个"),
    ],
    "applications": [
        _sim("SIM-A1", "社保补贴申领", "审核中", "提交时间: 2026-11-25 10:12", status="审核中"),
        _sim("SIM-A2", "就业登记", "已办结", "办结时间: 2026-11-21", status="已办结"),
    ],
}  # fmt: skip


@dataclass
class Simulation:
    """AUTHORING SIMULATION: stand-in devices, controller and clock. Never used by the kiosk."""

    out: Callable[[str], None]
    online: bool = True
    now: float = 0.0
    next_outcome: str = "ok"
    guard_values: dict[str, bool] = field(default_factory=dict)
    flow: Flow | None = None  # the flow walked, for what submit would send

    def clock(self) -> float:
        """Simulated seconds."""
        return self.now

    def run_action(self, run: FlowRun, outcome: str) -> None:
        """Run the action step on screen, the simulated device ending as `outcome`."""
        self.next_outcome = outcome
        run.run_action()

    def wait(self, run: FlowRun, seconds: float) -> None:
        """Move the simulated clock; say so when the step on screen times out."""
        self.now += seconds
        if run.seconds_left() == 0:
            self.out(f"  ... {seconds:g} s without a touch: timed out")

    def actions(self) -> dict[str, Action]:
        """Every action of the vocabulary, simulated."""
        bound: dict[str, Action] = {name: self._reader(name) for name in _READERS}
        bound["submit"] = self._outcome(self._submit)
        bound["print_receipt"] = self._outcome(self._print)
        bound["print_slip"] = self._outcome(self._print_slip)
        bound["hold_place"] = self._outcome(self._hold)
        bound["submit_rating"] = self._outcome(self._rate)
        for action, source in CONTENT_SOURCES.items():
            bound[action] = self._outcome(self._fetcher(source))
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
        session.record.transaction_number = session.record.transaction_number or SIM_TRANSACTION
        shown = {
            k: (v.masked() if isinstance(v, Sensitive) else v) for k, v in session.values.items()
        }
        method = session.identity.method if session.identity else "-"
        self.out(f"  (simulated) submit: identity by {method}, values {shown}")
        if self.flow is not None:
            sent = build_submission(self.flow, session)
            if sent.items:
                self.out(f"  (simulated) one transaction, items {[i.service for i in sent.items]}")
            if sent.selected:
                self.out(f"  (simulated) chosen {sent.selected}, held {sorted(sent.holds or {})}")

    def _print(self, session: Session) -> None:
        self.out(f"  (simulated) receipt printed for {session.record.transaction_number}")

    def _print_slip(self, session: Session) -> None:
        item = session.current_item()
        number = session.record.transaction_number
        what = f"{item.id if item else '-'}" + (f", number {number}" if number else "")
        self.out(f"  (simulated) slip printed: {what}")

    def _hold(self, session: Session) -> None:
        source = session.current_source()
        if source is None:
            raise ActionFailed(Texts("（模拟）没有选择项目", "(simulated) nothing chosen"))
        session.record.holds[source] = SIM_HOLD
        self.out(f"  (simulated) place held: {source} {session.selected[source]}")

    def _rate(self, session: Session) -> None:
        values = {k: v for k, v in session.values.items() if isinstance(v, str)}
        number = session.record.transaction_number or "-"
        self.out(f"  (simulated) rating of {number}: {values}")

    def _fetcher(self, source: str) -> Callable[[Session], None]:
        def fetch(session: Session) -> None:
            session.content[source] = [dict(item) for item in SIM_CONTENT[source]]
            self.out(f"  (simulated) fetched {len(SIM_CONTENT[source])} {source}")

        return fetch


class Terminal:
    """Inputs typed by the author."""

    def __init__(self, out: Callable[[str], None], ask: Callable[[str], str]) -> None:
        self.out, self.ask = out, ask

    def follow(self, flow_id: str) -> bool:
        """Ask the author whether to walk into the follow-on flow."""
        try:
            return self.ask(f"  walk on into {flow_id}? [y/N] ").strip().lower() == "y"
        except EOFError:
            return False

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
        if step.kind is StepKind.LIST:
            self.out("  type an item's id to choose it, or a button")
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
        if step.kind is StepKind.LIST and reply in {i.id for i in run.items()}:
            return ("select", reply)
        return ("press", reply)


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
    if step.kind is StepKind.LIST:
        items = run.items()
        for item in items:
            out("  " + _item_line(item, run.lang))
        if not items:
            out("  (no items)")
    if step.kind is StepKind.DETAIL:
        _show_item(run, out)
    if run.done:
        extras = f", shows {', '.join(sorted(step.show))}" if step.show else ""
        number = run.session.record.transaction_number
        out(f"end: outcome {run.outcome}{extras}" + (f", number {number}" if number else ""))
        out(f"session wiped: {'yes' if run.session.wiped else 'NO'}")


_MATCH_WORDS = {
    "likely": Texts("可能符合", "may suit you"),
    "unlikely": Texts("可能不符合", "may not suit you"),
}


def _item_line(item: Item, lang: str) -> str:
    line = f"[{item.id}] {item.title.get(lang)}"
    if item.summary:
        line += f" · {item.summary.get(lang)}"
    if item.status:
        line += f" ({item.status.get(lang)})"
    if not item.available:
        line += " -- cannot be chosen"
    if item.match in _MATCH_WORDS:
        line += f" *{_MATCH_WORDS[item.match].get(lang)}*"
    return line


def _show_item(run: FlowRun, out: Callable[[str], None]) -> None:
    item = run.current_item()
    if item is None:
        out("  (no item chosen)")
        return
    out("  " + _item_line(item, run.lang))
    for label, value in item.rows:
        out(f"    {label.get(run.lang)}: {value.get(run.lang)}")
    for reason in item.reasons:
        out(f"    - {reason.get(run.lang)}")
    if "item_qr" in run.step.show and item.qr:
        out(f"    QR: {item.qr}")


def _read_script(path: Path) -> dict[str, Any]:
    r = Reader(path.name)
    data = r.mapping(
        read_yaml_file(path.read_bytes(), path.name),
        "",
        {"lang", "today", "devices", "guards", "public", "steps", "expect", "expect_follow_on"},
    )
    steps: list[Input] = []
    for i, node in enumerate(r.sequence(data.get("steps", []), "steps")):
        m = r.mapping(node, f"steps[{i}]", {"press", "form", "action", "select", "wait"})
        if len(m) != 1:
            raise r.fail(f"steps[{i}]", "one of press, form, action, select or wait per entry")
        ((kind, arg),) = m.items()
        if kind == "form":
            r.mapping(arg, f"steps[{i}].form", arg if isinstance(arg, Mapping) else ())
        elif kind == "wait":
            r.integer(arg, f"steps[{i}].wait", 0, 86400)
        else:
            r.text(arg, f"steps[{i}].{kind}")
        steps.append((str(kind), arg))
    guards = r.mapping(data.get("guards", {}), "guards", GUARDS)
    handed = r.mapping(data.get("public", {}), "public", _HANDED_OVER)
    expect_keys = {"outcome", "step"}
    return {
        "record": RunRecord.from_snapshot(
            {str(k): r.text(v, f"public.{k}") for k, v in handed.items()}
        ),
        "expect_follow_on": dict(
            r.mapping(data.get("expect_follow_on", {}), "expect_follow_on", expect_keys)
        ),
        "lang": data.get("lang"),
        "today": data.get("today"),
        "devices": r.names(data.get("devices", sorted(DEVICES)), "devices", DEVICES, "device"),
        "guards": {str(k): r.boolean(v, f"guards.{k}") for k, v in guards.items()},
        "steps": steps,
        "expect": dict(r.mapping(data.get("expect", {}), "expect", expect_keys)),
    }


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
    sim = Simulation(out, guard_values=settings.get("guards", {}), flow=flow)
    out("AUTHORING SIMULATION: devices, controller and citizen are stand-ins (flows/cli.py)")
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
            on_step=lambda shown: _show(shown, out),
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
