"""Where a step sits on a flow's main path, for the "第2步 / 共5步" indicator.

The identity chooser has no single forward event: each method button leads to its own
step. The chooser and its method steps count as one step of the path (choosing how to
identify and doing it is one task for the citizen, and the total stays the same whichever
method they take); the path goes on from where the method steps lead.

Given the devices a kiosk has (`FlowRun.devices`), a step whose device is missing counts
as the fallback entered instead, so a kiosk without a printer does not count a printing
step it will never show. A flow whose start already offers several ways (job search: with
an ID or without) has no main path to count, and no indicator.
"""

from __future__ import annotations

from collections.abc import Collection

from flows import Flow, Step, StepKind
from kiosk.ui.chooser import identity_methods

# The event that moves a citizen forward when all goes well, in order of preference
# (`select`: touching an item of a list; `sign_up`: the way on from a class or a fair).
FORWARD_EVENTS: tuple[str, ...] = ("ok", "submit", "confirm", "next", "select", "sign_up", "finish")
# Events that leave the path rather than retry a step of it.
_LEAVING = ("cancel", "timeout")


def _forward(step: Step) -> str | None:
    return next((step.on[e] for e in FORWARD_EVENTS if e in step.on), None)


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
