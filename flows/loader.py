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
        then: rating                   # completed ends: the flow that follows (好差评)
        title: {zh-CN: ..., en: ...}

Content from outside the flow, and fields taken from another flow of the catalog::

      filters:
        kind: form
        fields:
          - use: job_seeker_registration.industry   # <flow>.<field>, defined once there
            required: false                          # may override required, label, hint
          - use: unemployment_registration.reason
            only: [contract_expired, resigned]       # a choice field: a subset of its choices
            default: contract_expired                # preselected (choices; also on a field)
        on: {submit: fetch, cancel: cancelled}
      fetch:
        kind: action
        action: fetch_jobs             # fills the content source `jobs` (flows/actions.py)
        on: {ok: jobs, empty: no_jobs, error: fetch_failed}
      jobs:
        kind: list                     # the citizen picks one item: the `select` event
        source: jobs
        recommend: true                # rank by the citizen's profile (flows/matching.py)
        on: {select: job, refine: filters, cancel: cancelled, timeout: expired}
      job:
        kind: detail                   # the item picked in `jobs`
        source: jobs
        show: [item_qr]
        on: {back_to_list: jobs, print_slip: slip, timeout: expired}

Declarations, and a date that starts on today::

      job:
        kind: form
        fields:
          - use: employment_registration.start_date
            default: today                 # a date's only default: the day it is filled in
          - use: job_seeker_registration.salary_range
            default: null                  # taken without the other flow's preselection
        on: {submit: confirm, cancel: cancelled}
      confirm:
        kind: confirm                      # only a confirm step has declarations
        declarations:                      # shown under the summary; the confirm tap
          - name: no_job                   # pledges them all, each recorded as "yes"
            label: {zh-CN: 本人目前无业, en: I have no work now}
          - use: unemployment_registration.pledge   # a checkbox of another flow
        on: {confirm: submit, back: job, cancel: cancelled}

A bundle (一件事) lists the services its one submission holds (flows/submission.py)::

    items:
      - service: employment_registration
        title: {zh-CN: 就业登记, en: Employment registration}
        fields: [employer_name, start_date, phone]   # answers of this flow sent with it
        fixed: {employment_type: flexible}           # values the bundle sets itself
      - service: social_insurance_subsidy
        if: {field: applies_subsidy, equals: "yes"}  # only when this holds
        fields: [bank_account, phone]

Fields taken with `use:` need the other flows: `load_flow` finds them next to the file,
`parse_catalog` in the catalog; `parse_flow` alone takes a `library`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from flows.actions import (
    ACTION_DEVICES,
    ACTIONS,
    CONTENT_SOURCES,
    DEVICES,
    ENGINE_GUARDS,
    GUARDS,
    IDENTITY_METHODS,
    ITEM_EVENTS,
    PICK_LISTS,
    PICKER_STARTS,
    SHOW_ITEMS,
    SYSTEM_EVENTS,
)
from flows.errors import FlowDefinitionError
from flows.identity import EXPIRED_EVENT, EXPIRED_POLICIES, REFUSE, TYPED, expand_identity
from flows.model import (
    TODAY,
    Branch,
    BundleItem,
    Choice,
    Condition,
    FieldKind,
    FieldSpec,
    Flow,
    Step,
    StepKind,
)
from flows.reader import Reader
from flows.texts import BUTTONS
from flows.yamlsafe import MAX_FILE_BYTES, read_yaml_file

__all__ = [
    "MAX_FILE_BYTES",
    "FlowDefinitionError",
    "FlowFiles",
    "Library",
    "load_builtin",
    "load_flow",
    "parse_flow",
]

Library = Callable[[str], Flow | None]
"""Another flow of the catalog by id (None if there is none), for `use:` and `then:`."""

_PERSONAL_KINDS = {FieldKind.MOBILE, FieldKind.ID_NUMBER, FieldKind.NAME, FieldKind.BANK_ACCOUNT}
_CHOOSING_KINDS = {FieldKind.CHOICE, FieldKind.MULTI_CHOICE}
_SOURCES = frozenset(CONTENT_SOURCES.values())
_IDENTITY_ACTIONS = {action: method for method, action in IDENTITY_METHODS.items() if action}
_RESUMABLE_KINDS = {StepKind.FORM, StepKind.CONFIRM, StepKind.NOTICE}


