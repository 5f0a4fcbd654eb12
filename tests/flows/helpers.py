"""Driving any flow headless: stub actions for the whole vocabulary, sample answers per field
kind, and a search for the inputs that lead to a given step."""

from __future__ import annotations

import copy
import datetime as dt
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flows import ActionFailed, Flow, FlowRun, Identity, Session, StepKind, load_flow
from flows.actions import ACTIONS, CONTENT_SOURCES, GUARDS, IDENTITY_METHODS
from flows.identity import EXPIRED_EVENT
from flows.model import FieldKind, FieldSpec
from flows.walker import give
from pii import Sensitive, mask_name
from tests.flows.samples import fetcher
from tests.support.clock import FakeClock

TODAY = dt.date(2026, 11, 26)
ID_NUMBER = "11010519491231002X"
NAME = "测试甲"
PHONE = "13912345678"
BANK_ACCOUNT = "6217001234567890123"
PERSONAL_STRINGS = (ID_NUMBER, NAME, PHONE, BANK_ACCOUNT)
# Every engine feature in one flow (tests/flows/sample_flow.yaml).
SAMPLE = load_flow(Path(__file__).with_name("sample_flow.yaml"))
_METHOD_OF = {action: method for method, action in IDENTITY_METHODS.items() if action}


def sample_value(spec: FieldSpec) -> str:
    """A value the field accepts."""
    day = TODAY + dt.timedelta(days=max(spec.min_days or 0, min(spec.max_days or 0, 0)))
    match spec.kind:
        case FieldKind.MOBILE:
            return PHONE
        case FieldKind.ID_NUMBER:
            return ID_NUMBER
        case FieldKind.NAME:
            return NAME
        case FieldKind.DATE:
            return day.isoformat()
        case FieldKind.DATE_RANGE:
            return f"{day.isoformat()}/{day.isoformat()}"
        case FieldKind.CHOICE | FieldKind.MULTI_CHOICE:
            return spec.choices[0].value
        case FieldKind.CHECKBOX:
            return "yes"
        case FieldKind.BANK_ACCOUNT:
            return BANK_ACCOUNT
        case FieldKind.REGION:
            return "110105"
        case FieldKind.TEXT:
            return "示例" * max(1, spec.min_length)
    raise AssertionError(spec.kind)


@dataclass
class Stubs:
    """Bound actions and guards over a synthetic citizen; records every Sensitive it makes."""

    made: list[Sensitive] = field(default_factory=list)
    online: bool = True

    def _identity(self, method: str) -> Callable[[Session], str]:
        def read(session: Session) -> str:
            number, name = Sensitive(ID_NUMBER), Sensitive(NAME, mask_name)
            self.made += [number, name]
            session.identity = Identity(method, number, name)
            return "ok"

        return read

    def actions(self) -> dict[str, Callable[[Session], str | None]]:
        bound: dict[str, Callable[[Session], str | None]] = {
            a: self._identity(_METHOD_OF[a]) for a in _METHOD_OF
        }
        bound["submit"] = self._submit
        bound["print_receipt"] = lambda s: "ok"
        bound["print_slip"] = lambda s: "ok"
        bound["hold_place"] = self._hold
        bound["submit_rating"] = lambda s: "ok"
        bound.update({action: fetcher(source) for action, source in CONTENT_SOURCES.items()})
        assert bound.keys() == ACTIONS
        return bound

    def guards(self) -> dict[str, Callable[[Session], bool]]:
        bound = {"controller_online": lambda s: self.online}
        assert bound.keys() == GUARDS
        return bound

    @staticmethod
    def _hold(session: Session) -> str:
        source = next(reversed(session.selected), None)
        if source is None:
            raise ActionFailed("没有选择项目 nothing chosen")
        session.record.holds[source] = "0f" * 16
        return "ok"

    @staticmethod
    def _submit(session: Session) -> str:
        session.record.transaction_number = session.record.transaction_number or "KA01-2611260001"
        return "ok"


def edited(base: dict, path: list[str | int], value: object) -> dict:
    """A deep copy of `base` with the value at `path` replaced (or deleted with KeyError)."""
    data = copy.deepcopy(base)
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


def make_run(flow: Flow, clock: FakeClock, stubs: Stubs, **options: object) -> FlowRun:
    """A run with every action and guard bound to the stubs."""
    return FlowRun(
        flow,
        stubs.actions(),
        guards=stubs.guards(),
        clock=clock,
        today=lambda: TODAY,
        **options,  # type: ignore[arg-type]
    )


# An input is ("fire", event) | ("submit", choice overrides)
# | ("action", "ok" | "fail" | "empty" | "taken")
# | ("select", item id) | ("offline", None): from now on the controller is out of reach.
Input = tuple[str, object]


def routed_fields(flow: Flow) -> frozenset[str]:
    """Fields whose value a route or a bundle item tests: the only answers worth varying."""
    tested = {b.when.field for s in flow.steps.values() for bs in s.branches.values() for b in bs}
    tested |= {item.when.field for item in flow.items if item.when is not None}
    return frozenset(f for f in tested if f)


