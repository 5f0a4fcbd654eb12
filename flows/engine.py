"""The interpreter: one FlowRun walks one citizen through one flow, then forgets them.

A screen asks the run what the current step is, gives it what the citizen did (`submit_form`,
`fire`), and lets it run bound actions (`run_action`). Errors and timeouts are transitions:
an action that fails becomes the `error` event, a step left alone too long becomes
`timeout`, and every way out of a flow ends in an end step, where the session is wiped.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flows.actions import SYSTEM_EVENTS
from flows.fields import FieldError, clean_value, display_value
from flows.model import FieldKind, Flow, Step, StepKind, Texts
from pii import Sensitive, mask_id_number, mask_name, mask_phone

log = logging.getLogger(__name__)


@dataclass
class Identity:
    """Who the citizen is and how we know."""

    method: str  # id_card, social_card, e_social_card_qr, typed
    id_number: Sensitive
    name: Sensitive

    def wipe(self) -> None:
        """Forget the personal parts."""
        self.id_number.wipe()
        self.name.wipe()


@dataclass
class Session:
    """Everything one citizen's visit holds. Personal values are Sensitive and wiped at the end.

    `public` holds what may outlive the session on screen: a transaction number, a receipt id.
    """

    identity: Identity | None = None
    values: dict[str, Sensitive | str] = field(default_factory=dict)
    public: dict[str, str] = field(default_factory=dict)
    wiped: bool = False

    def value(self, name: str) -> str:
        """A form value in clear, for actions that need it (submit)."""
        v = self.values[name]
        return v.reveal() if isinstance(v, Sensitive) else v

    def wipe(self) -> None:
        """Overwrite and drop every personal value."""
        if self.identity is not None:
            self.identity.wipe()
            self.identity = None
        for v in self.values.values():
            if isinstance(v, Sensitive):
                v.wipe()
        self.values.clear()
        self.wiped = True


class ActionFailed(Exception):
    """Raised by a bound action: the flow takes its `error` route and shows `message`."""

    def __init__(self, message: Texts | str, *, event: str = "error") -> None:
        super().__init__(message if isinstance(message, str) else message.en)
        self.message = message
        self.event = event


Action = Callable[["Session"], str | None]
"""A bound action gets the session and returns the event to fire (None means `ok`)."""


class FlowRun:
    """One walk through a flow."""

    def __init__(
        self,
        flow: Flow,
        actions: Mapping[str, Action],
        *,
        lang: str = "zh-CN",
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        missing = {s.action for s in flow.steps.values() if s.action} - actions.keys()
        if missing:
            raise ValueError(f"actions not bound: {sorted(m for m in missing if m)}")
        self.flow = flow
        self.lang = lang
        self.session = Session()
        self.error_message: str | None = None
        self._actions = actions
        self._clock = clock
        self._today = today
        self._entered_at = clock()
        self._entries = 0  # counts step entries: a step entered again is a new visit
        self.step = flow.step(flow.start)
        self.history: list[str] = [self.step.name]

    # What screens read.
    @property
    def done(self) -> bool:
        """True once an end step is reached."""
        return self.step.kind is StepKind.END

    @property
    def outcome(self) -> str | None:
        """completed, cancelled, failed or expired once done."""
        return self.step.outcome if self.done else None

    def buttons(self) -> list[str]:
        """Events a person can fire on the current step, in file order."""
        return [e for e in self.step.on if e not in SYSTEM_EVENTS]

    def seconds_left(self) -> float | None:
        """Time before the current step times out."""
        if self.step.timeout is None:
            return None
        return max(0.0, self.step.timeout - (self._clock() - self._entered_at))

    def summary(self) -> list[tuple[str, str]]:
        """(label, shown value) rows for a confirm screen; the ID number masked."""
        rows: list[tuple[str, str]] = []
        ident = self.session.identity
        if ident is not None:
            zh = self.lang != "en"
            rows.append(("姓名" if zh else "Name", ident.name.reveal()))
            rows.append(("身份证号" if zh else "ID number", ident.id_number.masked()))
        for step in self.flow.steps.values():
            for spec in step.fields:
                if spec.name in self.session.values:
                    raw = self.session.value(spec.name)
                    shown = (
                        mask_id_number(raw)
                        if spec.kind is FieldKind.ID_NUMBER
                        else display_value(spec, raw, self.lang)
                    )
                    rows.append((spec.label.get(self.lang), shown))
        return rows

    # What screens do.
    def fire(self, event: str) -> Step:
        """Take the transition for `event` from the current step."""
        if self.done:
            raise RuntimeError("the flow has ended")
        target = self.step.on.get(event)
        if target is None:
            raise ValueError(f"step {self.step.name!r} has no transition for {event!r}")
        self._enter(target)
        return self.step

    def submit_form(self, raw: Mapping[str, str]) -> dict[str, str]:
        """Check and store a form's values; on success move on. Returns errors by field."""
        if self.step.kind is not StepKind.FORM:
            raise RuntimeError(f"step {self.step.name!r} is not a form")
        errors: dict[str, str] = {}
        cleaned: dict[str, str] = {}
        for spec in self.step.fields:
            try:
                cleaned[spec.name] = clean_value(
                    spec, raw.get(spec.name, ""), lang=self.lang, today=self._today()
                )
            except FieldError as err:
                errors[spec.name] = str(err)
        if errors:
            return errors
        for spec in self.step.fields:
            old = self.session.values.get(spec.name)
            if isinstance(old, Sensitive):
                old.wipe()
            value = cleaned[spec.name]
            self.session.values[spec.name] = (
                Sensitive(value, _mask_for(spec.kind)) if spec.personal else value
            )
        self.fire("submit")
        return {}

    def run_action(self) -> Step:
        """Run the current action step's bound action and follow the event it produced.

        The action may run on a worker thread while the screen times the step out or the
        citizen cancels; if the run has moved on when the action returns, its result is
        dropped and anything it put in the session is wiped.
        """
        step, entry = self.step, self._entries
        if step.kind is not StepKind.ACTION or step.action is None:
            raise RuntimeError(f"step {step.name!r} is not an action")
        message: str | None = None
        try:
            event = self._actions[step.action](self.session) or "ok"
        except ActionFailed as err:
            event = err.event
            message = err.message if isinstance(err.message, str) else err.message.get(self.lang)
            log.info("action failed flow=%s step=%s event=%s", self.flow.id, step.name, event)
        if self._entries != entry:
            if self.done:
                self.session.wipe()
            return self.step
        self.error_message = message
        if event not in step.on:
            event = "error"
        self._enter(step.on[event])
        return self.step

    def check_timeout(self) -> bool:
        """Follow the timeout route if the current step has waited too long."""
        left = self.seconds_left()
        if self.done or left is None or left > 0:
            return False
        target = self.step.on.get("timeout")
        log.info("step timed out flow=%s step=%s", self.flow.id, self.step.name)
        if target is None:
            self._end_without_step("expired")
        else:
            self._enter(target)
        return True

    def touch(self) -> None:
        """The citizen did something: restart the current step's timeout."""
        self._entered_at = self._clock()

    def abort(self, outcome: str = "cancelled") -> None:
        """End the flow now (the kiosk is closing the session) and wipe."""
        if not self.done:
            self._end_without_step(outcome)

    def _enter(self, name: str) -> None:
        self._entries += 1
        self.step = self.flow.step(name)
        self.history.append(name)
        self._entered_at = self._clock()
        if self.step.kind is StepKind.END:
            self.session.wipe()

    def _end_without_step(self, outcome: str) -> None:
        title = Texts("本次办理已结束", "This session has ended")
        self._entries += 1
        self.step = Step(name=f"_{outcome}", kind=StepKind.END, title=title, outcome=outcome)
        self.history.append(self.step.name)
        self.session.wipe()


_MASKS: dict[FieldKind, Callable[[str], str]] = {
    FieldKind.ID_NUMBER: mask_id_number,
    FieldKind.NAME: mask_name,
    FieldKind.MOBILE: mask_phone,
}


def _mask_for(kind: FieldKind) -> Callable[[str], str]:
    return _MASKS.get(kind, lambda v: "*" * len(v))