def parse_flow(
    data: object,
    source: str,
    actions: Collection[str] = ACTIONS,
    guards: Collection[str] = GUARDS,
    library: Library | None = None,
) -> Flow:
    """Build a validated Flow from parsed YAML; `library` finds the flows it refers to."""
    r = Reader(source)
    top = r.mapping(data, "", {"id", "version", "title", "start", "steps", "items"})
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
            steps[name] = _parse_step(r, name, node, path, actions, guards, library)
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
    _check_content(r, flow)
    _check_buttons(r, flow)
    _check_expired_documents(r, flow)
    if "items" in top:
        flow = dataclasses.replace(flow, items=_parse_items(r, top["items"], flow, library))
    if library is not None:
        _check_follow_on(r, flow, library)
    return flow


_STEP_KEYS = {
    "kind", "title", "prompt", "action", "fields", "on", "timeout", "outcome",
    "needs", "fallback", "resumable", "show", "source", "recommend", "then", "declarations",
}  # fmt: skip
_IDENTITY_KEYS = {
    "kind", "title", "prompt", "methods", "timeout", "typed_timeout", "on", "expired_document",
}  # fmt: skip
_FIELD_KEYS = {
    "name", "kind", "label", "required", "personal", "max_length", "choices",
    "min_days", "max_days", "hint", "min_length", "max_span_days", "receipt",
    "choices_from", "picker_starts", "default",
}  # fmt: skip
_USE_KEYS = {"use", "required", "label", "hint", "only", "default"}
_ITEM_KEYS = {"service", "title", "fields", "fixed", "if", "unless"}


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


def _parse_step(
    r: Reader,
    name: str,
    node: object,
    path: str,
    actions: Collection[str],
    guards: Collection[str],
    library: Library | None = None,
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
        _parse_field(r, f, f"{path}.fields[{i}]", library)
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
        spec = _parse_field(r, node, where, library)
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


def _parse_field(r: Reader, node: object, path: str, library: Library | None = None) -> FieldSpec:
    if isinstance(node, Mapping) and "use" in node:
        return _use_field(r, node, path, library)
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
    if kind in _CHOOSING_KINDS and not choices:
        raise r.fail(f"{path}.choices", "a choice field lists its choices")
    if kind not in _CHOOSING_KINDS and choices:
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
    receipt = r.boolean(m["receipt"], f"{path}.receipt") if "receipt" in m else None
    if receipt and personal:
        # The kiosk prints the few personal answers worth a line itself, masked.
        raise r.fail(f"{path}.receipt", "personal data is never printed from the form")
    choices_from = None
    if "choices_from" in m:
        if kind is not FieldKind.TEXT:
            raise r.fail(f"{path}.choices_from", "only text fields are picked from a list")
        choices_from = r.text(m["choices_from"], f"{path}.choices_from")
        if choices_from not in PICK_LISTS:
            raise r.fail(f"{path}.choices_from", f"expected one of {', '.join(sorted(PICK_LISTS))}")
    picker_starts = None
    if "picker_starts" in m:
        if kind not in (FieldKind.DATE, FieldKind.DATE_RANGE):
            raise r.fail(f"{path}.picker_starts", "only date fields have a date picker")
        picker_starts = r.text(m["picker_starts"], f"{path}.picker_starts")
        if picker_starts not in PICKER_STARTS:
            raise r.fail(
                f"{path}.picker_starts", f"expected one of {', '.join(sorted(PICKER_STARTS))}"
            )
    spec = FieldSpec(
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
        receipt=receipt,
        choices_from=choices_from,
        picker_starts=picker_starts,
    )
    return _with_default(r, spec, m, path)


def _with_default(r: Reader, spec: FieldSpec, m: Mapping[str, Any], path: str) -> FieldSpec:
    """`default:` of a choice field: one of its choices (several for a multi choice).

    A declaration is never ticked for the citizen, nor personal data answered for them.
    """
    if "default" not in m:
        return spec
    where = f"{path}.default"
    if spec.kind is FieldKind.DATE:
        if m["default"] != TODAY:
            raise r.fail(where, f"a date's default is {TODAY!r} (the day the form is filled in)")
        if (spec.min_days or 0) > 0 or (spec.max_days is not None and spec.max_days < 0):
            raise r.fail(where, "today is outside this date's min_days and max_days")
        return dataclasses.replace(spec, default=TODAY)
    if spec.kind not in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE):
        raise r.fail(where, "only choice, multi_choice and date fields have a default")
    if spec.personal:
        raise r.fail(where, "personal data is never answered for the citizen")
    raw = m["default"]
    if spec.kind is FieldKind.MULTI_CHOICE:
        values = [r.text(v, f"{where}[{i}]") for i, v in enumerate(r.sequence(raw, where))]
    else:
        values = [r.text(raw, where)]
    known = [c.value for c in spec.choices]
    unknown = [v for v in values if v not in known]
    if unknown or not values:
        raise r.fail(where, f"{unknown or values} not among the choices {known}")
    ordered = [v for v in known if v in values]  # stored in the listed order, as answered
    return dataclasses.replace(spec, default=",".join(ordered))