def inputs_at(run: FlowRun) -> Iterator[Input]:
    """Every input worth trying at the current step (each routed choice value once)."""
    step = run.step
    if run._guards and run._guards["controller_online"](run.session):
        yield ("offline", None)
    if step.kind is StepKind.ACTION:
        yield ("action", "ok")
        yield ("action", "fail")
        if step.action in CONTENT_SOURCES and "empty" in step.on:
            yield ("action", "empty")
        if "taken" in step.on:
            yield ("action", "taken")
        if EXPIRED_EVENT in step.on:
            yield ("action", "expired")
    if step.kind is StepKind.FORM:
        yield ("submit", ())
        routed = routed_fields(run.flow)
        for spec in step.fields:
            if spec.name not in routed:
                continue
            for choice in spec.choices[1:]:
                yield ("submit", ((spec.name, choice.value),))
            if spec.kind is FieldKind.CHECKBOX and not spec.required:
                yield ("submit", ((spec.name, "no"),))
    if step.kind is StepKind.LIST:
        choosable = [item.id for item in run.items() if item.available]
        if choosable:
            yield ("select", choosable[0])
    for event in run.buttons():
        if not (step.kind is StepKind.FORM and event == "submit"):
            yield ("fire", event)


class InjectingHands:
    """The walker's hands for exploration: an action ends as bound ("ok"), finds nothing
    ("empty", this once), reads a card past its validity ("expired"), or fails with the
    event asked ("fail" = error, "taken")."""

    def run_action(self, run: FlowRun, outcome: str) -> None:
        name = run.step.action
        assert name is not None
        if outcome == "ok":
            run.run_action()
            return
        if outcome == "empty":
            work: Callable[[Session], str | None] = fetcher(CONTENT_SOURCES[name], [])
        elif outcome == "expired":
            read = run._actions[name]

            def work(session: Session) -> str | None:
                answer = read(session)
                if session.identity is not None:
                    session.identity.expired = True
                return answer
        else:
            event = "taken" if outcome == "taken" else "error"

            def work(session: Session) -> str:
                raise ActionFailed("驱动故障 driver fault", event=event)

        bound = run._actions  # the outcome is injected on this attempt only
        run._actions = {**bound, name: work}
        try:
            run.run_action()
        finally:
            run._actions = bound

    def wait(self, run: FlowRun, seconds: float) -> None:
        raise AssertionError("exploration never waits")


HANDS = InjectingHands()


def apply(run: FlowRun, item: Input) -> None:
    """Give one input to the run, through the one walker (flows/walker.py)."""
    kind, arg = item
    if kind == "offline":
        run._guards = {**run._guards, "controller_online": lambda s: False}
    elif kind == "submit":
        values = {spec.name: sample_value(spec) for spec in run.step.fields}
        values.update(dict(arg))  # type: ignore[call-overload]
        assert give(run, ("form", values), HANDS) == {}
    elif kind == "fire":
        give(run, ("press", arg), HANDS)
    else:
        give(run, item, HANDS)


def explore(
    flow: Flow, new_run: Callable[[], FlowRun]
) -> Iterator[tuple[FlowRun, list[Input], str | None]]:
    """Every state a run can reach, breadth first: the run there, the inputs that lead there,
    and how the citizen was identified on the way (None: not yet, or not at all).

    A state is the step with what routes may test: the identity method, the guards, the
    values routes test and the items chosen, so a step reached again with another answer is
    explored again.
    """
    routed = routed_fields(flow)
    explored: set[tuple[object, ...]] = set()
    queue: deque[list[Input]] = deque([[]])
    while queue:
        path = queue.popleft()
        run = new_run()
        method: str | None = None
        for item in path:
            apply(run, item)
            if run.session.identity is not None:
                method = run.session.identity.method
        state = (
            run.step.name,
            method,
            tuple(g(run.session) for g in run._guards.values()),
            tuple(sorted((k, v) for k, v in run.session.values.items() if k in routed)),
            tuple(sorted(run.session.selected.items())),
        )
        if state in explored:
            continue
        explored.add(state)
        yield run, path, method
        if not run.done:
            queue.extend([*path, item] for item in inputs_at(run))


def paths_to_every_step(flow: Flow, new_run: Callable[[], FlowRun]) -> dict[str, list[Input]]:
    """The shortest inputs from the start to each step a run can reach."""
    found: dict[str, list[Input]] = {}
    for run, path, _ in explore(flow, new_run):
        found.setdefault(run.step.name, path)
    return found


def path_to_completion(
    flow: Flow, new_run: Callable[[], FlowRun], method: str | None
) -> list[Input] | None:
    """The shortest inputs that complete the flow with the citizen identified by `method`;
    for a flow that submits, with a transaction made (not by leaving after browsing)."""
    submits = any(s.action == "submit" for s in flow.steps.values())
    for run, path, used in explore(flow, new_run):
        made = run.session.record.transaction_number is not None or not submits
        if run.outcome == "completed" and used == method and made:
            return path
    return None


def assert_wiped(run: FlowRun, stubs: Stubs) -> None:
    """Nothing personal is left in the run, nor in any value the stubs handed it."""
    assert run.done
    assert run.session.wiped
    assert run.session.identity is None
    assert run.session.values == {}
    assert all(s.wiped for s in stubs.made)
    leftover = repr(run.session.record) + repr(run.error_message)
    assert not any(p in leftover for p in PERSONAL_STRINGS)
