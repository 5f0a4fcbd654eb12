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

This module reads files and assembles a flow; the checks live by what they read: a step's
keys and routes in flows/step_schema.py, a field's in flows/field_schema.py, a bundle's
items in flows/bundle_schema.py, and what holds across the whole flow (the step graph,
conditions, content, buttons, follow-ons) in flows/flow_checks.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from importlib import resources
from pathlib import Path

from flows.actions import ACTIONS, GUARDS
from flows.bundle_schema import parse_items
from flows.errors import FlowDefinitionError
from flows.field_schema import Library
from flows.flow_checks import (
    check_buttons,
    check_content,
    check_expired_documents,
    check_fields,
    check_follow_on,
    check_graph,
)
from flows.model import Flow, Step
from flows.reader import Reader
from flows.step_schema import parse_identity, parse_step

__all__ = [
    "FlowDefinitionError",
    "FlowFiles",
    "Library",
    "load_builtin",
    "load_flow",
    "parse_flow",
]


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
            steps.update(parse_identity(r, name, node, path))
        else:
            steps[name] = parse_step(r, name, node, path, actions, guards, library)
    flow = Flow(
        id=r.name(top["id"], "id", "flow id"),
        version=r.integer(top["version"], "version", 1, 1_000_000),
        title=r.texts(top["title"], "title"),
        start=r.text(top["start"], "start"),
        steps=steps,
        source=source,
    )
    check_fields(r, flow)
    check_graph(r, flow)
    check_content(r, flow)
    check_buttons(r, flow)
    check_expired_documents(r, flow)
    if "items" in top:
        flow = dataclasses.replace(flow, items=parse_items(r, top["items"], flow, library))
    if library is not None:
        check_follow_on(r, flow, library)
    return flow


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
            flow = parse_flow(_yaml(data, name), name, self._actions, self._guards, self)
        finally:
            self._parsing.pop()
        if flow.id != flow_id:
            raise FlowDefinitionError(name, "id", f"the file name says the id is {flow_id!r}")
        self._parsed[flow_id] = flow
        return flow


def _yaml(data: bytes, name: str) -> object:
    # Imported here: a kiosk whose catalog comes from its cache (flows/catalog_cache.py)
    # parses no YAML, and PyYAML was a tenth of its cold start's imports.
    from flows.yamlsafe import read_yaml_file

    return read_yaml_file(data, name)


def _read_limited(path: Path) -> bytes:
    from flows.yamlsafe import MAX_FILE_BYTES

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
    return parse_flow(_yaml(data, path.name), path.name, actions, guards, library)


def load_builtin(flow_id: str) -> Flow:
    """Load a flow shipped in flows/catalog/."""
    ref = resources.files("flows.catalog").joinpath(f"{flow_id}.yaml")
    with resources.as_file(ref) as path:
        return load_flow(path)