def _use_field(r: Reader, node: Mapping[str, Any], path: str, library: Library | None) -> FieldSpec:
    """A field defined in another flow of the catalog (`use: flow.field`), asked here too."""
    m = r.mapping(node, path, _USE_KEYS)
    ref = r.text(m["use"], f"{path}.use")
    flow_id, _, name = ref.partition(".")
    r.name(flow_id, f"{path}.use", "flow id")
    r.name(name, f"{path}.use", "field name")
    if library is None:
        raise r.fail(f"{path}.use", "a field from another flow is read with its catalog")
    other = library(flow_id)
    if other is None:
        raise r.fail(f"{path}.use", f"no flow {flow_id!r} in this catalog")
    spec = _asked_fields(other).get(name)
    if spec is None:
        raise r.fail(f"{path}.use", f"flow {flow_id!r} asks no field {name!r}")
    changes: dict[str, Any] = {}
    if "required" in m:
        changes["required"] = r.boolean(m["required"], f"{path}.required")
    if "label" in m:
        changes["label"] = r.texts(m["label"], f"{path}.label")
    if "hint" in m:
        changes["hint"] = r.texts(m["hint"], f"{path}.hint")
    if "default" in m and m["default"] is None:
        # `default: null`: asked here without the other flow's preselection (a filter that
        # must start empty, where the registration preselects what most answer).
        return dataclasses.replace(spec, **changes, default=None)
    if "only" in m:
        if spec.kind not in _CHOOSING_KINDS:
            raise r.fail(f"{path}.only", "only choice fields offer a subset of their choices")
        known = [c.value for c in spec.choices]
        only = r.names(m["only"], f"{path}.only", known, "choice")
        if not only:
            raise r.fail(f"{path}.only", "keep at least one choice")
        changes["choices"] = tuple(c for c in spec.choices if c.value in only)
        kept = [v for v in (spec.default or "").split(",") if v in only]
        changes["default"] = ",".join(kept) or None  # a default left out goes with it
    return _with_default(r, dataclasses.replace(spec, **changes), m, path)


def _asked_fields(flow: Flow) -> dict[str, FieldSpec]:
    """The fields a flow's forms ask (not the typed identity's), by name."""
    return {
        spec.name: spec
        for step in flow.steps.values()
        if step.identity_method is None
        for spec in step.asked
    }


def _check_fields(r: Reader, flow: Flow) -> None:
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
                _check_test(r, flow, cond, path)


def _check_test(r: Reader, flow: Flow, cond: Condition, path: str) -> None:
    """A field test names a non-personal field this flow asks, and values it can have."""
    field = cond.field or ""
    tested = _asked_fields(flow).get(field)
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


def _check_content(r: Reader, flow: Flow) -> None:
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


def _check_expired_documents(r: Reader, flow: Flow) -> None:
    """Every step that reads a card says where an expired one goes: the flow decides what
    it may do (refuse it, or tell the citizen and go on: flows/identity.py)."""
    for step in flow.steps.values():
        if step.kind is StepKind.ACTION and step.identity_method and EXPIRED_EVENT not in step.on:
            raise r.fail(
                f"steps.{step.name}.on",
                f"a step that reads a card routes {EXPIRED_EVENT} (a notice that refuses an"
                " expired card, or one that tells the citizen and goes on)",
            )


def _check_buttons(r: Reader, flow: Flow) -> None:
    """Every button a person sees has a text in both languages (flows/texts.py BUTTONS)."""
    for step in flow.steps.values():
        for event in step.on:
            if event not in SYSTEM_EVENTS | ITEM_EVENTS and event not in BUTTONS:
                raise r.fail(
                    f"steps.{step.name}.on.{event}",
                    f"no button text for {event!r}; buttons are: {', '.join(sorted(BUTTONS))}",
                )


