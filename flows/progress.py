"""Where a citizen is in a flow, for the "第2步 / 共5步" indicator. Headless: no Kivy here.

The identity chooser has no single forward event: each method button leads to its own
step. The chooser and its method steps count as one step (choosing how to identify and
doing it is one task for the citizen, and the total stays the same whichever method they
take); the path goes on from where the method steps lead.

The steps that count are those a citizen reaches by going forward (`FORWARD_EVENTS`,
every conditional route included); a notice reached on an error counts as the step it
retries. `step_counter(run)` counts what THIS citizen sees: the steps behind them as they
went, the steps ahead as their answers so far route them, with the kiosk's devices (a
step whose device is missing counts as its fallback). A step they skip (no benefit
questions after resigning) is not counted, so the number never jumps.

`main_path` and `step_position` are the same count for a flow without a run: forward
along the default routes.

A flow whose start already offers several ways (job search: with an ID or without) has no
main path to count, and no indicator.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from flows.model import Flow, Step, StepKind

if TYPE_CHECKING:
    from flows.engine import FlowRun  # a kiosk's menu asks identity_methods, not the engine

# The event that moves a citizen forward when all goes well, in order of preference
# (`select`: touching an item of a list; `sign_up`: the way on from a class or a fair).
FORWARD_EVENTS: tuple[str, ...] = ("ok", "submit", "confirm", "next", "select", "sign_up", "finish")
# Events that leave the path rather than retry a step of it.
_LEAVING = ("cancel", "timeout")


def identity_methods(flow: Flow, step: Step) -> list[str]:
    """The events of `step` that choose an identity method, in file order; none for others."""
    if step.kind is not StepKind.NOTICE:
        return []
    return [
        event
        for event, target in step.on.items()
        if target in flow.steps and flow.step(target).identity_method == event
    ]


def _forward_event(step: Step) -> str | None:
    return next((e for e in FORWARD_EVENTS if e in step.on), None)


def _forward(step: Step) -> str | None:
    event = _forward_event(step)
    return step.on[event] if event is not None else None


def _resolve(flow: Flow, name: str, devices: Collection[str] | None) -> str:
    """The step entered for `name` on a kiosk with `devices` (None: every device)."""
    step = flow.step(name)
    if devices is None:
        return name
    # The loader checks that fallbacks are acyclic (the engine walks them the same way).
    while step.fallback is not None and not step.needs <= frozenset(devices):
        step = flow.step(step.fallback)
    return step.name


def _stations(flow: Flow, devices: Collection[str] | None) -> list[tuple[str, frozenset[str]]]:
    """The main path: each entry is a step and the steps that count as that same step."""
    stations: list[tuple[str, frozenset[str]]] = []
    seen: set[str] = set()
    name: str | None = _resolve(flow, flow.start, devices)
    while name is not None and name not in seen:
        step = flow.step(name)
        if step.kind is StepKind.END:
            break
        methods = [step.on[event] for event in identity_methods(flow, step)]
        group = frozenset({name, *methods})
        seen |= group
        stations.append((name, group))
        after = _forward(step)
        if after is None:
            after = next((t for m in methods if (t := _forward(flow.step(m))) is not None), None)
        name = _resolve(flow, after, devices) if after is not None else None
    return stations


def main_path(flow: Flow, devices: Collection[str] | None = None) -> list[str]:
    """Step names from the start along forward events, up to (not including) an end step."""
    return [name for name, _ in _stations(flow, devices)]


def step_position(
    flow: Flow, step_name: str, devices: Collection[str] | None = None
) -> tuple[int, int] | None:
    """(number, total) of a step; an off-path step (an error notice) counts as where it retries."""
    stations = _stations(flow, devices)
    total = len(stations)
    if total < 2:
        # No single way forward from the start (browse or search first?): "step 1 of 1"
        # would say nothing true, so the indicator stays empty.
        return None
    for number, (_, group) in enumerate(stations, start=1):
        if step_name in group:
            return number, total
    step = flow.steps.get(step_name)
    if step is None or step.kind is StepKind.END:
        return None
    for event, target in step.on.items():
        if event in _LEAVING:
            continue
        for number, (_, group) in enumerate(stations, start=1):
            if target in group:
                return number, total
    return None


def _counted(flow: Flow) -> dict[str, str]:
    """Every step a citizen may reach going forward, by any route or fallback, mapped to the
    step it counts as (an identity method counts as its chooser). Ends are left out."""
    counted: dict[str, str] = {}
    todo = [flow.start]
    while todo:
        name = todo.pop()
        if name in counted or flow.step(name).kind is StepKind.END:
            continue
        step = flow.step(name)
        methods = [step.on[event] for event in identity_methods(flow, step)]
        counted[name] = name
        for method in methods:
            counted[method] = name
        for source in (step, *(flow.step(m) for m in methods)):
            event = _forward_event(source)
            if event is not None:
                todo.extend(source.targets(event))
            if source.fallback is not None:
                todo.append(source.fallback)
    return counted


def _next(run: FlowRun, name: str) -> str | None:
    """Where going forward from step `name` leads with the run's answers so far."""
    flow = run.flow
    step = flow.step(name)
    event = _forward_event(step)
    if event is not None:
        return run.route(name, event)
    methods = [step.on[e] for e in identity_methods(flow, step)]
    ident = run.session.identity
    # The method this citizen used, else the first: each leads the same way on.
    used = [
        m for m in methods if ident is not None and flow.step(m).identity_method == ident.method
    ]
    for method in used or methods:
        event = _forward_event(flow.step(method))
        if event is not None:
            return run.route(method, event)
    return None


def step_counter(run: FlowRun) -> tuple[int, int] | None:
    """(number, total) for the step on screen, counting the steps this citizen sees."""
    if run.done:
        return None
    counted = _counted(run.flow)
    behind: list[str] = []
    for entered in run.history:
        key = counted.get(entered)
        if key is None:
            continue  # an error notice: it counts as the step it retries
        if key in behind:
            del behind[behind.index(key) + 1 :]  # went back
        else:
            behind.append(key)
    ahead = 0
    seen = set(behind)
    name = behind[-1] if behind else None
    while name is not None:
        after = _next(run, name)
        key = counted.get(after) if after is not None else None
        if key is None or key in seen:
            break
        seen.add(key)
        ahead += 1
        name = key
    total = len(behind) + ahead
    if total < 2:
        # No single way forward from the start (browse or search first?): "step 1 of 1"
        # would say nothing true, so the indicator stays empty.
        return None
    return len(behind), total
