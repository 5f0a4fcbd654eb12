"""Every flow of the catalog, under every failure: the session always ends wiped.

For each flow in flows/catalog/ (and tests/flows/sample_flow.yaml, which has the
identity step, guarded routes and a fallback) a search finds the inputs that lead to each
step; from there a driver error or a timeout is injected and the run is left alone until
it ends. A property test then feeds random event sequences to every flow.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import (
    ActionFailed,
    Flow,
    FlowRun,
    FlowStateError,
    Identity,
    Session,
    SnapshotRefused,
    StepKind,
    UnknownEvent,
)
from flows.actions import CONTENT_SOURCES, DEVICES
from flows.manifest import load_builtin_catalog
from pii import Sensitive, mask_name
from tests.flows.helpers import (
    BANK_ACCOUNT,
    ID_NUMBER,
    NAME,
    PERSONAL_STRINGS,
    SAMPLE,
    TODAY,
    Stubs,
    apply,
    assert_wiped,
    make_run,
    paths_to_every_step,
    sample_value,
)
from tests.support.clock import FakeClock

FLOWS: dict[str, Flow] = {
    **load_builtin_catalog(today=TODAY).flows,
    "sample_flow (tests)": SAMPLE,
}


# The search is the slow part of collecting these tests: once per flow.
PATHS = {
    name: paths_to_every_step(flow, lambda f=flow: make_run(f, FakeClock(), Stubs()))
    for name, flow in FLOWS.items()
}


def _cases(kinds: set[StepKind]) -> list:
    cases = []
    for flow_name, flow in FLOWS.items():
        paths = PATHS[flow_name]
        unreached = {n for n, s in flow.steps.items() if s.kind in kinds} - paths.keys()
        assert not unreached, f"{flow_name}: the search reached no input for {unreached}"
        cases += [
            pytest.param(flow_name, step, path, id=f"{flow_name}:{step}")
            for step, path in paths.items()
            if step in flow.steps and flow.steps[step].kind in kinds
        ]
    return cases


ACTION_STEPS = _cases({StepKind.ACTION})
WAITING_STEPS = _cases(set(StepKind) - {StepKind.END})


def leave_alone_until_it_ends(run: FlowRun, clock: FakeClock) -> None:
    """Nobody touches the kiosk again: timeouts only."""
    for _ in range(len(run.flow.steps) + 1):
        if run.done:
            return
        left = run.seconds_left()
        assert left is not None
        clock.advance(left + 0.001)
        assert run.check_timeout()
    assert run.done, f"still at {run.step.name} after every step timed out"


def run_to(flow_name: str, step: str, path: list) -> tuple[FlowRun, FakeClock, Stubs]:
    """A run of the flow taken to `step` by the inputs the search found."""
    clock, stubs = FakeClock(), Stubs()
    run = make_run(FLOWS[flow_name], clock, stubs)
    for item in path:
        apply(run, item)
    assert run.step.name == step
    return run, clock, stubs


@pytest.mark.parametrize(("flow_name", "step", "path"), ACTION_STEPS)
def test_a_driver_error_at_every_action_step_routes_to_a_screen_then_ends_wiped(
    flow_name: str, step: str, path: list
) -> None:
    run, clock, stubs = run_to(flow_name, step, path)
    apply(run, ("action", "fail"))
    assert run.step.kind in (StepKind.NOTICE, StepKind.END)
    assert run.error_message == "驱动故障 driver fault"
    leave_alone_until_it_ends(run, clock)
    assert_wiped(run, stubs)


@pytest.mark.parametrize(("flow_name", "step", "path"), WAITING_STEPS)
def test_a_timeout_at_every_step_ends_the_session_wiped(
    flow_name: str, step: str, path: list
) -> None:
    run, clock, stubs = run_to(flow_name, step, path)
    left = run.seconds_left()
    assert left is not None
    clock.advance(left - 0.5)
    assert not run.check_timeout()
    leave_alone_until_it_ends(run, clock)
    assert run.outcome in ("expired", "completed", "cancelled", "failed")
    assert_wiped(run, stubs)


# The property test.


class Chaos(Stubs):
    """Stubs whose next action ends the way the test draws it."""

    def __init__(self) -> None:
        super().__init__()
        self.plan = "ok"

    def actions(self):  # type: ignore[override]
        calm = super().actions()

        def wrap(name: str):
            def act(session: Session) -> str | None:
                plan, self.plan = self.plan, "ok"
                if plan == "fail":
                    raise ActionFailed("随机故障 random fault")
                if plan == "crash":
                    raise RuntimeError("a bug in a driver")
                if plan == "no_identity":  # also: a fetch that writes nothing
                    return "ok"
                if plan == "garbage":  # content no controller should send
                    for source in CONTENT_SOURCES.values():
                        session.content[source] = GARBAGE
                    return "ok"
                if plan.startswith("event:"):
                    return plan[6:]
                return calm[name](session)

            return act

        return {name: wrap(name) for name in calm}


EVENTS = sorted({e for f in FLOWS.values() for s in f.steps.values() for e in s.on} | {"bogus"})
GARBAGE: list[object] = [
    {"id": "G1", "title": "证件 " + ID_NUMBER},  # kept, the number redacted
    {"id": "G2", "title": "\u202e", "rows": [[1, 2]]},
    "not an item",
    {"id": 3, "title": None},
]
VALUES = st.one_of(
    st.sampled_from(
        ["", ID_NUMBER, NAME, "13912345678", BANK_ACCOUNT, "2026-11-26", "flexible", "yes"]
    ),
    st.text(max_size=24),
)
SUBMIT = st.tuples(st.booleans(), st.lists(st.tuples(st.booleans(), VALUES), max_size=6))
OUTCOMES = st.sampled_from(
    ["ok", "fail", "crash", "no_identity", "garbage", "none"]
) | st.sampled_from(EVENTS).map(lambda e: f"event:{e}")
# Most draws do what the current step expects (an index into its own events, a form with
# good answers, a device that works), so runs get deep; the rest is noise and abuse.
ADVANCE = st.tuples(st.just("advance"), st.integers(min_value=0, max_value=3))
OPS = st.one_of(
    ADVANCE,
    ADVANCE,
    ADVANCE,
    ADVANCE,
    st.tuples(st.just("press"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("press"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("select"), st.integers(min_value=0, max_value=8)),
    st.tuples(st.just("select"), st.text(max_size=12)),
    st.tuples(st.just("fire"), st.sampled_from(EVENTS)),
    st.tuples(st.just("submit"), SUBMIT),
    st.tuples(st.just("submit"), SUBMIT),
    st.tuples(st.just("action"), st.just("ok")),
    st.tuples(st.just("action"), st.just("ok")),
    st.tuples(st.just("action"), OUTCOMES),
    st.tuples(st.just("wait"), st.floats(min_value=0, max_value=30)),
    st.tuples(st.just("wait"), st.floats(min_value=0, max_value=400)),
    st.tuples(st.just("touch"), st.none()),
    st.tuples(st.just("online"), st.booleans()),
    st.tuples(st.just("snapshot"), st.none()),
    st.tuples(st.just("abort"), st.none()),
)


def _held(run: FlowRun) -> list[Sensitive]:
    held = [v for v in run.session.values.values() if isinstance(v, Sensitive)]
    if run.session.identity is not None:
        held += [run.session.identity.id_number, run.session.identity.name]
    return held


def _step(run: FlowRun, chaos: Chaos, clock: FakeClock, op: str, arg: object) -> None:
    if op == "advance":  # what a citizen who knows the way does here
        kind = run.step.kind
        if kind is StepKind.ACTION:
            _step(run, chaos, clock, "action", "ok")
        elif kind is StepKind.FORM:
            _step(run, chaos, clock, "submit", (True, []))
        elif kind is StepKind.LIST and any(i.available for i in run.items()) and int(arg) % 2:
            _step(run, chaos, clock, "select", arg)
        elif not run.done:
            buttons = [b for b in run.buttons() if b != "cancel"] or run.buttons()
            run.fire(buttons[int(arg) % len(buttons)])  # type: ignore[call-overload]
    elif op == "select":  # an item by its place on screen, or any text as an id
        items = run.items()
        item_id = items[arg % len(items)].id if isinstance(arg, int) and items else str(arg)
        run.select(item_id)
    elif op == "press":
        events = [*run.step.on, "bogus"]
        run.fire(events[int(arg) % len(events)])  # type: ignore[call-overload]
    elif op == "fire":
        run.fire(str(arg))
    elif op == "submit":
        fields = run.step.fields if run.step.kind is StepKind.FORM else ()
        all_good, drawn = arg  # type: ignore[misc]
        values = {spec.name: sample_value(spec) for spec in fields} if all_good else {}
        for spec, (good, raw) in zip(fields, drawn, strict=False):
            values[spec.name] = sample_value(spec) if good else raw
        run.submit_form(values)
    elif op == "action":
        chaos.plan = str(arg)
        try:
            run.run_action()
        except RuntimeError as err:
            if str(err) != "a bug in a driver":
                raise
            assert run.done  # the engine ended the run before the crash went on
    elif op == "wait":
        clock.advance(float(arg))  # type: ignore[arg-type]
        run.check_timeout()
    elif op == "touch":
        run.touch()
    elif op == "online":
        chaos.online = bool(arg)
    elif op == "snapshot":
        snap = run.snapshot()
        text = json.dumps(snap, ensure_ascii=False)
        assert not any(p in text for p in PERSONAL_STRINGS if p != "employed")
        FlowRun.restore(run.flow, json.loads(text), chaos.actions(), guards=chaos.guards(),
                        devices_available=run.devices, today=lambda: TODAY)  # fmt: skip
    elif op == "abort":
        run.abort()


# One budget for the whole catalog, shared by its flows: about 2.5 ms an example, 10 s.
EXAMPLES_PER_FLOW = max(100, 4000 // len(FLOWS))


@pytest.mark.parametrize("flow_name", sorted(FLOWS))
@settings(
    max_examples=EXAMPLES_PER_FLOW,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    ops=st.lists(OPS, min_size=3, max_size=40),
    devices=st.sets(st.sampled_from(sorted(DEVICES))),
    lang=st.sampled_from(["zh-CN", "en"]),
)
def test_random_events_never_crash_the_engine_and_never_leave_personal_data(
    flow_name: str, ops: list[tuple[str, object]], devices: set[str], lang: str
) -> None:
    clock, chaos = FakeClock(), Chaos()
    run = FlowRun(FLOWS[flow_name], chaos.actions(), guards=chaos.guards(),
                  devices_available=devices, lang=lang, clock=clock,
                  today=lambda: TODAY)  # fmt: skip
    seen: list[Sensitive] = []
    for op, arg in ops:
        try:
            _step(run, chaos, clock, op, arg)
        except (FlowStateError, UnknownEvent, SnapshotRefused):
            pass  # the documented answers to a call that does not fit the step
        seen += _held(run)
        if run.done:
            assert run.session.wiped
            assert _held(run) == []
            assert all(s.wiped for s in seen + chaos.made)
    run.abort()
    assert run.session.wiped
    assert all(s.wiped for s in seen + chaos.made)
    assert run.session.identity is None
    assert run.session.values == {}


def test_a_card_read_into_an_ended_run_is_wiped_not_kept() -> None:
    """The race the property test cannot draw: a read that lands after the end."""
    holder: dict[str, FlowRun] = {}
    made: list[Sensitive] = []

    def slow_read(session: Session) -> str:
        holder["run"].abort()
        made.extend([Sensitive(ID_NUMBER), Sensitive(NAME, mask_name)])
        session.identity = Identity("id_card", made[0], made[1])
        return "ok"

    flow = FLOWS["employment_registration"]
    run = FlowRun(flow, {**Stubs().actions(), "read_id_card": slow_read})
    holder["run"] = run
    run.run_action()
    assert run.session.identity is None
    assert all(s.wiped for s in made)