def _parse_items(
    r: Reader, node: object, flow: Flow, library: Library | None
) -> tuple[BundleItem, ...]:
    """A bundle's services: which answers go to each, what it fixes, when it applies."""
    entries = r.sequence(node, "items")
    if len(entries) < 2:
        raise r.fail("items", "a bundle holds at least two services")
    if not any(s.action == "submit" for s in flow.steps.values()):
        raise r.fail("items", "a bundle submits: no step runs the submit action")
    asked = _asked_fields(flow)
    items: list[BundleItem] = []
    for i, entry in enumerate(entries):
        path = f"items[{i}]"
        m = r.mapping(entry, path, _ITEM_KEYS)
        r.required(m, path, ("service", "title", "fields"))
        service = r.name(m["service"], f"{path}.service", "service code")
        if any(item.service == service for item in items):
            raise r.fail(f"{path}.service", f"{service} is listed twice")
        fields = r.sequence(m["fields"], f"{path}.fields")
        r.names(fields, f"{path}.fields", asked, "field of this flow")
        fixed_node = r.mapping(m.get("fixed", {}), f"{path}.fixed", _names_in(m.get("fixed")))
        other = library(service) if library is not None else None
        target = _asked_fields(other) if other is not None else {}
        fixed: dict[str, str] = {}
        for name, value in fixed_node.items():
            fpath = f"{path}.fixed.{name}"
            r.name(name, fpath, "field name")
            if name in asked:
                raise r.fail(fpath, f"{name!r} is asked in this flow; it is not also fixed")
            fixed[name] = r.text(value, fpath)
            spec = target.get(name)
            if spec is not None and spec.kind in _CHOOSING_KINDS:
                if value not in {c.value for c in spec.choices}:
                    raise r.fail(fpath, f"{value!r} is not a choice of {service}.{name}")
        when = None
        key = "if" if "if" in m else "unless" if "unless" in m else None
        if "if" in m and "unless" in m:
            raise r.fail(path, "an item has if or unless, not both")
        if key is not None:
            if isinstance(m[key], str):
                raise r.fail(f"{path}.{key}", "an item's condition tests a form value")
            when = _parse_condition(r, m[key], f"{path}.{key}", (), key == "unless")
            _check_test(r, flow, when, f"{path}.{key}")
        items.append(
            BundleItem(
                service=service,
                title=r.texts(m["title"], f"{path}.title"),
                fields=tuple(str(f) for f in fields),
                fixed=fixed,
                when=when,
            )
        )
    return tuple(items)


def _names_in(node: object) -> Collection[Any]:
    return node if isinstance(node, Mapping) else ()


def _check_follow_on(r: Reader, flow: Flow, library: Library) -> None:
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


class FlowFiles:
    """The flows of a set of files by id, each parsed once: the library `use:` and `then:` need.

    A flow that takes fields from a flow that takes fields from it is refused (a circle).
    """

    def __init__(
        self,
        read: Callable[[str], bytes | None],
        actions: Collection[str] = ACTIONS,
        guards: Collection[str] = GUARDS,
        *,
        parsing: tuple[str, ...] = (),
    ) -> None:
        self._read = read
        self._actions = actions
        self._guards = guards
        self._parsed: dict[str, Flow | None] = {}
        self._parsing = list(parsing)

    @classmethod
    def in_directory(
        cls,
        directory: Path,
        actions: Collection[str] = ACTIONS,
        guards: Collection[str] = GUARDS,
        *,
        parsing: tuple[str, ...] = (),
    ) -> FlowFiles:
        """The flows of the files `<id>.yaml` in `directory`; a file too big is refused unread."""

        def read(flow_id: str) -> bytes | None:
            path = directory / f"{flow_id}.yaml"
            return _read_limited(path) if path.is_file() else None

        return cls(read, actions, guards, parsing=parsing)

    def __call__(self, flow_id: str) -> Flow | None:
        """The flow `flow_id`, or None if there is no file for it."""
        if flow_id in self._parsed:
            return self._parsed[flow_id]
        name = f"{flow_id}.yaml"
        if flow_id in self._parsing:
            circle = " -> ".join([*self._parsing[self._parsing.index(flow_id) :], flow_id])
            raise FlowDefinitionError(name, "", f"flows take fields from each other: {circle}")
        data = self._read(flow_id)
        if data is None:
            self._parsed[flow_id] = None
            return None
        self._parsing.append(flow_id)
        try:
            flow = parse_flow(read_yaml_file(data, name), name, self._actions, self._guards, self)
        finally:
            self._parsing.pop()
        if flow.id != flow_id:
            raise FlowDefinitionError(name, "id", f"the file name says the id is {flow_id!r}")
        self._parsed[flow_id] = flow
        return flow


def _read_limited(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FlowDefinitionError(
            path.name, "", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"
        )
    return path.read_bytes()


def load_flow(
    path: Path, actions: Collection[str] = ACTIONS, guards: Collection[str] = GUARDS
) -> Flow:
    """Read and validate one flow file; the flows it refers to are the files beside it."""
    data = _read_limited(path)
    library = FlowFiles.in_directory(path.parent, actions, guards, parsing=(path.stem,))
    return parse_flow(read_yaml_file(data, path.name), path.name, actions, guards, library)


def load_builtin(flow_id: str) -> Flow:
    """Load a flow shipped in flows/catalog/."""
    ref = resources.files("flows.catalog").joinpath(f"{flow_id}.yaml")
    with resources.as_file(ref) as path:
        return load_flow(path)
