"""Reading YAML that came from outside: small, plain, and never more than it looks.

Flow and catalog files are published by a county and travel to every kiosk, so the reader
refuses what a plain data file never needs and a hostile one would use:

- aliases and anchors (`&a`, `*a`): an alias bomb expands a few lines into billions of nodes;
- merge keys (`<<`), explicit Python tags, duplicate keys (the later one silently won);
- nesting deeper than MAX_DEPTH (the composer recurses once per level) and more than
  MAX_NODES nodes, and files larger than MAX_FILE_BYTES (checked before parsing).

Scalars follow the YAML 1.2 core schema, not PyYAML's 1.1 defaults: only true/false are
booleans (`on:` and a choice value `no` stay strings), integers are decimal (`010` is ten,
`8:30` is text, not 510 sexagesimal), and dates stay text (`2026-01-31` is not a date object).

The text is scanned and parsed by libyaml (PyYAML's C parser) when PyYAML was built with it,
else by PyYAML's pure-Python parser: the C one reads the catalog about five times faster, and
the kiosk reads the whole catalog before its menu can show. Either way the nodes are composed
here, one event at a time, so the refusals above hold before a refused construct is expanded.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from flows.errors import FlowDefinitionError

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 24
MAX_NODES = 20_000
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


class _Refused(yaml.MarkedYAMLError):
    """A construct this reader does not accept, with where it is."""


class _StrictRules(Composer, SafeConstructor, Resolver):
    """The composing and constructing half of a loader: YAML 1.2 core scalars and refusals."""

    yaml_implicit_resolvers: dict[Any, Any] = {}

    def _start(self) -> None:
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Compose one node, refusing aliases and anchors and counting depth and nodes."""
        event = self.peek_event()  # type: ignore[attr-defined]  # from the parser half
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(None, None, "YAML aliases (*name) are not allowed", mark)
        if getattr(event, "anchor", None) is not None:
            raise _Refused(None, None, "YAML anchors (&name) are not allowed", mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(None, None, f"more than {MAX_NODES} values", mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(None, None, f"nested deeper than {MAX_DEPTH}", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing duplicate and unhashable keys."""
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:
                raise ConstructorError(
                    None, None, "a key must be plain text", key_node.start_mark
                ) from None
            if duplicate:
                raise ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


class _PureStrictLoader(Reader, Scanner, Parser, _StrictRules):
    """The rules over PyYAML's pure-Python reader, scanner and parser."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        self._start()


def _int(loader: Any, node: Node) -> int:
    return int(str(node.value))


def _float(loader: Any, node: Node) -> float:
    return float(str(node.value))


_StrictRules.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictRules.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_StrictRules.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)
_StrictRules.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_StrictRules.add_constructor("tag:yaml.org,2002:int", _int)
_StrictRules.add_constructor("tag:yaml.org,2002:float", _float)


_Loader: type[_PureStrictLoader | _CStrictLoader] = _PureStrictLoader
try:
    from yaml._yaml import CParser

    class _CStrictLoader(_StrictRules, CParser):
        """The rules over libyaml's scanner and parser; the composer stays the one above."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            self._start()

    _Loader = _CStrictLoader
except ImportError:  # PyYAML built without libyaml: the pure-Python parser, same rules
    pass


def parse_yaml(text: str, source: str) -> object:
    """Parse one YAML document under the rules above, or raise FlowDefinitionError."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise FlowDefinitionError(source, "", f"file is larger than {MAX_FILE_BYTES} bytes")
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except _Refused as err:
        raise FlowDefinitionError(source, _where(err), f"refused: {err.problem}") from err
    except yaml.YAMLError as err:
        problem = getattr(err, "problem", None) or str(err)
        if problem == _LIBYAML_TOO_DEEP:
            # libyaml looks ahead past an opening bracket and stops at its own 1000 levels
            # before the composer counts the 25th: the same refusal, said the same way.
            raise FlowDefinitionError(
                source, _where(err), f"refused: nested deeper than {MAX_DEPTH}"
            ) from err
        raise FlowDefinitionError(source, _where(err), f"not valid YAML: {problem}") from err
    except RecursionError as err:
        # Not reachable with MAX_DEPTH; kept so no parser path can crash a kiosk.
        raise FlowDefinitionError(source, "", f"refused: nested deeper than {MAX_DEPTH}") from err
    finally:
        loader.dispose()


def read_yaml_file(data: bytes, source: str) -> object:
    """Decode and parse the bytes of a file, checking its size before anything else."""
    if len(data) > MAX_FILE_BYTES:
        raise FlowDefinitionError(
            source, "", f"file is {len(data)} bytes; the limit is {MAX_FILE_BYTES}"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FlowDefinitionError(source, "", f"not valid YAML: not UTF-8 text ({err})") from err
    return parse_yaml(text, source)


def _where(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if mark is None:
        return ""
    return f"line {mark.line + 1}, column {mark.column + 1}"
