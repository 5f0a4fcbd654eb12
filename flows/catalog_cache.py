"""A validated catalog kept on disk as JSON, so a start with unchanged files skips validation.

Reading the catalog's YAML and validating every flow took a third of a second of the
kiosk's cold start (about 0.38 s at load 2 on the 2-core bench machine: the YAML, the flows'
checks, and python-stdnum's GB/T 2260 table loaded whole to check the station's region).
The result is a tree of frozen dataclasses, which this module writes as JSON and reads back
by the dataclasses' own type hints: plain data, never pickle, so a cache file can hold no
code. A cache file is named by a key over everything the validation depends on:

- the catalog's files (names and bytes);
- the validator's code (the source files of the flows and pii packages and of the wire
  modules flows takes names from, and python-stdnum's region table with its reader, each
  by its size and modification time as the interpreter's compiled-code check takes them),
  so new code or a new table validates again;
- the year, as the region check takes the year (`is_region_code(region, year=...)`).

Anything unreadable, of another shape or of another key is ignored and the files are
validated as before; the cache is an optimisation only, never a second source of truth.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import importlib.util
import json
import logging
import os
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from flows.catalog_model import Catalog, Service
from flows.model import Texts

log = logging.getLogger(__name__)

CACHE_FORMAT = 3  # 2: a dataclass is the list of its values; 3: its words in a table
KEEP = 4  # cache files kept: the shipped catalog, the applied target, and one change of each
PREFIX = "catalog-"


# The code a catalog's validation runs: the flows package, the ID and phone checks it calls
# (pii), and the names it takes from the wire contract (device kinds, matching criteria).
VALIDATOR_PACKAGES = ("flows", "pii")
VALIDATOR_MODULES = ("wire.vocabulary", "wire.matching")


def validator_files() -> list[Path]:
    """The files a validation's outcome depends on: the validator's code
    (VALIDATOR_PACKAGES, VALIDATOR_MODULES) and python-stdnum's region table with its reader."""
    files: list[Path] = []
    # The table found without importing python-stdnum (pii loads it with the first check)
    # or importlib.metadata (a release's version: tens of ms of every start).
    stdnum = importlib.util.find_spec("stdnum")
    for folder in (stdnum.submodule_search_locations or []) if stdnum else []:
        files += [Path(folder) / "numdb.py", Path(folder) / "cn" / "loc.dat"]
    for package in VALIDATOR_PACKAGES:
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            files += sorted(Path(folder).glob("*.py"))
    for module in VALIDATOR_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin is not None:
            files.append(Path(spec.origin))
    return files


def file_stamp(path: Path) -> str:
    """What tells one version of `path` from another: its size and modification time.

    The interpreter itself trusts these two to decide whether a module's compiled code is
    still its source's (a .pyc records them), so the key changes whenever the code that runs
    does; reading and hashing the ~40 files instead was 2-3 ms of every start.
    """
    try:
        found = path.stat()
    except FileNotFoundError:
        return "absent"
    return f"{found.st_size} {found.st_mtime_ns}"


@cache
def code_version() -> str:
    """A digest of the validator's files (`validator_files`), each by its `file_stamp`."""
    digest = hashlib.sha256(f"format {CACHE_FORMAT}".encode())
    for path in validator_files():
        digest.update(f"{path.parent.name}/{path.name}\0{file_stamp(path)}\0".encode())
    return digest.hexdigest()


