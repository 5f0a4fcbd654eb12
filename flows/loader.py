"""Loading flow YAML into frozen dataclasses, refusing anything that is not exactly right.

Every error names the file and the path inside it (`steps.form.fields[2].label`), because
the people who write these files are county staff, not the engineers who wrote the engine.

A flow file, with every key a step may have::

    id: employment_registration        # also the file name
    version: 3
    title: {zh-CN: 就业登记, en: Employment registration}
    start: identify
    steps:
      identify:                        # shared identity step (flows/identity.py)
        kind: identity
        methods: [id_card, social_card, typed]
        timeout: 60
        on: {ok: details, cancel: cancelled, timeout: expired}
      details:
        kind: form                     # action, form, confirm, notice, end
        title: {zh-CN: ..., en: ...}
        prompt: {zh-CN: ..., en: ...}  # optional
        timeout: 180                   # seconds; every step but an end step
        resumable: true                # may be saved (never with personal data) and resumed
        fields: [...]                  # form steps (flows/fields.py checks the values)
        on:
          submit:                      # routes tried in order; the last has no condition
            - {if: {field: employment_type, in: [flexible]}, go: flexible_details}
            - {unless: controller_online, go: offline_notice}
            - {go: confirm}
          cancel: cancelled
      receipt:
        kind: action
        action: print_receipt          # needs receipt_printer without saying so
        fallback: e_receipt            # entered instead when the kiosk has no printer
        needs: [receipt_printer]       # more devices, if any (optional)
        timeout: 30
        on: {ok: done, error: done_without_receipt}
      e_receipt:
        kind: end
        outcome: completed
        show: [receipt_qr]             # the screen adds the e-receipt QR code
        title: {zh-CN: ..., en: ...}
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from flows.actions import (
    ACTION_DEVICES,
    ACTIONS,
    DEVICES,
    ENGINE_GUARDS,
    GUARDS,
    IDENTITY_METHODS,
    SHOW_ITEMS,
    SYSTEM_EVENTS,
)
from flows.errors import FlowDefinitionError
from flows.identity import TYPED, expand_identity
from flows.model import (
    Branch,
    Choice,
    Condition,
    FieldKind,
    FieldSpec,
    Flow,
    Step,
    StepKind,
)
from flows.reader import Reader
from flows.yamlsafe import MAX_FILE_BYTES, read_yaml_file

__all__ = ["MAX_FILE_BYTES", "FlowDefinitionError", "load_builtin", "load_flow", "parse_flow"]

_PERSONAL_KINDS = {FieldKind.MOBILE, FieldKind.ID_NUMBER, FieldKind.NAME}
_IDENTITY_ACTIONS = {action: method for method, action in IDENTITY_METHODS.items() if action}
_RESUMABLE_KINDS = {StepKind.FORM, StepKind.CONFIRM, StepKind.NOTICE}


def parse_flow(
    data: object,
    source: str,
    actions: Collection[str] = ACTIONS,
    guards: Collection[str] = GUARDS,
) -> Flow:
    """Build a validated Flow from parsed YAML."""
    r = Reader(source)
    top = r.mapping(data, "", {"id", "version", "title", "start", "steps"})
    r.required(top, "", ("id", "version", "title", "start", "steps"))
    steps_node = r.mapping(
        top["steps"], "steps", top["steps"] if isinstance(top["steps"], Mapping) else ()
    )
    steps: dict[str, Step] = {}
    for raw_name, node in steps_node.items():
        path = f"steps.{raw_name}"
        name = r.name(raw_name, path, "step name")
        if isinstance(node, Mapping) and node.get("kind") == "identity":
            steps.update(_parse_identity(r, name, node, path))
        else:
            steps[name] = _parse_step(r, name, node, path, actions, guards)
    flow = Flow(
        id=r.name(top["id"], "id", "flow id"),
        version=r.integer(top["version"], "version", 1, 1_000_000),
        title=r.texts(top["title"], "title"),
        start=r.text(top["start"], "start"),
        steps=steps,
        source=source,
    )
    _check_fields(r, flow)
    _check_graph(r, flow)
    return flow


_STEP_KEYS = {
    "kind", "title", "prompt", "action", "fields", "on", "timeout", "outcome",
    "needs", "fallback", "resumable", "show",
}  # fmt: skip
_IDENTITY_KEYS = {"kind", "title", "prompt", "methods", "timeout", "typed_timeout", "on"}
_FIELD_KEYS = {
    "name", "kind", "label", "required", "personal", "max_length", "choices",
    "min_days", "max_days", "hint", "min_length", "max_span_days",
}  # fmt: skip


def _parse_identity(r: Reader, name: str, node: Mapping[str, Any], path: str) -> dict[str, Step]:
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
    return expand_identity(
        name,
        methods,
        on=on,
        timeout=float(timeout),
        typed_timeout=float(typed_timeout),
        title=r.texts(m["title"], f"{path}.title") if "title" in m else None,
        prompt=r.texts(m["prompt"], f"{path}.prompt") if "prompt" in m else None,
    )


def _parse_step(
    r: Reader,
    name: str,
    node: object,
    path: str,
    actions: Collection[str],
    guards: Collection[str],
) -> Step:
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
    if kind in (StepKind.NOTICE, StepKind.CONFIRM) and not on.keys() - SYSTEM_EVENTS:
        raise r.fail(f"{path}.on", "a screen that waits for a person offers at least one button")
    fields = tuple(
        _parse_field(r, f, f"{path}.fields[{i}]")
        for i, f in enumerate(r.sequence(m.get("fields") or [], f"{path}.fields"))
    )
    if kind is StepKind.FORM and not fields:
        raise r.fail(f"{path}.fields", "a form step has fields")
    if kind is not StepKind.FORM and fields:
        raise r.fail(f"{path}.fields", "only form steps have fields")
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
        show=r.names(m.get("show", []), f"{path}.show", SHOW_ITEMS, "screen item"),
    )


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
                cond = _parse_condition(r, b[key], f"{bpath}.{key}", guards, key == "unless")
                conditional.append(Branch(target, cond))
        branches[event] = tuple(conditional)
    return on, {e: b for e, b in branches.items() if b}


def _parse_condition(
    r: Reader, node: object, path: str, guards: Collection[str], negate: bool
) -> Condition:
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


def _parse_field(r: Reader, node: object, path: str) -> FieldSpec:
    m = r.mapping(node, path, _FIELD_KEYS)
    try:
        kind = FieldKind(str(m.get("kind")))
    except ValueError:
        raise r.fail(f"{path}.kind", f"expected one of {', '.join(FieldKind)}") from None
    choices = tuple(
        Choice(
            r.text(r.mapping(c, f"{path}.choices[{i}]", {"value", "label"}).get("value"),
                   f"{path}.choices[{i}].value"),
            r.texts(c.get("label"), f"{path}.choices[{i}].label"),
        )
        for i, c in enumerate(r.sequence(m.get("choices") or [], f"{path}.choices"))
    )  # fmt: skip
    if kind is FieldKind.CHOICE and not choices:
        raise r.fail(f"{path}.choices", "a choice field lists its choices")
    if kind is not FieldKind.CHOICE and choices:
        raise r.fail(f"{path}.choices", "only choice fields have choices")
    if len({c.value for c in choices}) != len(choices):
        raise r.fail(f"{path}.choices", "a choice value is listed twice")
    personal = r.boolean(m.get("personal", kind in _PERSONAL_KINDS), f"{path}.personal")
    if kind in _PERSONAL_KINDS and not personal:
        raise r.fail(f"{path}.personal", f"a {kind} field is always personal data")
    max_length = r.integer(m.get("max_length", 60), f"{path}.max_length", 1, 2000)
    min_length = r.integer(m.get("min_length", 0), f"{path}.min_length", 0, max_length)
    if min_length and kind is not FieldKind.TEXT:
        raise r.fail(f"{path}.min_length", "only text fields have a minimum length")
    min_days, max_days = (
        r.integer(m[key], f"{path}.{key}", -36500, 36500) if key in m else None
        for key in ("min_days", "max_days")
    )
    dated = kind in (FieldKind.DATE, FieldKind.DATE_RANGE)
    if not dated and (min_days is not None or max_days is not None):
        raise r.fail(path, "only date and date_range fields have min_days and max_days")
    if min_days is not None and max_days is not None and min_days > max_days:
        raise r.fail(f"{path}.max_days", "max_days is before min_days")
    span = None
    if "max_span_days" in m:
        if kind is not FieldKind.DATE_RANGE:
            raise r.fail(f"{path}.max_span_days", "only date_range fields have a maximum span")
        span = r.integer(m["max_span_days"], f"{path}.max_span_days", 1, 36500)
    return FieldSpec(
        name=r.name(m.get("name"), f"{path}.name", "field name"),
        kind=kind,
        label=r.texts(m.get("label"), f"{path}.label"),
        required=r.boolean(m.get("required", True), f"{path}.required"),
        personal=personal,
        max_length=max_length,
        choices=choices,
        min_days=min_days,
        max_days=max_days,
        hint=r.texts(m["hint"], f"{path}.hint") if "hint" in m else None,
        min_length=min_length,
        max_span_days=span,
    )


def _check_fields(r: Reader, flow: Flow) -> None:
    """Field names are unique in a flow; conditions test non-personal fields by known values."""
    where: dict[str, str] = {}
    for step in flow.steps.values():
        if step.identity_method is not None:
            continue  # the typed-identity form fills Identity, not the session's values
        for i, spec in enumerate(step.fields):
            if spec.name in where:
                raise r.fail(
                    f"steps.{step.name}.fields[{i}].name",
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
                tested = flow.find_field(cond.field)
                if tested is None or cond.field not in where:
                    raise r.fail(path, f"no form of this flow asks for {cond.field!r}")
                if tested.personal:
                    raise r.fail(path, f"{cond.field!r} is personal data; routes never test it")
                allowed = {c.value for c in tested.choices}
                if allowed and not cond.values <= allowed:
                    bad = sorted(cond.values - allowed)
                    raise r.fail(path, f"{bad} are not choices of {cond.field!r}")


def _check_graph(r: Reader, flow: Flow) -> None:
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


def load_flow(
    path: Path, actions: Collection[str] = ACTIONS, guards: Collection[str] = GUARDS
) -> Flow:
    """Read and validate one flow file."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FlowDefinitionError(
            path.name, "", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"
        )
    return parse_flow(read_yaml_file(path.read_bytes(), path.name), path.name, actions, guards)


def load_builtin(flow_id: str) -> Flow:
    """Load a flow shipped in flows/catalog/."""
    ref = resources.files("flows.catalog").joinpath(f"{flow_id}.yaml")
    with resources.as_file(ref) as path:
        return load_flow(path)
