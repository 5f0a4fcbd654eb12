"""Self-service flows as validated data plus a small interpreter. No Kivy, no drivers here."""

from __future__ import annotations

from flows.engine import ActionFailed, FlowRun, Identity, Session
from flows.loader import FlowDefinitionError, load_builtin, load_flow
from flows.model import FieldKind, FieldSpec, Flow, Step, StepKind, Texts

__all__ = [
    "ActionFailed",
    "FieldKind",
    "FieldSpec",
    "Flow",
    "FlowDefinitionError",
    "FlowRun",
    "Identity",
    "Session",
    "Step",
    "StepKind",
    "Texts",
    "load_builtin",
    "load_flow",
]
