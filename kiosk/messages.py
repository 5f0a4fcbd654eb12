"""The kiosk's one bilingual catalog: stable codes to zh-CN and en words (kiosk/messages.yaml).

Drivers raise errors that carry a `code` and no prose; the kiosk's actions refuse with codes
of their own; the touchscreen's words are here too, under `ui.`. `text(code)` gives both
languages and the flow engine shows the one the citizen chose, so a citizen who picked
English never reads a Chinese-only sentence from a driver.

The catalog is read with the flows' hostile-YAML-safe reader and checked as a whole: a key
that is not a code, a missing language or empty text is a FlowDefinitionError naming the key.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING

from flows.model import Texts
from flows.reader import Reader
from flows.yamlsafe import read_yaml_file

if TYPE_CHECKING:
    from drivers.errors import DriverError
    from kiosk.controller_client import ControllerError

SOURCE = "kiosk/messages.yaml"
# Dotted lower-case names, at least two: "printer.paper_out", "ui.tile_hint.typed".
CODE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")


class UnknownCode(LookupError):
    """A code with no entry in the catalog (a bug: tests/kiosk/test_messages.py looks for them)."""


def parse_catalog(data: bytes, source: str = SOURCE) -> dict[str, Texts]:
    """The entries of a catalog file, or FlowDefinitionError naming the file and the bad key."""
    r = Reader(source)
    top = read_yaml_file(data, source)
    if not isinstance(top, Mapping):
        raise r.fail("", f"expected a mapping of codes to texts, found {type(top).__name__}")
    entries: dict[str, Texts] = {}
    for code, node in top.items():
        if not isinstance(code, str) or not CODE.fullmatch(code):
            raise r.fail(str(code), "a code is dotted lower-case names, e.g. printer.paper_out")
        entries[code] = r.texts(node, code)
    return entries


@functools.cache
def catalog() -> Mapping[str, Texts]:
    """Every entry of the kiosk's catalog, read from the package once."""
    data = resources.files("kiosk").joinpath("messages.yaml").read_bytes()
    return MappingProxyType(parse_catalog(data))


def text(code: str) -> Texts:
    """The words of `code` in both languages; UnknownCode if the catalog has no such entry."""
    try:
        return catalog()[code]
    except KeyError:
        raise UnknownCode(f"{SOURCE} has no entry {code!r}") from None


def section(prefix: str) -> dict[str, Texts]:
    """The entries one level under `prefix`, by their last name ("ui" -> {"home": ...})."""
    start = f"{prefix}."
    return {
        code.removeprefix(start): words
        for code, words in catalog().items()
        if code.startswith(start) and "." not in code.removeprefix(start)
    }


def code_of(kind: type[BaseException]) -> str:
    """The code that speaks for an error class: its own, or its nearest ancestor's with an entry.

    A new subclass without an entry of its own (or without a code) still says something
    sensible: what its parent says.
    """
    for cls in kind.__mro__:
        code = vars(cls).get("code")
        if isinstance(code, str) and code in catalog():
            return code
    raise UnknownCode(f"neither {kind.__name__} nor a class it derives from has an entry")


def for_error(err: DriverError | ControllerError) -> Texts:
    """The words a citizen is shown for `err`, found by its class's code."""
    words = catalog()[code_of(type(err))]
    # The controller may explain a refusal in its own zh-CN sentence (it names what was
    # full: a class, a fair, a slot); it sends no English (wire/v1.py), so an English
    # reader gets the catalog's words for the same refusal.
    said = getattr(err, "user_message", None)
    if isinstance(said, str) and said.strip():
        return Texts(said, words.en)
    return words
