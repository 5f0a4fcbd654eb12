"""A flow file's steps: each step's keys by kind, its transitions and their conditions, and
the shared identity step (flows/loader.py shows the whole file format)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flows.actions import (
    ACTION_DEVICES,
    CONTENT_SOURCES,
    DEVICES,
    ENGINE_GUARDS,
    IDENTITY_METHODS,
    ITEM_EVENTS,
    SHOW_ITEMS,
    SYSTEM_EVENTS,
)
from flows.field_schema import Library, parse_field
from flows.identity import EXPIRED_POLICIES, REFUSE, TYPED, expand_identity
from flows.model import Branch, Condition, FieldKind, FieldSpec, Step, StepKind
from flows.reader import Reader

_SOURCES = frozenset(CONTENT_SOURCES.values())
_IDENTITY_ACTIONS = {action: method for method, action in IDENTITY_METHODS.items() if action}
_RESUMABLE_KINDS = {StepKind.FORM, StepKind.CONFIRM, StepKind.NOTICE}

_STEP_KEYS = {
    "kind", "title", "prompt", "action", "fields", "on", "timeout", "outcome",
    "needs", "fallback", "resumable", "show", "source", "recommend", "then", "declarations",
}  # fmt: skip
_IDENTITY_KEYS = {
    "kind", "title", "prompt", "methods", "timeout", "typed_timeout", "on", "expired_document",
}  # fmt: skip


def parse_identity(r: Reader, name: str, node: Mapping[str, Any], path: str) -> dict[str, Step]:
    """The shared identity step, expanded into the steps that read a card or take typing."""
    m = r.mapping(node, path, _IDENTITY_KEYS)
    r.required(m, path, ("methods", "timeout", "on"))
    methods_node = r.sequence(m["methods"], f"{path}.methods")
    r.names(methods_node, f"{path}.methods", IDENTITY_METHODS, "method")
    methods = tuple(str(x) for x in methods_node)  # in the author's order
    if not methods:
        raise r.fail(f"{path}.methods", "offer at least one identity method")
    if TYPED in methods and methods[-1] != TYPED:
        raise r.fail(f"{path}.methods", "typed goes last: it is the last resort")
    on_node = r.mapping(m["on"], f"{path}.on", {"ok", "cancel", "timeout"})
    r.required(on_node, f"{path}.on", ("ok", "cancel"))
    on = {str(e): r.text(t, f"{path}.on.{e}") for e, t in on_node.items()}
    timeout = r.integer(m["timeout"], f"{path}.timeout", 1, 3600)
    typed_timeout = r.integer(m.get("typed_timeout", timeout), f"{path}.typed_timeout", 1, 3600)
    expired = m.get("expired_document", REFUSE)
    if expired not in EXPIRED_POLICIES:
        raise r.fail(
            f"{path}.expired_document",
            "accept (looking things up) or refuse (anything filed in the citizen's name)",
        )
    return expand_identity(
        name,
        methods,
        on=on,
        timeout=float(timeout),
        typed_timeout=float(typed_timeout),
        expired_document=str(expired),
        title=r.texts(m["title"], f"{path}.title") if "title" in m else None,
        prompt=r.texts(m["prompt"], f"{path}.prompt") if "prompt" in m else None,
    )


def parse_step(
    r: Reader,
    name: str,
    node: object,
    path: str,
    actions: Collection[str],
    guards: Collection[str],
    library: Library | None = None,
) -> Step:
    """One step of any kind but identity, with every key checked against its kind."""
    m = r.mapping(node, path, _STEP_KEYS)
    try:
        kind = StepKind(str(m.get("kind")))
    except ValueError:
        kinds = ", ".join([*StepKind, "identity"])
        raise r.fail(f"{path}.kind", f"expected one of {kinds}") from None
    action = m.get("action")
    if kind is StepKind.ACTION:
        if action not in actions:
            raise r.fail(f"{path}.action", f"unknown action {action!r}; known: {sorted(actions)}")
    elif action is not None:
        raise r.fail(f"{path}.action", "only action steps name an action")
    on, branches = _parse_on(r, m.get("on", {}), f"{path}.on", guards)
    timeout = m.get("timeout")
    if kind is not StepKind.END:
        if timeout is None:
            raise r.fail(f"{path}.timeout", "every step but an end step needs a timeout (seconds)")
        timeout = r.integer(timeout, f"{path}.timeout", 1, 3600)
        if not on:
            raise r.fail(f"{path}.on", "a step that is not an end step needs transitions")
    elif on:
        raise r.fail(f"{path}.on", "an end step has no transitions")
    if kind is StepKind.ACTION and not {"ok", "error"} <= on.keys():
        raise r.fail(f"{path}.on", "an action step routes both ok and error")
    if kind is StepKind.FORM and "submit" not in on:
        raise r.fail(f"{path}.on", "a form step routes submit")
    waiting = (StepKind.NOTICE, StepKind.CONFIRM, StepKind.DETAIL)
    if kind in waiting and not on.keys() - SYSTEM_EVENTS - ITEM_EVENTS:
        raise r.fail(f"{path}.on", "a screen that waits for a person offers at least one button")
    if kind is StepKind.LIST and "select" not in on:
        raise r.fail(f"{path}.on", "a list step routes select (an item was chosen)")
    for event in ITEM_EVENTS & on.keys():
        if kind is not StepKind.LIST:
            raise r.fail(f"{path}.on.{event}", "only list steps route select")
    if "empty" in on and not (kind is StepKind.ACTION and action in CONTENT_SOURCES):
        raise r.fail(f"{path}.on.empty", "only a step fetching content routes empty")
    if "taken" in on and action != "hold_place":
        raise r.fail(f"{path}.on.taken", "only a hold_place step routes taken")
    fields = tuple(
        parse_field(r, f, f"{path}.fields[{i}]", library)
        for i, f in enumerate(r.sequence(m.get("fields") or [], f"{path}.fields"))
    )
    if kind is StepKind.FORM and not fields:
        raise r.fail(f"{path}.fields", "a form step has fields")
    if kind is not StepKind.FORM and fields:
        raise r.fail(f"{path}.fields", "only form steps have fields")
    declarations = _parse_declarations(r, m, path, library)
    if declarations and kind is not StepKind.CONFIRM:
        raise r.fail(f"{path}.declarations", "only confirm steps show declarations")
    if declarations and "confirm" not in on:
        raise r.fail(f"{path}.on", "a confirm step with declarations routes confirm (the pledge)")
    outcome = m.get("outcome")
    if kind is StepKind.END and outcome not in {"completed", "cancelled", "failed", "expired"}:
        raise r.fail(f"{path}.outcome", "an end step says completed, cancelled, failed or expired")
    if kind is not StepKind.END and outcome is not None:
        raise r.fail(f"{path}.outcome", "only end steps have an outcome")
    needs = r.names(m.get("needs", []), f"{path}.needs", DEVICES, "device")
    if isinstance(action, str) and action in ACTION_DEVICES:
        needs |= {ACTION_DEVICES[action]}
    fallback = None
    if "fallback" in m:
        fallback = r.text(m["fallback"], f"{path}.fallback")
        if not needs:
            raise r.fail(f"{path}.fallback", "a fallback is for a step that needs a device")
    resumable = r.boolean(m.get("resumable", False), f"{path}.resumable")
    if resumable and kind not in _RESUMABLE_KINDS:
        raise r.fail(
            f"{path}.resumable", "only form, confirm and notice steps resume: never device work"
        )
    source = None
    if "source" in m:
        if kind not in (StepKind.LIST, StepKind.DETAIL):
            raise r.fail(f"{path}.source", "only list and detail steps show content")
        source = r.name(m["source"], f"{path}.source", "content source")
        if source not in _SOURCES:
            raise r.fail(f"{path}.source", f"unknown content {source!r}; known: {sorted(_SOURCES)}")
    elif kind in (StepKind.LIST, StepKind.DETAIL):
        raise r.fail(f"{path}.source", f"a {kind} step names its content source")
    recommend = r.boolean(m.get("recommend", False), f"{path}.recommend")
    if recommend and kind is not StepKind.LIST:
        raise r.fail(f"{path}.recommend", "only list steps rank their items")
    then = None
    if "then" in m:
        if kind is not StepKind.END or outcome != "completed":
            raise r.fail(f"{path}.then", "only a completed end step leads on to another flow")
        then = r.name(m["then"], f"{path}.then", "flow id")
    show = r.names(m.get("show", []), f"{path}.show", SHOW_ITEMS, "screen item")
    if "item_qr" in show and kind is not StepKind.DETAIL:
        raise r.fail(f"{path}.show", "item_qr is shown by detail steps")
    return Step(
        name=name,
        kind=kind,
        title=r.texts(m.get("title"), f"{path}.title"),
        prompt=r.texts(m["prompt"], f"{path}.prompt") if "prompt" in m else None,
        action=action,
        fields=fields,
        on=on,
        timeout=float(timeout) if timeout is not None else None,
        outcome=outcome,
        branches=branches,
        needs=needs,
        fallback=fallback,
        resumable=resumable,
        identity_method=_IDENTITY_ACTIONS.get(action) if isinstance(action, str) else None,
        show=show,
        source=source,
        recommend=recommend,
        then=then,
        declarations=declarations,
    )


def _parse_declarations(
    r: Reader, m: Mapping[str, Any], path: str, library: Library | None
) -> tuple[FieldSpec, ...]:
    """A confirm step's `declarations:`: sentences the citizen pledges with the confirm tap.

    Each is a checkbox field (`kind:` may be left out) or `use:` of one from another flow,
    so the record keeps each declaration's name answered "yes", as a ticked box was.
    """
    found = []
    for i, node in enumerate(r.sequence(m.get("declarations") or [], f"{path}.declarations")):
        where = f"{path}.declarations[{i}]"
        if isinstance(node, Mapping) and "use" not in node and "kind" not in node:
            node = {**node, "kind": FieldKind.CHECKBOX.value}
        spec = parse_field(r, node, where, library)
        if spec.kind is not FieldKind.CHECKBOX or not spec.required:
            raise r.fail(where, "a declaration is a checkbox the citizen must accept")
        found.append(spec)
    return tuple(found)


def _parse_on(
    r: Reader, node: object, path: str, guards: Collection[str]
) -> tuple[dict[str, str], dict[str, tuple[Branch, ...]]]:
    """Transitions: `event: step`, or `event: [{if|unless: ..., go: step}, ..., {go: step}]`."""
    on_node = r.mapping(node, path, node if isinstance(node, Mapping) else ())
    on: dict[str, str] = {}
    branches: dict[str, tuple[Branch, ...]] = {}
    for raw_event, value in on_node.items():
        event = r.name(raw_event, f"{path}.{raw_event}", "event name")
        epath = f"{path}.{event}"
        if not isinstance(value, list):
            on[event] = r.text(value, epath)
            continue
        if not value:
            raise r.fail(epath, "list at least one route")
        conditional: list[Branch] = []
        for i, item in enumerate(value):
            bpath = f"{epath}[{i}]"
            b = r.mapping(item, bpath, {"go", "if", "unless"})
            r.required(b, bpath, ("go",))
            target = r.text(b["go"], f"{bpath}.go")
            if "if" in b and "unless" in b:
                raise r.fail(bpath, "a route has if or unless, not both")
            last = i == len(value) - 1
            key = "if" if "if" in b else "unless" if "unless" in b else None
            if last and key is not None:
                raise r.fail(bpath, "the last route has no condition: it is where the event "
                             "goes when no condition holds")  # fmt: skip
            if not last and key is None:
                raise r.fail(bpath, "only the last route may go without a condition")
            if key is None:
                on[event] = target
            else:
                cond = parse_condition(r, b[key], f"{bpath}.{key}", guards, key == "unless")
                conditional.append(Branch(target, cond))
        branches[event] = tuple(conditional)
    return on, {e: b for e, b in branches.items() if b}


def parse_condition(
    r: Reader, node: object, path: str, guards: Collection[str], negate: bool
) -> Condition:
    """A route's or an item's condition: a guard's name, or a test of a form value."""
    if isinstance(node, str):
        known = set(guards) | ENGINE_GUARDS
        if node not in known:
            raise r.fail(path, f"unknown guard {node!r}; known: {sorted(known)}")
        return Condition(guard=node, negate=negate)
    m = r.mapping(node, path, {"field", "equals", "in"})
    r.required(m, path, ("field",))
    if ("equals" in m) == ("in" in m):
        raise r.fail(path, "a field test says either equals: value or in: [values]")
    if "equals" in m:
        values = [r.text(m["equals"], f"{path}.equals")]
    else:
        items = r.sequence(m["in"], f"{path}.in")
        values = [r.text(v, f"{path}.in[{i}]") for i, v in enumerate(items)]
        if not values:
            raise r.fail(f"{path}.in", "list at least one value")
    return Condition(
        field=r.name(m["field"], f"{path}.field", "field name"),
        values=frozenset(values),
        negate=negate,
    )
