"""Loading flow YAML into frozen dataclasses, refusing anything that is not exactly right.

Every error names the file and the path inside it (`steps.form.fields[2].label`), because
the people who write these files are county staff, not the engineers who wrote the engine.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from flows.actions import ACTIONS
from flows.model import LANGUAGES, Choice, FieldKind, FieldSpec, Flow, Step, StepKind, Texts

MAX_FILE_BYTES = 256 * 1024
_PERSONAL_KINDS = {FieldKind.MOBILE, FieldKind.ID_NUMBER, FieldKind.NAME}


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false are booleans.

    YAML 1.1 reads on/off/yes/no as booleans, which turns the `on:` transition key and a
    choice value `no` into True/False behind an author's back.
    """


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class FlowDefinitionError(ValueError):
    """A flow file is malformed; the message names the file and the path of the problem."""

    def __init__(self, source: str, path: str, problem: str) -> None:
        super().__init__(f"{source}: {path or '<top>'}: {problem}")
        self.source, self.path, self.problem = source, path, problem


class _Reader:
    """Walks parsed YAML with the current path, so every error can say where it is."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> FlowDefinitionError:
        return FlowDefinitionError(self.source, path, problem)

    def mapping(self, node: object, path: str, allowed: Collection[str]) -> Mapping[str, Any]:
        if not isinstance(node, Mapping):
            raise self.fail(path, f"expected a mapping, found {type(node).__name__}")
        unknown = sorted(str(k) for k in node if k not in allowed)
        if unknown:
            raise self.fail(path, f"unknown key(s) {', '.join(unknown)}")
        return node

    def text(self, node: object, path: str) -> str:
        if not isinstance(node, str) or not node.strip():
            raise self.fail(path, "expected non-empty text")
        return node

    def texts(self, node: object, path: str) -> Texts:
        m = self.mapping(node, path, LANGUAGES)
        for lang in LANGUAGES:
            if lang not in m:
                raise self.fail(path, f"missing translation {lang}")
        return Texts(self.text(m["zh-CN"], f"{path}.zh-CN"), self.text(m["en"], f"{path}.en"))

    def integer(self, node: object, path: str, low: int, high: int) -> int:
        if isinstance(node, bool) or not isinstance(node, int) or not low <= node <= high:
            raise self.fail(path, f"expected a whole number from {low} to {high}")
        return node


def parse_flow(data: object, source: str, actions: Collection[str] = ACTIONS) -> Flow:
    """Build a validated Flow from parsed YAML."""
    r = _Reader(source)
    top = r.mapping(data, "", {"id", "version", "title", "start", "steps"})
    for key in ("id", "version", "title", "start", "steps"):
        if key not in top:
            raise r.fail("", f"missing key {key}")
    steps_node = r.mapping(
        top["steps"], "steps", top["steps"] if isinstance(top["steps"], Mapping) else ()
    )
    steps = {
        str(name): _parse_step(r, str(name), node, f"steps.{name}", actions)
        for name, node in steps_node.items()
    }
    flow = Flow(
        id=r.text(top["id"], "id"),
        version=r.integer(top["version"], "version", 1, 1_000_000),
        title=r.texts(top["title"], "title"),
        start=r.text(top["start"], "start"),
        steps=steps,
        source=source,
    )
    _check_graph(r, flow)
    return flow


_STEP_KEYS = {"kind", "title", "prompt", "action", "fields", "on", "timeout", "outcome"}
_FIELD_KEYS = {
    "name", "kind", "label", "required", "personal", "max_length", "choices",
    "min_days", "max_days", "hint",
}  # fmt: skip


def _parse_step(r: _Reader, name: str, node: object, path: str, actions: Collection[str]) -> Step:
    m = r.mapping(node, path, _STEP_KEYS)
    try:
        kind = StepKind(str(m.get("kind")))
    except ValueError:
        raise r.fail(f"{path}.kind", f"expected one of {', '.join(StepKind)}") from None
    action = m.get("action")
    if kind is StepKind.ACTION:
        if action not in actions:
            raise r.fail(f"{path}.action", f"unknown action {action!r}; known: {sorted(actions)}")
    elif action is not None:
        raise r.fail(f"{path}.action", "only action steps name an action")
    on_node = r.mapping(m.get("on", {}), f"{path}.on", m.get("on", {}) or ())
    on = {str(e): r.text(t, f"{path}.on.{e}") for e, t in on_node.items()}
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
    fields = tuple(
        _parse_field(r, f, f"{path}.fields[{i}]") for i, f in enumerate(m.get("fields") or [])
    )
    if kind is StepKind.FORM and not fields:
        raise r.fail(f"{path}.fields", "a form step has fields")
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise r.fail(f"{path}.fields", "field names repeat")
    outcome = m.get("outcome")
    if kind is StepKind.END and outcome not in {"completed", "cancelled", "failed", "expired"}:
        raise r.fail(f"{path}.outcome", "an end step says completed, cancelled, failed or expired")
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
    )


def _parse_field(r: _Reader, node: object, path: str) -> FieldSpec:
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
        for i, c in enumerate(m.get("choices") or [])
    )  # fmt: skip
    if kind is FieldKind.CHOICE and not choices:
        raise r.fail(f"{path}.choices", "a choice field lists its choices")
    return FieldSpec(
        name=r.text(m.get("name"), f"{path}.name"),
        kind=kind,
        label=r.texts(m.get("label"), f"{path}.label"),
        required=bool(m.get("required", True)),
        personal=bool(m.get("personal", kind in _PERSONAL_KINDS)),
        max_length=r.integer(m.get("max_length", 60), f"{path}.max_length", 1, 2000),
        choices=choices,
        min_days=r.integer(m["min_days"], f"{path}.min_days", -36500, 36500)
        if "min_days" in m
        else None,
        max_days=r.integer(m["max_days"], f"{path}.max_days", -36500, 36500)
        if "max_days" in m
        else None,
        hint=r.texts(m["hint"], f"{path}.hint") if "hint" in m else None,
    )


def _check_graph(r: _Reader, flow: Flow) -> None:
    if flow.start not in flow.steps:
        raise r.fail("start", f"unknown step {flow.start!r}")
    for step in flow.steps.values():
        for event, target in step.on.items():
            if target not in flow.steps:
                raise r.fail(f"steps.{step.name}.on.{event}", f"unknown step {target!r}")
    seen, todo = set(), [flow.start]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(flow.steps[name].on.values())
    unreachable = sorted(set(flow.steps) - seen)
    if unreachable:
        raise r.fail("steps", f"unreachable step(s) {', '.join(unreachable)}")
    if not any(flow.steps[n].kind is StepKind.END for n in seen):
        raise r.fail("steps", "no end step can be reached")


def load_flow(path: Path, actions: Collection[str] = ACTIONS) -> Flow:
    """Read and validate one flow file."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FlowDefinitionError(
            path.name, "", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"
        )
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)  # noqa: S506
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise FlowDefinitionError(path.name, "", f"not valid YAML: {err}") from err
    return parse_flow(data, path.name, actions)


def load_builtin(flow_id: str) -> Flow:
    """Load a flow shipped in flows/catalog/."""
    ref = resources.files("flows.catalog").joinpath(f"{flow_id}.yaml")
    with resources.as_file(ref) as path:
        return load_flow(path)