def catalog_key(files: Mapping[str, bytes], year: int) -> str:
    """The cache key of `files` validated in `year` by this code."""
    digest = hashlib.sha256(f"{code_version()} {year}".encode())
    for name in sorted(files):
        content = files[name]
        digest.update(f"\0{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def parse_catalog(files: Mapping[str, bytes], *, today: dt.date) -> Catalog:
    """Validate `files` (flows/manifest.py `parse_catalog`), its modules imported only then: a
    start whose catalog is read back from the cache loads none of the validator."""
    from flows import manifest

    return manifest.parse_catalog(files, today=today)


class CatalogCache:
    """`parse(files)`: `parse_catalog(files)`, answered from disk when validated before."""

    def __init__(self, directory: Path, *, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.directory = directory
        self._today = today
        self.hits = 0  # catalogs read from the cache (tests and the bench look)

    def parse(self, files: Mapping[str, bytes]) -> Catalog:
        """The validated catalog of `files`; FlowDefinitionError as `parse_catalog` raises."""
        today = self._today()
        key = catalog_key(files, today.year)
        path = self.directory / f"{PREFIX}{key[:32]}.json"
        found = self._read(path, key)
        if found is not None:
            self.hits += 1
            return found
        catalog = parse_catalog(files, today=today)  # raises before anything is written
        self._write(path, key, catalog)
        return catalog

    def _read(self, path: Path, key: str) -> Catalog | None:
        try:
            # Text, not bytes: json.loads of bytes took 60 ms here against 4 ms for text.
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("key") != key:
                return None
            catalog = data["catalog"]
            if not isinstance(catalog, dict):
                return None
            return decode_catalog(catalog)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            # A torn or foreign file: validate again, and the write below replaces it.
            log.warning("catalog cache unreadable, validating again: %s", type(err).__name__)
            return None

    def _write(self, path: Path, key: str, catalog: Catalog) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            body = json.dumps({"key": key, "catalog": encode_catalog(catalog)}, ensure_ascii=False)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(body, encoding="utf-8")
            os.replace(tmp, path)  # a reader sees the old file or the whole new one
            self._prune(keep=path)
        except OSError as err:  # a full or read-only disk costs the next start time, no more
            log.warning("catalog cache not written: %s", type(err).__name__)

    def _prune(self, keep: Path) -> None:
        found = sorted(
            self.directory.glob(f"{PREFIX}*.json"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for old in [p for p in found if p != keep][KEEP - 1 :]:
            old.unlink(missing_ok=True)


# -- the catalog as JSON --------------------------------------------------------------------
# A dataclass is kept as the list of its fields' values, in their order: the field names
# repeated in each of the catalog's ~1,900 objects were most of the file and of the time
# reading it took. Its words (`Texts`) are kept once each in a table and named by their
# place in it: some 1,300 in a catalog, under 500 of them different ("取消 / Cancel" on most
# steps), so the file is a fifth smaller and reading it makes each once. The key covers the
# classes' code (`code_version`), so a file is only ever read by the classes it was written
# from; a list of the wrong length is refused.


def encode_catalog(catalog: Catalog) -> dict[str, Any]:
    """The catalog as JSON data: its words once each, then its values; a service names its
    flow, which `flows` holds once."""
    writer = _Writer()
    values = [
        [writer.service(s) for s in catalog.services] if f.name == "services" else writer.value(v)
        for f in dataclasses.fields(Catalog)
        for v in (getattr(catalog, f.name),)
    ]
    return {"texts": [[t.zh, t.en] for t in writer.texts], "values": values}


def decode_catalog(data: dict[str, Any]) -> Catalog:
    """The catalog `encode_catalog` wrote; each service's flow is the object in `flows`."""
    readers = _Readers([Texts(zh, en) for zh, en in data["texts"]])
    names = [f.name for f in dataclasses.fields(Catalog)]
    read = dict(zip(names, data["values"], strict=True))
    hints = _hints(Catalog)
    flows: dict[str, Any] = readers.read(hints["flows"], read["flows"])
    service_hints = _hints(Service)
    parts = [
        (f.name == "flow", readers.of(service_hints[f.name])) for f in dataclasses.fields(Service)
    ]
    services = tuple(
        Service(
            *[
                flows[value] if is_flow else value if reader is None else reader(value)
                for (is_flow, reader), value in zip(parts, entry, strict=True)
            ]
        )
        for entry in read["services"]
    )
    known: dict[str, Any] = {"flows": flows, "services": services}
    return Catalog(
        **{n: known[n] if n in known else readers.read(hints[n], v) for n, v in read.items()}
    )


class _Writer:
    """Values as JSON data; each `Texts` once, in `texts`, named by its place there."""

    def __init__(self) -> None:
        self.places: dict[Texts, int] = {}

    @property
    def texts(self) -> list[Texts]:
        return list(self.places)  # in the order of their places

    def service(self, service: Service) -> list[Any]:
        return [
            service.flow.id if f.name == "flow" else self.value(getattr(service, f.name))
            for f in dataclasses.fields(Service)
        ]

    def value(self, value: object) -> Any:
        if isinstance(value, Texts):
            return self.places.setdefault(value, len(self.places))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return [self.value(getattr(value, f.name)) for f in dataclasses.fields(value)]
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, tuple | list):
            return [self.value(v) for v in value]
        if isinstance(value, frozenset | set):
            return sorted(self.value(v) for v in value)
        if isinstance(value, dict):
            return {str(k): self.value(v) for k, v in value.items()}
        if value is None or isinstance(value, str | int | float):
            return value
        raise TypeError(f"cannot keep a {type(value).__name__} in the catalog cache")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


_PLAIN = (str, int, float, bool, type(None))
Reader = Callable[[Any], Any]


class _Readers:
    """Readers of the catalog's types for one file, made once per type (a catalog has
    thousands of values); None where JSON already gives the value (strings, numbers, None).
    A `Texts` is read as its place in the file's table of words."""

    def __init__(self, texts: list[Texts]) -> None:
        self._texts = texts
        self._made: dict[Any, Reader | None] = {}

    def read(self, tp: Any, data: Any) -> Any:
        reader = self.of(tp)
        return data if reader is None else reader(data)

    def of(self, tp: Any) -> Reader | None:
        if tp not in self._made:
            self._made[tp] = self._make(tp)
        return self._made[tp]

    def _make(self, tp: Any) -> Reader | None:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if tp is Texts:
            return self._texts.__getitem__
        if origin in (types.UnionType, typing.Union):
            options = [a for a in args if a is not type(None)]
            if all(a in _PLAIN for a in options):
                return None
            if len(options) == 1:
                inner = self.of(options[0])
                if inner is None:
                    return None
                return lambda data: None if data is None else inner(data)
            raise TypeError(f"cannot read a {tp} from the catalog cache")
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                item = self.of(args[0])
                return tuple if item is None else lambda data: tuple(map(item, data))
            items = [self.of(a) for a in args]
            return lambda data: tuple(
                v if f is None else f(v) for f, v in zip(items, data, strict=True)
            )
        if origin is frozenset:
            member = self.of(args[0])
            return frozenset if member is None else lambda data: frozenset(map(member, data))
        if origin is dict:
            value = self.of(args[1])
            return dict if value is None else lambda data: {k: value(v) for k, v in data.items()}
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self._dataclass(tp)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return tp
        if tp in _PLAIN:
            return None
        raise TypeError(f"cannot read a {tp} from the catalog cache")

    def _dataclass(self, cls: type) -> Reader:
        hints = _hints(cls)
        readers = [self.of(hints[f.name]) for f in dataclasses.fields(cls)]
        if all(r is None for r in readers):
            return lambda data: cls(*data)
        return lambda data: cls(
            *[v if read is None else read(v) for read, v in zip(readers, data, strict=True)]
        )
