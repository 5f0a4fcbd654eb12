"""What one transaction sends, built from a flow and a session: the contract of `submit`.

The kiosk's `submit` action calls `build_submission(flow, session)` and puts the result on
the wire. A single service sends its answers. A bundle (一件事) sends the same answers once,
plus one entry per service it holds whose condition is met (`items`), each with the answers
the bundle routes to it and the values it fixes; the controller files them as several items
under ONE transaction number, and the citizen gets one receipt::

    Submission(service="bundle_flexible_employment", identity_method="id_card",
               fields={"employer_name": "美团外卖骑手", "start_date": "2026-11-01", ...},
               items=(SubmissionItem("employment_registration", ...,
                                     {"employer_name": ..., "employment_type": "flexible"}),
                      SubmissionItem("flexible_insurance_enrolment", ..., {...})),
               selected={})

`selected` holds the id of the item chosen in each list (the training class, the job fair,
the appointment slot) and `holds` the place hold_place took for it: the controller needs
both to book what was chosen (wire v1 `TransactionIn.selected` and `.holds`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flows.fields import display_value, matches, paper_label
from flows.model import BundleItem, FieldKind, FieldSpec, Flow, Texts
from flows.session import Session
from flows.texts import BUNDLE_ROW, DECLARED_ROW, DECLARED_VALUE
from pii import mask_id_number

# Answers not worth a receipt line unless the flow says so (FieldSpec.receipt): ticked
# declarations (long sentences) and free text.
_NOT_ON_RECEIPTS = {FieldKind.CHECKBOX, FieldKind.TEXT}


def on_receipt(spec: FieldSpec) -> bool:
    """Whether a non-personal answer gets a receipt line: as the flow says, else by kind."""
    return spec.receipt if spec.receipt is not None else spec.kind not in _NOT_ON_RECEIPTS


@dataclass(frozen=True)
class SubmissionItem:
    """One service of a bundle with the answers that go to it."""

    service: str
    title: Texts
    fields: dict[str, str]

    def __repr__(self) -> str:
        return f"SubmissionItem({self.service!r}, <{len(self.fields)} fields>)"


@dataclass(frozen=True)
class Submission:
    """One transaction, in clear: the kiosk seals it at rest and never logs it."""

    service: str  # the flow's id
    identity_method: str | None
    fields: dict[str, str]  # every answer, personal ones included
    items: tuple[SubmissionItem, ...] = ()  # a bundle's services; () for a single service
    selected: dict[str, str] | None = None  # content source -> id of the item chosen
    holds: dict[str, str] | None = None  # bookable source -> the hold id hold_place got

    def flat_fields(self) -> dict[str, str]:
        """The answers plus each choice as `selected.<source>`: for a wire without `selected`."""
        chosen = {f"selected.{source}": ident for source, ident in (self.selected or {}).items()}
        return {**self.fields, **chosen}

    def __repr__(self) -> str:
        services = [item.service for item in self.items]
        return f"Submission({self.service!r}, <{len(self.fields)} fields>, items={services})"


def active_items(flow: Flow, values: Mapping[str, str]) -> tuple[BundleItem, ...]:
    """The bundle items whose condition holds for these (non-personal) answers."""
    found = []
    for item in flow.items:
        cond = item.when
        if cond is not None and cond.field is not None:
            value = values.get(cond.field)
            held = value is not None and matches(flow.find_field(cond.field), value, cond.values)
            if held == cond.negate:
                continue
        found.append(item)
    return tuple(found)


def build_submission(flow: Flow, session: Session) -> Submission:
    """The transaction `submit` sends for this session of this flow."""
    answers = {name: session.value(name) for name in session.values}
    plain = {k: v for k, v in session.values.items() if isinstance(v, str)}
    items = tuple(
        SubmissionItem(
            service=item.service,
            title=item.title,
            fields={
                **{name: answers[name] for name in item.fields if name in answers},
                **item.fixed,
            },
        )
        for item in active_items(flow, plain)
    )
    ident = session.identity
    holds = {
        source: session.record.holds[source]
        for source in session.selected
        if source in session.record.holds
    }
    return Submission(
        service=flow.id,
        identity_method=ident.method if ident else None,
        fields=answers,
        items=items,
        selected=dict(session.selected),
        holds=holds,
    )


def receipt_rows(flow: Flow, session: Session, lang: str = "zh-CN") -> list[tuple[str, str]]:
    """Non-personal lines for a receipt or slip: coded answers, dates, the item chosen, and
    the services of a bundle. Personal values (phone, bank account) are left to the kiosk,
    which prints them masked."""
    rows: list[tuple[str, str]] = []
    zh = lang != "en"
    plain = {k: v for k, v in session.values.items() if isinstance(v, str)}
    if flow.items:
        for i, item in enumerate(active_items(flow, plain), 1):
            rows.append((("事项" if zh else "Service") + str(i), item.title.get(lang)))
    chosen = session.current_item()
    if chosen is not None:
        rows.append(("所选" if zh else "Chosen", chosen.title.get(lang)))
    for step in flow.steps.values():
        if step.identity_method is not None:
            continue
        for spec in step.fields:
            value = plain.get(spec.name)
            if value and not spec.personal and on_receipt(spec):
                rows.append((paper_label(spec, lang), display_value(spec, value, lang)))
        pledged = [spec for spec in step.declarations if plain.get(spec.name) == "yes"]
        if pledged:  # one line for all: what was pledged is in the record, by name
            shown = DECLARED_VALUE.get(lang).format(n=len(pledged))
            rows.append((DECLARED_ROW.get(lang), shown))
    return rows


def confirm_rows(
    flow: Flow, session: Session, lang: str, chosen: tuple[str, str] | None = None
) -> list[tuple[str, str]]:
    """(label, shown value) rows for a confirm screen: who (the ID number masked), the
    services of a bundle, the item `chosen` (its label and title), every answer given."""
    rows: list[tuple[str, str]] = []
    ident = session.identity
    zh = lang != "en"
    if ident is not None:
        rows.append(("姓名" if zh else "Name", ident.name.reveal()))
        rows.append(("身份证号" if zh else "ID number", ident.id_number.masked()))
    if flow.items:
        plain = {k: v for k, v in session.values.items() if isinstance(v, str)}
        titles = [item.title.get(lang) for item in active_items(flow, plain)]
        rows.append((BUNDLE_ROW.get(lang), ("、" if zh else ", ").join(titles)))
    if chosen is not None:
        rows.append(chosen)
    for step in flow.steps.values():
        if step.identity_method is not None:
            continue
        for spec in step.fields:
            if spec.name in session.values:
                raw = session.value(spec.name)
                shown = (
                    mask_id_number(raw)
                    if spec.kind is FieldKind.ID_NUMBER
                    else display_value(spec, raw, lang)
                )
                rows.append((spec.label.get(lang), shown))
    return rows
