"""Checks over a whole flow once its steps are read: the step graph, the fields conditions
test, the content lists show, buttons' texts, expired cards, and follow-on flows.

Each raises the Reader's FlowDefinitionError naming the file and the path in it."""

from __future__ import annotations

from collections.abc import Mapping

from flows.actions import CONTENT_SOURCES, ITEM_EVENTS, SYSTEM_EVENTS
from flows.field_schema import Library
from flows.identity import EXPIRED_EVENT
from flows.model import Condition, FieldKind, Flow, StepKind, asked_fields
from flows.reader import Reader
from flows.texts import BUTTONS


def check_fields(r: Reader, flow: Flow) -> None:
    """Field names are unique in a flow; conditions test non-personal fields by known values."""
    where: dict[str, str] = {}
    for step in flow.steps.values():
        if step.identity_method is not None:
            continue  # the typed-identity form fills Identity, not the session's values
        for i, spec in enumerate(step.asked):
            if spec.name in where:
                part, n = (
                    ("fields", i)
                    if i < len(step.fields)
                    else ("declarations", i - len(step.fields))
                )
                raise r.fail(
                    f"steps.{step.name}.{part}[{n}].name",
                    f"field {spec.name!r} is already asked in step {where[spec.name]!r}",
                )
            where[spec.name] = step.name
    for step in flow.steps.values():
        for event, branches in step.branches.items():
            for i, branch in enumerate(branches):
                cond = branch.when
                if cond.field is None:
                    continue
                path = f"steps.{step.name}.on.{event}[{i}]"
                check_test(r, flow, cond, path)


def check_test(r: Reader, flow: Flow, cond: Condition, path: str) -> None:
    """A field test names a non-personal field this flow asks, and values it can have."""
    field = cond.field or ""
    tested = asked_fields(flow).get(field)
    if tested is None:
        raise r.fail(path, f"no form of this flow asks for {field!r}")
    if tested.personal:
        raise r.fail(path, f"{field!r} is personal data; routes never test it")
    allowed = {c.value for c in tested.choices}
    if tested.kind is FieldKind.CHECKBOX:
        allowed = {"yes", "no"}
    if allowed and not cond.values <= allowed:
        bad = sorted(cond.values - allowed)
        raise r.fail(path, f"{bad} are not choices of {field!r}")


def check_content(r: Reader, flow: Flow) -> None:
    """Every list shows content some step of this flow fetches; every detail, a listed one."""
    fetched = {
        CONTENT_SOURCES[s.action] for s in flow.steps.values() if s.action in CONTENT_SOURCES
    }
    listed = {s.source for s in flow.steps.values() if s.kind is StepKind.LIST}
    for step in flow.steps.values():
        if step.kind is StepKind.LIST and step.source not in fetched:
            raise r.fail(
                f"steps.{step.name}.source", f"no step of this flow fetches {step.source!r}"
            )
        if step.kind is StepKind.DETAIL and step.source not in listed:
            raise r.fail(
                f"steps.{step.name}.source", f"no list step of this flow shows {step.source!r}"
            )


def check_expired_documents(r: Reader, flow: Flow) -> None:
    """Every step that reads a card says where an expired one goes: the flow decides what
    it may do (refuse it, or tell the citizen and go on: flows/identity.py)."""
    for step in flow.steps.values():
        if step.kind is StepKind.ACTION and step.identity_method and EXPIRED_EVENT not in step.on:
            raise r.fail(
                f"steps.{step.name}.on",
                f"a step that reads a card routes {EXPIRED_EVENT} (a notice that refuses an"
                " expired card, or one that tells the citizen and goes on)",
            )


def check_buttons(r: Reader, flow: Flow) -> None:
    """Every button a person sees has a text in both languages (flows/texts.py BUTTONS)."""
    for step in flow.steps.values():
        for event in step.on:
            if event not in SYSTEM_EVENTS | ITEM_EVENTS and event not in BUTTONS:
                raise r.fail(
                    f"steps.{step.name}.on.{event}",
                    f"no button text for {event!r}; buttons are: {', '.join(sorted(BUTTONS))}",
                )


def check_follow_on(r: Reader, flow: Flow, library: Library) -> None:
    """`then:` names a flow of the catalog that asks nobody who they are and leads nowhere."""
    for step in flow.steps.values():
        if step.then is None:
            continue
        path = f"steps.{step.name}.then"
        if step.then == flow.id:
            raise r.fail(path, "a flow does not follow itself")
        follow = library(step.then)
        if follow is None:
            raise r.fail(path, f"no flow {step.then!r} in this catalog")
        if any(s.identity_method for s in follow.steps.values()):
            raise r.fail(path, f"{step.then!r} asks who the citizen is; a follow-on flow does not")
        if any(s.then for s in follow.steps.values()):
            raise r.fail(path, f"{step.then!r} leads on to another flow itself")


def check_graph(r: Reader, flow: Flow) -> None:
    """Every route lands on a step, every step is reachable, and left alone a run ends."""
    if flow.start not in flow.steps:
        raise r.fail("start", f"unknown step {flow.start!r}")
    for step in flow.steps.values():
        for event in step.on:
            for target in step.targets(event):
                if target not in flow.steps:
                    raise r.fail(f"steps.{step.name}.on.{event}", f"unknown step {target!r}")
        if step.fallback is not None and step.fallback not in flow.steps:
            raise r.fail(f"steps.{step.name}.fallback", f"unknown step {step.fallback!r}")
    seen, todo = set(), [flow.start]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(flow.steps[name].all_targets())
    unreachable = sorted(set(flow.steps) - seen)
    if unreachable:
        raise r.fail("steps", f"unreachable step(s) {', '.join(unreachable)}")
    if not any(flow.steps[n].kind is StepKind.END for n in seen):
        raise r.fail("steps", "no end step can be reached")
    # Left alone, every step must end: follow timeouts (and the fallbacks they may land on)
    # and never come back. A step without a timeout route ends the run as expired.
    timeout_edges = {
        s.name: [*s.targets("timeout"), *([s.fallback] if s.fallback else [])]
        for s in flow.steps.values()
    }
    cycle = _find_cycle(timeout_edges)
    if cycle:
        raise r.fail(
            f"steps.{cycle[0]}.on.timeout",
            f"timeouts go round in a circle ({' -> '.join(cycle)}), so an abandoned session "
            "would never end",
        )


def _find_cycle(edges: Mapping[str, list[str]]) -> list[str] | None:
    """A cycle as a list of names, the first repeated at the end; iterative, for long chains."""
    done: set[str] = set()
    for start in edges:
        if start in done:
            continue
        path, on_path = [start], {start}
        pending = [iter(edges.get(start, ()))]
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                node = path.pop()
                on_path.discard(node)
                done.add(node)
                pending.pop()
                continue
            if nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done:
                path.append(nxt)
                on_path.add(nxt)
                pending.append(iter(edges.get(nxt, ())))
    return None
