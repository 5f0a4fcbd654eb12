"""Self-service flows as validated data plus a small interpreter. No Kivy, no drivers here."""

from __future__ import annotations

from flows.content import Item, Match
from flows.engine import ActionFailed, FlowRun, Guard
from flows.errors import (
    FlowDefinitionError,
    FlowError,
    FlowStateError,
    SnapshotRefused,
    UnknownEvent,
)
from flows.loader import load_builtin, load_flow
from flows.manifest import (
    Catalog,
    Service,
    builtin_files,
    load_builtin_catalog,
    load_catalog,
    parse_catalog,
    with_menu,
)
from flows.model import BundleItem, FieldKind, FieldSpec, Flow, Step, StepKind, Texts
from flows.session import Identity, RunRecord, Session
from flows.submission import Submission, SubmissionItem, build_submission, receipt_rows

__all__ = [
    "ActionFailed",
    "BundleItem",
    "Catalog",
    "FieldKind",
    "FieldSpec",
    "Flow",
    "FlowDefinitionError",
    "FlowError",
    "FlowRun",
    "FlowStateError",
    "Guard",
    "Identity",
    "Item",
    "Match",
    "RunRecord",
    "Service",
    "Session",
    "SnapshotRefused",
    "Step",
    "StepKind",
    "Submission",
    "SubmissionItem",
    "Texts",
    "UnknownEvent",
    "build_submission",
    "load_builtin",
    "builtin_files",
    "load_builtin_catalog",
    "load_catalog",
    "load_flow",
    "parse_catalog",
    "with_menu",
    "receipt_rows",
]
