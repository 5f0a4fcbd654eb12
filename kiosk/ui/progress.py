"""Where a step sits on a flow's main path, for the "第2步 / 共5步" indicator."""

from __future__ import annotations

from flows import Flow, StepKind

# The event that moves a citizen forward when all goes well, in order of preference.
FORWARD_EVENTS: tuple[str, ...] = ("ok", "submit", "confirm", "next", "finish")


def main_path(flow: Flow) -> list[str]:
    """Step names from the start along forward events, up to (not including) an end step."""
    path: list[str] = []
    name: str | None = flow.start
    while name is not None and name not in path:
        step = flow.step(name)
        if step.kind is StepKind.END:
            break
        path.append(name)
        name = next((step.on[e] for e in FORWARD_EVENTS if e in step.on), None)
    return path


def step_position(flow: Flow, step_name: str) -> tuple[int, int] | None:
    """(number, total) of a step; an off-path step (an error notice) counts as where it retries."""
    path = main_path(flow)
    if step_name in path:
        return path.index(step_name) + 1, len(path)
    step = flow.steps.get(step_name)
    if step is None or step.kind is StepKind.END:
        return None
    for event, target in step.on.items():
        if event not in ("cancel", "timeout") and target in path:
            return path.index(target) + 1, len(path)
    return None
