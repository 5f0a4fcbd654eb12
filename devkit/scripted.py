"""Walking one citizen through a flow without a screen: the demo's --script mode and e2e tests.

It drives the same FlowRun, the same bound actions, the same simulated devices and the same
controller as the touchscreen does; only the taps come from a script instead of a finger.
The script format and the walking are flows/walker.py's, shared with the authors' `walk`:
`{"press": event}`, `{"form": {field: value}}`, `{"select": item id}` or `{"select":
"first"}`. Action steps run on their own; a card read taps the first simulated card of its
reader (the kiosk's DemoPort). A real device cannot be told to fail, so `{"action": "error"}`
is refused here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from devkit.tappers import DemoRig
from flows import FlowRun, RunRecord
from flows.walker import Script, WalkError, parse_script, walk_on
from kiosk.composition import Kiosk
from kiosk.ports import DemoPort, KioskPort

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


ScriptError = WalkError  # the scripted walk could not go on; the message says where and why


@dataclass(frozen=True)
class ScriptResult:
    """How the walk ended: the flow's own run, and the follow-on (rating) if it was walked."""

    outcome: str
    transaction_number: str | None
    steps: tuple[str, ...]
    record: RunRecord  # what the run kept that is not personal (receipt files)
    follow_on: tuple[str, ...] = field(default=())  # steps of the follow-on run


class _DemoHands:
    """A kiosk's actions run as bound; a card step gets the first card of its simulated tray."""

    def __init__(self, demo: DemoPort | None) -> None:
        self._tappers = dict(demo.tappers()) if demo is not None else {}

    def run_action(self, run: FlowRun, outcome: str) -> None:
        if outcome != "ok":
            raise WalkError(f"a kiosk's devices cannot be told to end as {outcome!r}")
        tapper = self._tappers.get(run.step.action or "")
        if tapper is not None:
            tapper.present(tapper.card_names()[0])
        log.info("script step=%s action=%s", run.step.name, run.step.action)
        run.run_action()

    def wait(self, run: FlowRun, seconds: float) -> None:
        raise WalkError("a kiosk's clock is real: a script cannot wait on it")

    def remove_cards(self) -> None:
        for tapper in self._tappers.values():
            tapper.remove()


def walk(
    port: KioskPort,
    flow_id: str,
    script: Sequence[Input],
    *,
    demo: DemoPort | None = None,
    lang: str = "zh-CN",
    max_steps: int = 80,
) -> ScriptResult:
    """Run `flow_id` to its end with `script`; walk on into its follow-on while input is left.

    `demo`: the simulated card trays (devkit.tappers.DemoRig) the card steps are tapped on.
    """
    hands = _DemoHands(demo)
    runs = [port.new_run(flow_id, lang)]

    def start(then: str, record: RunRecord) -> FlowRun:
        port.end_run(runs[0])
        runs.append(port.new_follow_on_run(then, lang, record))
        return runs[-1]

    try:
        walk_on(runs[0], Script(parse_script(script)), hands, start, max_inputs=max_steps)
    finally:
        hands.remove_cards()
        for run in runs:
            port.end_run(run)
    main = runs[0]
    return ScriptResult(
        outcome=main.outcome or "",
        transaction_number=main.session.record.transaction_number,
        steps=tuple(main.history),
        record=main.session.record,
        follow_on=tuple(runs[1].history) if len(runs) > 1 else (),
    )


class WalkOptions(TypedDict, total=False):
    """`walk`'s optional keywords that `walk_kiosk` passes through."""

    lang: str
    max_steps: int


def walk_kiosk(
    kiosk: Kiosk, flow_id: str, script: Sequence[Input], **options: Unpack[WalkOptions]
) -> ScriptResult:
    """`walk` on an assembled kiosk of simulators, its simulated cards tapped (e2e tests)."""
    rig = DemoRig(kiosk.simulators)
    try:
        return walk(kiosk.service, flow_id, script, demo=rig, **options)
    finally:
        rig.close()
