"""Telling the identity chooser apart from other notice steps. No Kivy here.

The shared identity step of a flow (`kind: identity`, flows/identity.py) becomes a notice
whose buttons are identity methods, each leading to the step that identifies by that
method (`Step.identity_method`). That notice gets its own screen of big tiles; the
`.failed` notices after a card read stay ordinary notices (their `retry` is no method).
"""

from __future__ import annotations

from flows import Flow, Step
from flows.progress import identity_methods

__all__ = ["identity_methods", "is_identity_chooser"]


def is_identity_chooser(flow: Flow, step: Step) -> bool:
    """True for the notice that offers the identity methods."""
    return bool(identity_methods(flow, step))
