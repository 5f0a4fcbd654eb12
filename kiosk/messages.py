"""The kiosk's one bilingual catalog: stable codes to zh-CN and en words (kiosk/messages.yaml).

Drivers raise errors that carry a `code` and no prose; the kiosk's actions refuse with codes
of their own; the touchscreen's words are here too, under `ui.`. `text(code)` gives both
languages and the flow engine shows the one the citizen chose, so a citizen who picked
English never reads a Chinese-only sentence from a driver.

The catalog is read with the flows' hostile-YAML-safe reader and checked as a whole: a key
that is not a code, a missing language or empty text is a FlowDefinitionError naming the key.

Reading it (PyYAML's import and the parse) was some 10-20 ms of every cold start, and the
menu's words are in it. So the kiosk's start calls `load(cache_dir)`: the catalog checked
once is kept there as JSON, named by a key over the file's bytes and the reading code (as the
flows' catalog cache keys its files, flows/catalog_cache.py), and a start with the same file
and code reads that JSON instead of the YAML. A changed file is parsed and checked at that
start, so a malformed one is still refused when the kiosk starts, never at its first use.
Without `load`, the first lookup parses the file (tests, tools).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from flows.model import Texts

if TYPE_CHECKING:
    from drivers.errors import DriverError
    from kiosk.controller_client import ControllerError

SOURCE = "kiosk/messages.yaml"
# Read as a file beside this module (as the kiosk is installed: files in its release's
# environment); importlib.resources' machinery was 2 ms of every start for this one read.
CATALOG_FILE = Path(__file__).with_name("messages.yaml")
# Dotted lower-case names, at least two: "printer.paper_out", "ui.tile_hint.typed".
CODE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")


log = logging.getLogger(__name__)

CACHE_FORMAT = 1
CACHE_PREFIX = "messages-"

_loaded: Mapping[str, Texts] | None = None
_lock = threading.Lock()


class UnknownCode(LookupError):
    """A code with no entry in the catalog (a bug: tests/kiosk/test_messages.py looks for them)."""


def parse_catalog(data: bytes, source: str = SOURCE) -> dict[str, Texts]:
    """The entries of a catalog file, or FlowDefinitionError naming the file and the bad key."""
    # Imported here: PyYAML loads only when a catalog file is really parsed.
    from flows.reader import Reader
    from flows.yamlsafe import read_yaml_file

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


def cache_key(data: bytes) -> str:
    """The key of the catalog file `data` as this code reads it: the file's bytes, this
    module's source and the flows' validator code (the reader, the YAML rules, Texts)."""
    from flows.catalog_cache import code_version  # cached: the flows' cache reads it too

    digest = hashlib.sha256(f"messages {CACHE_FORMAT} {code_version()}\0".encode())
    digest.update(Path(__file__).read_bytes())
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def load(cache_dir: Path | None = None) -> Mapping[str, Texts]:
    """Read and check the catalog now (a malformed file: FlowDefinitionError), from the JSON
    kept in `cache_dir` when the file and the code are those it was kept for."""
    global _loaded
    with _lock:
        data = CATALOG_FILE.read_bytes()
        if cache_dir is None:
            _loaded = MappingProxyType(parse_catalog(data))
            return _loaded
        key = cache_key(data)
        path = cache_dir / f"{CACHE_PREFIX}{key[:32]}.json"
        kept = _read_kept(path, key)
        if kept is None:
            kept = parse_catalog(data)  # raises before anything is written
            _keep(path, key, kept)
        _loaded = MappingProxyType(kept)
        return _loaded


def _read_kept(path: Path, key: str) -> dict[str, Texts] | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(found, dict) or found.get("key") != key:
            return None
        return {code: Texts(zh, en) for code, (zh, en) in found["messages"].items()}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        # A torn or foreign file: parse the YAML again, and the write replaces it.
        log.warning("messages cache unreadable, parsing again: %s", type(err).__name__)
        return None


def _keep(path: Path, key: str, entries: Mapping[str, Texts]) -> None:
    body = {"key": key, "messages": {code: [t.zh, t.en] for code, t in entries.items()}}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # a reader sees the old file or the whole new one
        for old in path.parent.glob(f"{CACHE_PREFIX}*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as err:  # a full or read-only disk costs the next start time, no more
        log.warning("messages cache not written: %s", type(err).__name__)


def catalog() -> Mapping[str, Texts]:
    """Every entry of the kiosk's catalog: as `load` read it, else read from the package now."""
    return _loaded if _loaded is not None else load()


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
