"""The identity step every flow shares: `kind: identity` becomes ordinary steps.

One step in a flow file offers the methods a county chose, in order::

    identify:
      kind: identity
      methods: [id_card, social_card, e_social_card, typed]
      timeout: 60
      on: {ok: details, cancel: cancelled, timeout: expired}

and the loader replaces it with steps any kiosk screen already shows:

- `identify`: a notice with one button per method (only when more than one is offered);
- `identify.id_card` / `.social_card` / `.e_social_card`: action steps naming the reading
  action, each with a `.failed` notice (retry, another way, cancel);
- `identify.typed`: a form with the ID number and the name, checked for checksum, birth
  date and region. It is the last resort: it must be the last method listed.

With one method, `identify` is that method's step itself. Every generated step records the
method (`Step.identity_method`); the engine writes it into `Identity.method` on success.

A card past its validity period (`Identity.expired`) is not a stranger: it is the citizen's
own, read from its chip. What it may still do is the flow's to say, with
`expired_document`: `refuse` (the default: anything filed in the citizen's name needs a
valid document) routes to `.expired`, a notice that says so and offers another card or
cancel; `accept` (looking things up) routes to the same notice, which says so and goes on.
"""

from __future__ import annotations

from flows.actions import ACTION_DEVICES, IDENTITY_METHODS
from flows.model import FieldKind, FieldSpec, Step, StepKind, Texts
from flows.texts import EXPIRED_DOCUMENT, IDENTITY_CHOOSER, IDENTITY_FIELDS, IDENTITY_STEPS

TYPED = "typed"
ACCEPT = "accept"
REFUSE = "refuse"
EXPIRED_POLICIES = (ACCEPT, REFUSE)
# The event the engine turns a card method's "ok" into when the card has expired.
EXPIRED_EVENT = "expired_document"


def method_step_name(identity_step: str, method: str, methods: tuple[str, ...]) -> str:
    """The name of the step that identifies by `method`."""
    return identity_step if len(methods) == 1 else f"{identity_step}.{method}"


def expand_identity(
    name: str,
    methods: tuple[str, ...],
    *,
    on: dict[str, str],
    timeout: float,
    typed_timeout: float,
    title: Texts | None = None,
    prompt: Texts | None = None,
    expired_document: str = REFUSE,
) -> dict[str, Step]:
    """The steps that stand for one identity step; `on` holds ok, cancel and maybe timeout."""
    chooser = name if len(methods) > 1 else None
    common: dict[str, str] = {e: on[e] for e in ("cancel", "timeout") if e in on}
    back: dict[str, str] = {"other_method": chooser} if chooser else {}
    steps: dict[str, Step] = {}
    if chooser:
        chooser_title, chooser_prompt = IDENTITY_CHOOSER
        steps[chooser] = Step(
            name=chooser,
            kind=StepKind.NOTICE,
            title=title or chooser_title,
            prompt=prompt or chooser_prompt,
            on={**{m: method_step_name(name, m, methods) for m in methods}, **common},
            timeout=timeout,
        )
    for method in methods:
        step_name = method_step_name(name, method, methods)
        step_title, step_prompt, failed_title = IDENTITY_STEPS[method]
        if chooser is None:
            step_title, step_prompt = title or step_title, prompt or step_prompt
        action = IDENTITY_METHODS[method]
        if action is None:
            steps[step_name] = Step(
                name=step_name,
                kind=StepKind.FORM,
                title=step_title,
                prompt=step_prompt,
                fields=(
                    FieldSpec(
                        "id_number",
                        FieldKind.ID_NUMBER,
                        IDENTITY_FIELDS["id_number"],
                        personal=True,
                        max_length=24,
                    ),
                    FieldSpec(
                        "name",
                        FieldKind.NAME,
                        IDENTITY_FIELDS["name"],
                        personal=True,
                        max_length=30,
                    ),
                ),
                on={"submit": on["ok"], **back, **common},
                timeout=typed_timeout,
                identity_method=method,
            )
            continue
        failed = f"{step_name}.failed"
        expired = f"{step_name}.expired"
        steps[step_name] = Step(
            name=step_name,
            kind=StepKind.ACTION,
            title=step_title,
            prompt=step_prompt,
            action=action,
            # No "another way" button while a device is reading: a card put down meanwhile
            # would be read by the abandoned attempt. The failure notice offers it instead.
            on={"ok": on["ok"], "error": failed, EXPIRED_EVENT: expired, **common},
            timeout=timeout,
            needs=frozenset({ACTION_DEVICES[action]}),
            identity_method=method,
        )
        steps[failed] = Step(
            name=failed,
            kind=StepKind.NOTICE,
            title=failed_title,
            on={"retry": step_name, **back, **common},
            timeout=timeout,
        )
        refused_title, refused_prompt, accepted_prompt = EXPIRED_DOCUMENT
        if expired_document == ACCEPT:
            steps[expired] = Step(
                name=expired,
                kind=StepKind.NOTICE,
                title=refused_title,
                prompt=accepted_prompt,
                on={"next": on["ok"], **common},
                timeout=timeout,
            )
        else:
            # Only another card: typing the same expired card's number is no way round it.
            steps[expired] = Step(
                name=expired,
                kind=StepKind.NOTICE,
                title=refused_title,
                prompt=refused_prompt,
                on={"retry": step_name, **common},
                timeout=timeout,
            )
    return steps
