"""A bundle's `items:` (一件事): the services one submission holds, the answers each takes,
the values it fixes and when it applies (flows/submission.py sends them)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flows.field_schema import CHOOSING_KINDS, Library
from flows.flow_checks import check_test
from flows.model import BundleItem, Flow, asked_fields
from flows.reader import Reader
from flows.step_schema import parse_condition

_ITEM_KEYS = {"service", "title", "fields", "fixed", "if", "unless"}


def parse_items(
    r: Reader, node: object, flow: Flow, library: Library | None
) -> tuple[BundleItem, ...]:
    """A bundle's services: which answers go to each, what it fixes, when it applies."""
    entries = r.sequence(node, "items")
    if len(entries) < 2:
        raise r.fail("items", "a bundle holds at least two services")
    if not any(s.action == "submit" for s in flow.steps.values()):
        raise r.fail("items", "a bundle submits: no step runs the submit action")
    asked = asked_fields(flow)
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
        target = asked_fields(other) if other is not None else {}
        fixed: dict[str, str] = {}
        for name, value in fixed_node.items():
            fpath = f"{path}.fixed.{name}"
            r.name(name, fpath, "field name")
            if name in asked:
                raise r.fail(fpath, f"{name!r} is asked in this flow; it is not also fixed")
            fixed[name] = r.text(value, fpath)
            spec = target.get(name)
            if spec is not None and spec.kind in CHOOSING_KINDS:
                if value not in {c.value for c in spec.choices}:
                    raise r.fail(fpath, f"{value!r} is not a choice of {service}.{name}")
        when = None
        key = "if" if "if" in m else "unless" if "unless" in m else None
        if "if" in m and "unless" in m:
            raise r.fail(path, "an item has if or unless, not both")
        if key is not None:
            if isinstance(m[key], str):
                raise r.fail(f"{path}.{key}", "an item's condition tests a form value")
            when = parse_condition(r, m[key], f"{path}.{key}", (), key == "unless")
            check_test(r, flow, when, f"{path}.{key}")
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
