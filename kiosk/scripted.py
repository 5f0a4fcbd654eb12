"""Walking one citizen through a flow without a screen: the demo's --script mode and e2e tests.

It drives the same FlowRun, the same bound actions, the same simulated devices and the same
controller as the touchscreen does; only the taps come from a script instead of a finger.
A script is a list of inputs in the format of the flow authors' walk scripts
(tests/flows/walks): `{"press": event}`, `{"form": {field: value}}`, `{"select": item id}`
or `{"select": "first"}` (the first item that can be chosen). Action steps run on their own;
a card read taps the first simulated card of its reader.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flows import FlowRun, RunRecord, StepKind
from kiosk.ports import KioskPort

log = logging.getLogger(__name__)

Input = Mapping[str, Any]

# A fictitious citizen's answers for the employment registration form.
REGISTRATION_ANSWERS: dict[str, str] = {
    "phone": "13800138000",
    "employment_type": "employed",
    "employer_name": "示例县便民服务有限公司",
    "start_date": "",  # filled with today by registration_script()
}


def registration_script(today: dt.date, stars: str | None = "5") -> list[Input]:
    """就业登记 by ID card, then (unless `stars` is None) the rating it leads on to."""
    answers = dict(REGISTRATION_ANSWERS, start_date=today.isoformat())
    rating: list[Input] = [] if stars is None else [{"form": {"stars": stars}}]
    return [{"form": answers}, {"press": "confirm"}, *rating]


class ScriptError(RuntimeError):
    """The scripted walk could not go on; the message says at which step and why."""


@dataclass(frozen=True)
class ScriptResult:
    """How the walk ended: the flow's own run, and the follow-on (rating) if it was walked."""

    outcome: str
    transaction_number: str | None
    steps: tuple[str, ...]
    record: RunRecord  # what the run kept that is not personal (receipt files)
    follow_on: tuple[str, ...] = field(default=())  # steps of the follow-on run


def walk(
    port: KioskPort,
    flow_id: str,
    script: Sequence[Input],
    *,
    lang: str = "zh-CN",
    max_steps: int = 80,
) -> ScriptResult:
    """Run `flow_id` to its end with `script`; walk on into its follow-on while input is left."""
    inputs = list(script)
    run = port.new_run(flow_id, lang)
    first: FlowRun | None = None
    try:
        for _ in range(max_steps):
            if run.done:
                if first is None:
                    first = run
                follow = run.follow_on()
                starter = getattr(port, "new_follow_on_run", None)
                if follow is None or not inputs or starter is None or run is not first:
                    break
                port.end_run(run)
                run = starter(follow[0], lang, follow[1])
                continue
            _step(port, run, inputs)
        else:
            raise ScriptError(f"no end after {max_steps} steps")
    finally:
        _remove_cards(port)
        port.end_run(run)
        if first is not None and first is not run:
            port.end_run(first)
    main = first or run
    return ScriptResult(
        outcome=main.outcome or "",
        transaction_number=main.session.record.transaction_number,
        steps=tuple(main.history),
        record=main.session.record,
        follow_on=tuple(run.history) if run is not main else (),
    )


def _step(port: KioskPort, run: FlowRun, inputs: list[Input]) -> None:
    step = run.step
    log.info("script step=%s kind=%s", step.name, step.kind)
    if step.kind is StepKind.ACTION:
        _tap_card(port, step.action)
        run.run_action()
        return
    if not inputs:
        why = f": {run.error_message}" if run.error_message else ""
        raise ScriptError(f"the script ended at step {step.name!r}{why}")
    kind, value = next(iter(inputs.pop(0).items()))
    if kind == "press":
        run.fire(str(value))
    elif kind == "form":
        errors = run.submit_form({str(k): str(v) for k, v in dict(value).items()})
        if errors:
            raise ScriptError(f"form {step.name!r} refused the answers: {errors}")
    elif kind == "select":
        if value == "first":
            free = [i for i in run.items() if i.available]
            if not free:
                raise ScriptError(f"list {step.name!r} has nothing to choose")
            value = free[0].id
        run.select(str(value))
    else:
        raise ScriptError(f"unknown input {kind!r}")


def _tap_card(port: KioskPort, action: str | None) -> None:
    tapper = {
        "read_id_card": port.card_tapper,
        "read_social_card": getattr(port, "social_card_tapper", None),
    }.get(action or "")
    if tapper is not None:
        tapper.present(tapper.card_names()[0])


def _remove_cards(port: KioskPort) -> None:
    for tapper in (port.card_tapper, getattr(port, "social_card_tapper", None)):
        if tapper is not None:
            tapper.remove()
