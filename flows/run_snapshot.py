"""What `FlowRun.snapshot()` saves to resume a run after a restart (nothing personal, no free
text, no fetched content), and its shape and values checked again before `FlowRun.restore`
resumes a run from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flows.errors import SnapshotRefused
from flows.fields import FieldError, clean_value
from flows.model import FieldKind, Flow, Step
from flows.session import Session

SNAPSHOT_FORMAT = 2  # 2: the run record replaced the `public` strings
_KEYS = frozenset({"format", "flow", "version", "step", "values", "record"})


def checked_snapshot(snapshot: object) -> dict[str, Any]:
    """`snapshot` as a dict, or SnapshotRefused when it is not one `snapshot()` made."""
    if not isinstance(snapshot, Mapping) or set(snapshot) != _KEYS:
        raise SnapshotRefused("not a snapshot made by FlowRun.snapshot()")
    if snapshot["format"] != SNAPSHOT_FORMAT:
        raise SnapshotRefused("a snapshot of another format")
    for part in ("values", "record"):
        content = snapshot[part]
        if not isinstance(content, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in content.items()
        ):
            raise SnapshotRefused(f"the snapshot's {part} are not text")
    return dict(snapshot)


def saved_values(
    flow: Flow, values: Mapping[str, str], lang: str, today: dt.date
) -> dict[str, str]:
    """A snapshot's form values checked again as if typed now; SnapshotRefused for one this
    flow would not take (personal, free text, unknown, or no longer accepted)."""
    checked: dict[str, str] = {}
    for name, value in values.items():
        spec = flow.find_field(name)
        free = spec is not None and spec.kind is FieldKind.TEXT and bool(value)
        if spec is None or spec.personal or free or not isinstance(value, str):
            raise SnapshotRefused(f"the snapshot holds an unexpected value {name!r}")
        try:
            checked[name] = clean_value(spec, value, lang=lang, today=today)
        except FieldError as err:
            raise SnapshotRefused(f"value {name!r} is no longer accepted") from err
    return checked


def snapshot_of(flow: Flow, step: Step, session: Session, *, done: bool) -> dict[str, Any]:
    """What `FlowRun.snapshot()` saves (see there), or SnapshotRefused saying why not."""
    if done or not step.resumable:
        raise SnapshotRefused(f"step {step.name!r} is not resumable")
    if session.holds_personal_data:
        raise SnapshotRefused("the session holds personal data; it is never saved")
    if session.content or session.selected:
        raise SnapshotRefused("fetched content is not saved; it is fetched again")
    if any(_is_free_text(flow, k) for k, v in session.values.items() if v):
        # A citizen may type anything into free text, their name or ID number included,
        # and nothing can tell; so a session holding some is never written to disk.
        raise SnapshotRefused("the session holds free text; it is never saved")
    return {
        "format": SNAPSHOT_FORMAT,
        "flow": flow.id,
        "version": flow.version,
        "step": step.name,
        "values": {k: v for k, v in session.values.items() if isinstance(v, str)},
        "record": session.record.snapshot(),
    }


def _is_free_text(flow: Flow, name: str) -> bool:
    spec = flow.find_field(name)
    return spec is not None and spec.kind is FieldKind.TEXT
