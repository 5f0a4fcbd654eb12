"""A county's catalog: the manifest and its flows, accepted only whole and valid.

The controller publishes a catalog as a set of files (`manifest.yaml` plus one
`<flow id>.yaml` per flow); a kiosk takes it only if every file validates, so a mistake is
found by the county's check (`python -m flows.cli validate`) and never on a terminal::

    format: 1
    version: 7                       # raised by the county with every change
    region: "331122"                 # GB/T 2260 code of the county (缙云县)
    title: {zh-CN: 缙云县就业服务e站, en: Jinyun County employment e-station}
    texts:                           # station texts; welcome and closed are required
      welcome: {zh-CN: ..., en: ...}
      closed: {zh-CN: ..., en: ...}
    services:                        # the menu, in this order
      - flow: employment_registration
        hours: always                # or per day, see below
        needs: [id_card_reader]      # not offered on a kiosk without these devices
      - flow: my_applications
        needs_any: [id_card_reader, social_card_reader, camera]   # at least one of them
      - flow: appointment_booking
        hours:
          mon-fri: ["08:30-12:00", "14:00-17:30"]
          sat: ["09:00-12:00"]       # a day not listed is closed

Days are `mon` to `sun`, ranges of them (`mon-fri`), `daily`, `weekdays` and `weekend`;
each day may be given once. Devices a service can do without (a receipt printer) are not
listed: the flow's steps name a `fallback` instead, resolved when a run starts.

The validated catalog's classes are flows/catalog_model.py's: a kiosk whose catalog comes
from its cache (flows/catalog_cache.py) loads them without this parser and the validator.

A flow of the catalog need not be on the menu: the rating (`rating`) is only ever started
after another flow, by a completed end step's `then:`, and the catalog checks that every
`then:` and every field a flow takes from another (`use:`) finds its flow here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from flows.actions import ACTIONS, DEVICES, GUARDS
from flows.catalog_model import ALWAYS, Catalog, OpeningHours, Service, builtin_files
from flows.errors import FlowDefinitionError
from flows.loader import FlowFiles
from flows.model import Flow
from flows.reader import NAME, Reader
from flows.regions import is_region_code

MANIFEST = "manifest.yaml"
MANIFEST_FORMAT = 1
MAX_CATALOG_FILES = 100
REQUIRED_TEXTS = ("welcome", "closed")

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS = {"daily": range(7), "weekdays": range(5), "weekend": range(5, 7)}
_SPAN = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])-([01]?[0-9]|2[0-4]):([0-5][0-9])")


def parse_catalog(
    files: Mapping[str, bytes],
    *,
    actions: Collection[str] = ACTIONS,
    guards: Collection[str] = GUARDS,
    today: dt.date | None = None,
) -> Catalog:
    """Validate a whole catalog given as file name -> content (a directory or a download)."""
    if MANIFEST not in files:
        raise FlowDefinitionError(MANIFEST, "", "the catalog has no manifest")
    if len(files) > MAX_CATALOG_FILES:
        raise FlowDefinitionError(MANIFEST, "", f"more than {MAX_CATALOG_FILES} files")
    flows: dict[str, Flow] = {}
    for name in sorted(files):
        if name == MANIFEST:
            continue
        if not (name.endswith(".yaml") and NAME.fullmatch(name.removesuffix(".yaml"))):
            raise FlowDefinitionError(name, "", "a flow file is named <flow id>.yaml")
    library = FlowFiles(lambda flow_id: files.get(f"{flow_id}.yaml"), actions, guards)
    for name in sorted(files):
        flow = library(name.removesuffix(".yaml")) if name != MANIFEST else None
        if flow is not None:
            flows[flow.id] = flow
    from flows.yamlsafe import read_yaml_file  # PyYAML: only when YAML is parsed

    data = read_yaml_file(files[MANIFEST], MANIFEST)
    return _parse_manifest(Reader(MANIFEST), data, flows, today or dt.date.today())


def _parse_manifest(r: Reader, data: object, flows: Mapping[str, Flow], today: dt.date) -> Catalog:
    top = r.mapping(data, "", {"format", "version", "region", "title", "texts", "services"})
    r.required(top, "", ("format", "version", "region", "title", "texts", "services"))
    if top["format"] != MANIFEST_FORMAT:
        raise r.fail("format", f"this kiosk reads manifest format {MANIFEST_FORMAT}")
    region = str(top["region"]) if isinstance(top["region"], int | str) else ""
    if not is_region_code(region, year=today.year):
        raise r.fail("region", f"{region or top['region']!r} is not a GB/T 2260 region code")
    texts_node = r.mapping(top["texts"], "texts", _names_in(top["texts"]))
    texts = {
        r.name(k, f"texts.{k}", "text name"): r.texts(v, f"texts.{k}")
        for k, v in texts_node.items()
    }
    for key in REQUIRED_TEXTS:
        if key not in texts:
            raise r.fail("texts", f"missing text {key}")
    entries = r.sequence(top["services"], "services")
    if not entries:
        raise r.fail("services", "a catalog offers at least one service")
    services: list[Service] = []
    for i, entry in enumerate(entries):
        path = f"services[{i}]"
        m = r.mapping(entry, path, {"flow", "hours", "needs", "needs_any"})
        r.required(m, path, ("flow",))
        flow_id = r.name(m["flow"], f"{path}.flow", "flow id")
        if flow_id not in flows:
            raise r.fail(f"{path}.flow", f"no file {flow_id}.yaml in the catalog")
        if any(s.flow.id == flow_id for s in services):
            raise r.fail(f"{path}.flow", f"{flow_id} is listed twice")
        if any(s.then == flow_id for f in flows.values() for s in f.steps.values()):
            raise r.fail(f"{path}.flow", f"{flow_id} follows other flows (then:); not a menu entry")
        services.append(
            Service(
                flow=flows[flow_id],
                hours=_parse_hours(r, m.get("hours", "always"), f"{path}.hours"),
                needs=r.names(m.get("needs", []), f"{path}.needs", DEVICES, "device"),
                needs_any=r.names(m.get("needs_any", []), f"{path}.needs_any", DEVICES, "device"),
            )
        )
    return Catalog(
        version=r.integer(top["version"], "version", 1, 10**9),
        region=region,
        title=r.texts(top["title"], "title"),
        texts=texts,
        services=tuple(services),
        flows=dict(flows),
        source=r.source,
    )


def _names_in(node: object) -> Collection[Any]:
    return node if isinstance(node, Mapping) else ()


def _parse_hours(r: Reader, node: object, path: str) -> OpeningHours:
    if node == "always":
        return ALWAYS
    m = r.mapping(node, path, _names_in(node))
    days: list[list[tuple[int, int]] | None] = [None] * 7
    for key, spans_node in m.items():
        kpath = f"{path}.{key}"
        spans = [
            _parse_span(r, s, f"{kpath}[{i}]") for i, s in enumerate(r.sequence(spans_node, kpath))
        ]
        for day in _days_of(r, key, kpath):
            if days[day] is not None:
                raise r.fail(kpath, f"{_DAYS[day]} is given twice")
            days[day] = sorted(spans)
    for day, given in enumerate(days):
        for (_, end), (start, _) in zip(given or [], (given or [])[1:], strict=False):
            if start < end:
                raise r.fail(path, f"opening times of {_DAYS[day]} overlap")
    return OpeningHours(tuple(tuple(given or ()) for given in days))


def _days_of(r: Reader, key: object, path: str) -> range | list[int]:
    if key in _DAY_GROUPS:
        return _DAY_GROUPS[str(key)]
    if key in _DAYS:
        return [_DAYS.index(str(key))]
    parts = str(key).split("-")
    if len(parts) == 2 and all(p in _DAYS for p in parts):
        first, last = (_DAYS.index(p) for p in parts)
        if first < last:
            return range(first, last + 1)
    raise r.fail(path, "a day is mon..sun, a range like mon-fri, daily, weekdays or weekend")


def _parse_span(r: Reader, node: object, path: str) -> tuple[int, int]:
    match = _SPAN.fullmatch(node) if isinstance(node, str) else None
    if match is None:
        raise r.fail(path, 'expected opening times like "08:30-17:30"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if not start < end <= 24 * 60:
        raise r.fail(path, "an opening span ends after it starts, at 24:00 at the latest")
    return start, end


def load_catalog(directory: Path, **options: Any) -> Catalog:
    """Read and validate the catalog in `directory` (manifest.yaml and its flow files)."""
    from flows.yamlsafe import MAX_FILE_BYTES

    files: dict[str, bytes] = {}
    for path in sorted(directory.glob("*.yaml")):
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FlowDefinitionError(
                path.name, "", f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"
            )
        files[path.name] = path.read_bytes()
        if len(files) > MAX_CATALOG_FILES:
            raise FlowDefinitionError(MANIFEST, "", f"more than {MAX_CATALOG_FILES} files")
    return parse_catalog(files, **options)


def load_builtin_catalog(**options: Any) -> Catalog:
    """The demo catalog shipped in flows/catalog/."""
    return parse_catalog(builtin_files(), **options)


def with_menu(files: Mapping[str, bytes], menu: Sequence[tuple[str, object]]) -> dict[str, bytes]:
    """The catalog's files with its menu replaced: only the flows of `menu` are offered.

    `menu` is (flow id, hours) pairs; hours as the manifest writes them ("always" or day ->
    spans), None to keep the manifest's. Listed flows keep the manifest's order and devices;
    a flow the manifest does not list comes after them. Nothing is checked here: the result
    is meant for `parse_catalog`, which judges it whole (an unknown flow, bad hours).
    """
    if MANIFEST not in files:
        return dict(files)
    from flows.yamlsafe import read_yaml_file

    data = read_yaml_file(files[MANIFEST], MANIFEST)
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        return dict(files)
    wanted = dict(menu)
    entries: list[object] = []
    for entry in data["services"]:
        flow = entry.get("flow") if isinstance(entry, dict) else None
        if flow in wanted:
            hours = wanted.pop(flow)
            entries.append({**entry, **({"hours": hours} if hours is not None else {})})
    for flow, hours in menu:
        if flow in wanted:
            entries.append({"flow": flow, **({"hours": hours} if hours is not None else {})})
    # JSON is YAML the strict reader takes, and leaves no doubt about a scalar's type.
    manifest = json.dumps({**data, "services": entries}, ensure_ascii=False)
    return {**files, MANIFEST: manifest.encode()}
