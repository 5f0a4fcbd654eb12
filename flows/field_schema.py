"""A form's fields in a flow file: `fields:` entries, their defaults, and `use:` of a field
another flow of the catalog defines (flows/loader.py shows the whole file format)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from flows.actions import PICK_LISTS, PICKER_STARTS
from flows.model import (
    DATE_DEFAULTS,
    FIRST_WEEKDAY,
    TODAY,
    Choice,
    FieldKind,
    FieldSpec,
    Flow,
    asked_fields,
)
from flows.reader import Reader

Library = Callable[[str], Flow | None]
"""Another flow of the catalog by id (None if there is none), for `use:` and `then:`."""

_PERSONAL_KINDS = {FieldKind.MOBILE, FieldKind.ID_NUMBER, FieldKind.NAME, FieldKind.BANK_ACCOUNT}
CHOOSING_KINDS = {FieldKind.CHOICE, FieldKind.MULTI_CHOICE}
_FIELD_KEYS = {
    "name", "kind", "label", "required", "personal", "max_length", "choices",
    "min_days", "max_days", "hint", "min_length", "max_span_days", "receipt",
    "choices_from", "picker_starts", "default",
}  # fmt: skip
_USE_KEYS = {"use", "required", "label", "hint", "only", "default"}


def parse_field(r: Reader, node: object, path: str, library: Library | None = None) -> FieldSpec:
    """A field of a form (`fields:` entry, or `use:` of another flow's field), checked."""
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
    if kind in CHOOSING_KINDS and not choices:
        raise r.fail(f"{path}.choices", "a choice field lists its choices")
    if kind not in CHOOSING_KINDS and choices:
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


def _date_default(r: Reader, spec: FieldSpec, raw: object, where: str) -> str:
    """A date's `default:`: `today`, or `first_weekday` (the first Monday-to-Friday day
    between min_days and max_days), each refused where the field's range cannot hold it."""
    if raw not in DATE_DEFAULTS:
        raise r.fail(
            where,
            f"a date's default is {TODAY!r} (the day the form is filled in) or "
            f"{FIRST_WEEKDAY!r} (the first Monday-to-Friday day the field allows)",
        )
    earliest, latest = spec.min_days or 0, spec.max_days
    if raw == TODAY and (earliest > 0 or (latest is not None and latest < 0)):
        raise r.fail(where, "today is outside this date's min_days and max_days")
    # Any 3 days in a row hold a weekday; fewer may fall on one weekend.
    if raw != TODAY and latest is not None and latest - earliest < 2:
        raise r.fail(where, "min_days to max_days may hold no Monday-to-Friday day")
    return str(raw)


def _with_default(r: Reader, spec: FieldSpec, m: Mapping[str, Any], path: str) -> FieldSpec:
    """`default:` of a choice field: one of its choices (several for a multi choice).

    A declaration is never ticked for the citizen, nor personal data answered for them.
    """
    if "default" not in m:
        return spec
    where = f"{path}.default"
    if spec.kind is FieldKind.DATE:
        return dataclasses.replace(spec, default=_date_default(r, spec, m["default"], where))
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
    spec = asked_fields(other).get(name)
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
        if spec.kind not in CHOOSING_KINDS:
            raise r.fail(f"{path}.only", "only choice fields offer a subset of their choices")
        known = [c.value for c in spec.choices]
        only = r.names(m["only"], f"{path}.only", known, "choice")
        if not only:
            raise r.fail(f"{path}.only", "keep at least one choice")
        changes["choices"] = tuple(c for c in spec.choices if c.value in only)
        kept = [v for v in (spec.default or "").split(",") if v in only]
        changes["default"] = ",".join(kept) or None  # a default left out goes with it
    return _with_default(r, dataclasses.replace(spec, **changes), m, path)
