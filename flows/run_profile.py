"""What a run tells the matching (flows/matching.py) about its citizen: the profile from the
identity and the coded answers given so far, and the words for a reason. Built when a list
is ranked and kept nowhere."""

from __future__ import annotations

import datetime as dt

from flows.fields import codes
from flows.matching import Labels, Profile, profile_from
from flows.model import FieldKind, Flow, Texts, asked_fields
from flows.session import Session

# Answers the matching can compare with an item's criteria: a code, or codes.
_CODED = frozenset({FieldKind.CHOICE, FieldKind.MULTI_CHOICE, FieldKind.CHECKBOX})


def reason_labels(flow: Flow) -> Labels:
    """Words for a matching reason: the chosen values' labels, else the field's label."""
    asked = asked_fields(flow)

    def describe(name: str, values: frozenset[str]) -> Texts | None:
        spec = asked.get(name)
        if spec is None:
            return None
        chosen = [c.label for c in spec.choices if c.value in values]
        if not chosen:
            return spec.label
        return Texts("、".join(t.zh for t in chosen), ", ".join(t.en for t in chosen))

    return describe


def citizen_profile(flow: Flow, session: Session, today: dt.date) -> Profile:
    """The profile of the session's citizen: its identity and its coded answers."""
    answers: dict[str, frozenset[str]] = {}
    asked = asked_fields(flow)
    for name, value in session.values.items():
        spec = asked.get(name)
        if isinstance(value, str) and spec is not None and spec.kind in _CODED:
            answers[name] = codes(spec, value)
    ident = session.identity
    return profile_from(
        ident.id_number if ident else None,
        ident.document if ident else None,
        answers,
        today,
    )
