"""Self-service flows as validated data plus a small interpreter. No Kivy, no drivers here.

Each name below is imported from its module when first asked for (PEP 562 `__getattr__`):
`from flows import Catalog` loads the catalog's modules, not the engine and the actions'
vocabulary behind it, which a kiosk's menu does not need (docs/touchscreen.md, cold start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pii.lazy import lazy_exports

if TYPE_CHECKING:
    from flows.catalog_model import Catalog, Service, builtin_files
    from flows.content import Item, Match
    from flows.engine import FlowRun, Guard
    from flows.errors import (
        ActionFailed,
        FlowDefinitionError,
        FlowError,
        FlowStateError,
        SnapshotRefused,
        UnknownEvent,
    )
    from flows.loader import load_builtin, load_flow
    from flows.manifest import (
        load_builtin_catalog,
        load_catalog,
        parse_catalog,
        with_menu,
    )
    from flows.model import BundleItem, FieldKind, FieldSpec, Flow, Step, StepKind, Texts
    from flows.session import Identity, RunRecord, Session
    from flows.submission import Submission, SubmissionItem, build_submission, receipt_rows

# Where each public name lives.
_HOME = {
    "Item": "flows.content",
    "Match": "flows.content",
    "ActionFailed": "flows.errors",
    "FlowRun": "flows.engine",
    "Guard": "flows.engine",
    "FlowDefinitionError": "flows.errors",
    "FlowError": "flows.errors",
    "FlowStateError": "flows.errors",
    "SnapshotRefused": "flows.errors",
    "UnknownEvent": "flows.errors",
    "load_builtin": "flows.loader",
    "load_flow": "flows.loader",
    "Catalog": "flows.catalog_model",
    "Service": "flows.catalog_model",
    "builtin_files": "flows.catalog_model",
    "load_builtin_catalog": "flows.manifest",
    "load_catalog": "flows.manifest",
    "parse_catalog": "flows.manifest",
    "with_menu": "flows.manifest",
    "BundleItem": "flows.model",
    "FieldKind": "flows.model",
    "FieldSpec": "flows.model",
    "Flow": "flows.model",
    "Step": "flows.model",
    "StepKind": "flows.model",
    "Texts": "flows.model",
    "Identity": "flows.session",
    "RunRecord": "flows.session",
    "Session": "flows.session",
    "Submission": "flows.submission",
    "SubmissionItem": "flows.submission",
    "build_submission": "flows.submission",
    "receipt_rows": "flows.submission",
}

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

__getattr__ = lazy_exports(__name__, _HOME)
