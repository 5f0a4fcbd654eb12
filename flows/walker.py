"""One walker for scripted runs: catalog authors' `walk`, the demo's scripted citizens, tests.

A script is a list of inputs, each one of::

    {"press": event}             a button (or an event an action step routes)
    {"form": {field: value}}     a form's answers (None is an empty answer)
    {"select": item id}          an item of the list on screen; "first": the first available
    {"action": outcome}          how the action step on screen ends: "ok" runs it as bound;
                                 "error", "empty", "taken" ... only where the hands can
                                 make a device or the controller answer so
    {"wait": seconds}            time without a touch: timeouts fire

An action step with no input meant for it runs as bound (`("action", "ok")`): a script
names only what a person does and the failures it wants. What stands in for devices and
time is the caller's `Hands`: simulated devices for authors, the kiosk's simulated readers
for the demo, injected failures for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from flows.engine import FlowRun
from flows.errors import FlowError
from flows.model import StepKind
from flows.session import RunRecord

Input = tuple[str, Any]
"""(kind, argument): what the citizen or a device does next."""

KINDS = ("press", "form", "select", "action", "wait")


class WalkError(FlowError):
    """The walk could not go on as scripted; the message says at which step and why."""


class Hands(Protocol):
    """What stands in for the devices and the clock during a walk."""

    def run_action(self, run: FlowRun, outcome: str) -> None:
        """Run the action step on screen so that it ends as `outcome` ("ok": as bound)."""
        ...

    def wait(self, run: FlowRun, seconds: float) -> None:
        """Let `seconds` pass without a touch (the run's clock moves)."""
        ...


class Inputs(Protocol):
    """Where inputs come from: a script, or a person at a terminal."""

    def next(self, run: FlowRun) -> Input | None:
        """The input for the run's current step; None when there is none."""
        ...

    def follow(self, flow_id: str) -> bool:
        """Walk on into the follow-on flow `flow_id`?"""
        ...


def parse_script(entries: Sequence[Mapping[str, Any]]) -> list[Input]:
    """Inputs from the script format above; WalkError for an entry that is not one."""
    inputs: list[Input] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or len(entry) != 1:
            raise WalkError(f"script entry {i}: one of {', '.join(KINDS)} per entry")
        ((kind, arg),) = entry.items()
        if kind not in KINDS:
            raise WalkError(f"script entry {i}: unknown input {kind!r}")
        inputs.append((str(kind), arg))
    return inputs


class Script:
    """Inputs from a script, given in order."""

    def __init__(self, inputs: Sequence[Input]) -> None:
        self._inputs = list(inputs)
        self._next = 0

    @property
    def left(self) -> bool:
        """True while the script has inputs it has not given."""
        return self._next < len(self._inputs)

    def follow(self, flow_id: str) -> bool:
        """Walk on into the follow-on flow? Only if the script goes on."""
        return self.left

    def next(self, run: FlowRun) -> Input | None:
        """The next input; an action step without one meant for it runs as bound."""
        item = self._inputs[self._next] if self.left else None
        if run.step.kind is StepKind.ACTION and not _for_action_step(item, run):
            return ("action", "ok")
        if item is None:
            why = f": {run.error_message}" if run.error_message else ""
            raise WalkError(f"the script ended at step {run.step.name!r}{why}")
        self._next += 1
        return item


def _for_action_step(item: Input | None, run: FlowRun) -> bool:
    """True if a script's next input is meant for the action step on screen."""
    if item is None:
        return False
    kind, arg = item
    return kind in ("action", "wait") or (kind == "press" and arg in run.step.on)


def give(run: FlowRun, item: Input, hands: Hands) -> dict[str, str]:
    """Give one input to the run; returns a form's errors by field (empty when accepted).

    FlowError (UnknownEvent, FlowStateError ...) when the input does not fit the step.
    """
    kind, arg = item
    if kind == "press":
        run.touch()
        run.fire(str(arg))
    elif kind == "form":
        if run.step.kind is not StepKind.FORM:
            raise WalkError(f"step {run.step.name!r} is not a form")
        run.touch()
        answers = arg if isinstance(arg, Mapping) else {}
        return run.submit_form({str(k): "" if v is None else str(v) for k, v in answers.items()})
    elif kind == "select":
        run.touch()
        if arg == "first":
            free = [i for i in run.items() if i.available]
            if not free:
                raise WalkError(f"list {run.step.name!r} has nothing to choose")
            arg = free[0].id
        run.select(str(arg))
    elif kind == "action":
        if run.step.kind is not StepKind.ACTION:
            raise WalkError(f"step {run.step.name!r} is not an action step")
        hands.run_action(run, str(arg))
    elif kind == "wait":
        hands.wait(run, float(arg))
        run.check_timeout()
    else:
        raise WalkError(f"unknown input {kind!r}")
    return {}


def walk(
    run: FlowRun,
    inputs: Inputs,
    hands: Hands,
    *,
    on_step: Callable[[FlowRun], None] = lambda run: None,
    on_form_errors: Callable[[FlowRun, dict[str, str]], None] | None = None,
    on_refused: Callable[[FlowError], None] | None = None,
    max_inputs: int = 500,
) -> None:
    """Drive `run` to its end step with `inputs`.

    `on_step` sees each step (a terminal prints it). A form that refuses its answers raises
    WalkError unless `on_form_errors` takes them (an author's walk shows them and goes on);
    an input that does not fit the step raises WalkError unless `on_refused` takes it.
    """
    for _ in range(max_inputs):
        on_step(run)
        if run.done:
            return
        item = inputs.next(run)
        if item is None:
            raise WalkError(f"no input at step {run.step.name!r}")
        step = run.step.name
        try:
            errors = give(run, item, hands)
        except WalkError:
            raise
        except FlowError as err:
            if on_refused is None:
                raise WalkError(f"at step {step!r}: {err}") from err
            on_refused(err)
            continue
        if errors:
            if on_form_errors is None:
                raise WalkError(f"form {step!r} refused the answers: {errors}")
            on_form_errors(run, errors)
    raise WalkError(f"no end after {max_inputs} inputs")


def walk_on(
    run: FlowRun,
    inputs: Inputs,
    hands: Hands,
    start: Callable[[str, RunRecord], FlowRun | None],
    **options: Any,
) -> list[FlowRun]:
    """Walk `run`, then its follow-on flow (the rating) if `inputs` want it; the runs walked.

    `start(flow_id, record)` starts the follow-on run (None: it cannot here). Options are
    those of `walk`.
    """
    runs = [run]
    walk(run, inputs, hands, **options)
    follow = run.follow_on()
    if follow is not None and inputs.follow(follow[0]):
        then = start(*follow)
        if then is not None:
            runs.append(then)
            walk(then, inputs, hands, **options)
    return runs
