"""Walking one citizen through a flow without a screen: the demo's --script mode and e2e tests.

It drives the same FlowRun, the same bound actions and the same simulated devices as the
touchscreen does; only the taps come from a table instead of a finger.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from flows import StepKind
from kiosk.ports import KioskPort

log = logging.getLogger(__name__)

# A fictitious citizen's answers for the employment registration form.
REGISTRATION_ANSWERS: dict[str, str] = {
    "phone": "13800138000",
    "employment_type": "employed",
    "employer_name": "示例县便民服务有限公司",
    "start_date": "",  # filled with today by the script
}


class ScriptError(RuntimeError):
    """The scripted walk could not go on; the message says at which step and why."""


@dataclass(frozen=True)
class ScriptResult:
    """How the walk ended."""

    outcome: str
    transaction_number: str | None
    steps: tuple[str, ...]
    public: dict[str, str]  # what the session kept that is not personal (receipt files)


def walk(
    port: KioskPort,
    flow_id: str,
    answers: Mapping[str, str],
    *,
    card: str | None = None,
    lang: str = "zh-CN",
    max_steps: int = 50,
) -> ScriptResult:
    """Run `flow_id` to its end, tapping `card` on the simulated reader when asked."""
    run = port.new_run(flow_id, lang)
    try:
        for _ in range(max_steps):
            step = run.step
            log.info("script step=%s kind=%s", step.name, step.kind)
            if step.kind is StepKind.END:
                break
            if step.kind is StepKind.ACTION:
                if step.action == "read_id_card" and port.card_tapper is not None:
                    port.card_tapper.present(card or port.card_tapper.card_names()[0])
                run.run_action()
            elif step.kind is StepKind.FORM:
                errors = run.submit_form({f.name: answers.get(f.name, "") for f in step.fields})
                if errors:
                    raise ScriptError(f"form {step.name} refused the answers: {errors}")
            elif step.kind is StepKind.CONFIRM:
                run.fire("confirm")
            elif step.kind is StepKind.NOTICE:
                raise ScriptError(f"{step.name}: {run.error_message or step.title.en}")
        else:
            raise ScriptError(f"no end after {max_steps} steps")
        return ScriptResult(
            outcome=run.outcome or "",
            transaction_number=run.session.public.get("transaction_number"),
            steps=tuple(run.history),
            public=dict(run.session.public),
        )
    finally:
        if port.card_tapper is not None:
            port.card_tapper.remove()
        port.end_run(run)
