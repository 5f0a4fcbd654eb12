"""Walking parsed YAML with the current path, so every error can say where it is."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from flows.errors import FlowDefinitionError
from flows.model import LANGUAGES, Texts

# Names of flows, steps, events and fields: what an author can type and a log can show.
NAME = re.compile(r"[a-z][a-z0-9_]{0,47}")


class Reader:
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

    def sequence(self, node: object, path: str) -> list[Any]:
        if not isinstance(node, list):
            raise self.fail(path, f"expected a list, found {type(node).__name__}")
        return node

    def text(self, node: object, path: str) -> str:
        if not isinstance(node, str) or not node.strip():
            raise self.fail(path, "expected non-empty text")
        return node

    def name(self, node: object, path: str, what: str = "name") -> str:
        if not isinstance(node, str) or not NAME.fullmatch(node):
            raise self.fail(path, f"a {what} is lower-case letters, digits and _ (at most 48)")
        return node

    def names(self, node: object, path: str, known: Collection[str], what: str) -> frozenset[str]:
        items = self.sequence(node, path)
        for i, item in enumerate(items):
            if item not in known:
                raise self.fail(f"{path}[{i}]", f"unknown {what} {item!r}; known: {sorted(known)}")
        if len(set(items)) != len(items):
            raise self.fail(path, f"a {what} is listed twice")
        return frozenset(items)

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

    def boolean(self, node: object, path: str) -> bool:
        if not isinstance(node, bool):
            raise self.fail(path, "expected true or false")
        return node

    def required(self, m: Mapping[str, Any], path: str, keys: Collection[str]) -> None:
        for key in keys:
            if key not in m:
                raise self.fail(path, f"missing key {key}")
