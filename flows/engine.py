"""The interpreter: one FlowRun walks one citizen through one flow, then forgets them.

A screen asks the run what the current step is, gives it what the citizen did (`submit_form`,
`fire`), and lets it run bound actions (`run_action`). Errors and timeouts are transitions:
an action that fails becomes the `error` event, a step left alone too long becomes
`timeout`, and every way out of a flow ends in an end step, where the session is wiped.

Behaviour is bound by name: actions and guards come from the kiosk (`actions`, `guards`),
the devices it has from `devices_available` (a step needing a missing device is replaced by
its fallback). The errors a caller can get are FlowStateError and UnknownEvent (a call that
does not fit the current step) and SnapshotRefused; an action that raises anything but
ActionFailed ends the run as failed, wiped, and the exception goes on to the caller.

Content from outside the flow (jobs, slots ...) is written by fetching actions into
`session.content` and checked here before a list screen shows it (`items`); the citizen picks
an item with `select`, which fires the list step's `select` event. A completed run whose end
step names a follow-on flow (`then: rating`) says so in `follow_on`: the kiosk starts that
flow with the record it returns, so the rating is linked to the transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

from flows.actions import CONTENT_SOURCES, DEVICES, ENGINE_GUARDS, ITEM_EVENTS, SYSTEM_EVENTS
from flows.content import ContentError, Item, parse_items
from flows.errors import ActionFailed, FlowStateError, SnapshotRefused, UnknownEvent
from flows.fields import (
    FieldError,
    clean_value,
    mask_for_kind,
    matches,
)
from flows.identity import EXPIRED_EVENT
from flows.matching import rank
from flows.model import (
    FIRST_WEEKDAY,
    TODAY,
    Condition,
    FieldKind,
    FieldSpec,
    Flow,
    Step,
    StepKind,
    Texts,
)
from flows.run_profile import citizen_profile, reason_labels
from flows.run_snapshot import checked_snapshot, saved_values, snapshot_of
from flows.session import Identity, RunRecord, Session
from flows.submission import confirm_rows
from flows.texts import CHOSEN_LABELS, CONTENT_UNAVAILABLE, NO_IDENTITY
from pii import Sensitive, mask_name

log = logging.getLogger(__name__)


Action = Callable[["Session"], str | None]
"""A bound action gets the session and returns the event to fire (None means `ok`)."""

Guard = Callable[["Session"], bool]
"""A bound guard answers a yes/no question about the session; quick, no side effects."""


def _unbound(session: Session) -> str:
    """The action of a step whose device this kiosk does not have."""
    raise ActionFailed(
        Texts(
            "本机暂不支持此方式，请选择其他方式。",
            "This kiosk cannot do that; please choose another way.",
        )
    )


class FlowRun:
    """One walk through a flow."""

    def __init__(
        self,
        flow: Flow,
        actions: Mapping[str, Action],
        *,
        guards: Mapping[str, Guard] | None = None,
        devices_available: Collection[str] | None = None,
        lang: str = "zh-CN",
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], dt.date] = dt.date.today,
        record: RunRecord | None = None,
        unsupported: Collection[str] = (),
    ) -> None:
        """`record`: what a follow-on flow starts with (see `follow_on`).

        `unsupported`: actions this kiosk declares it cannot do at all (not a missing
        device: a capability it lacks); their steps are treated like steps whose device is
        missing: replaced by their fallback, or never offered.
        """
        self.flow = flow
        self.lang = lang
        # None: the kiosk did not say, so every device is taken to be there (as before).
        self.devices = frozenset(DEVICES if devices_available is None else devices_available)
        self.unsupported = frozenset(unsupported)
        self._guards = dict(guards or {})
        # A step whose device is missing is never offered, so its action needs no binding
        # (an identity method without its reader); if it is entered anyway it fails as a
        # device error, see _unbound.
        missing = {
            s.action
            for s in flow.steps.values()
            if s.action and self._enterable(s) and self._runnable(s)
        }
        missing -= actions.keys()
        if missing:
            raise ValueError(f"actions not bound: {sorted(m for m in missing if m)}")
        wanted = {
            b.when.guard
            for s in flow.steps.values()
            for bs in s.branches.values()
            for b in bs
            if b.when.guard and b.when.guard not in ENGINE_GUARDS
        }
        if wanted - self._guards.keys():
            raise ValueError(f"guards not bound: {sorted(wanted - self._guards.keys())}")
        self.session = Session(record=record or RunRecord())
        self.error_message: str | None = None
        self._actions = actions
        self._clock = clock
        self._today = today
        self._entered_at = clock()
        # Elder mode gives people more time: every step's timeout is multiplied by this.
        self.timeout_scale = 1.0
        self._entries = 0  # counts step entries: a step entered again is a new visit
        self.step = flow.step(self._resolve(flow.start))
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
        """Events a person can fire on the current step, in file order.

        An event whose every route leads to a step this kiosk cannot run (an identity
        method without its device, with no fallback) is not offered.
        """
        hidden = SYSTEM_EVENTS | ITEM_EVENTS
        return [e for e in self.step.on if e not in hidden and self._offered(e)]

    def seconds_left(self) -> float | None:
        """Time before the current step times out."""
        if self.step.timeout is None:
            return None
        timeout = self.step.timeout * self.timeout_scale
        return max(0.0, timeout - (self._clock() - self._entered_at))

    def items(self, source: str | None = None) -> tuple[Item, ...]:
        """The items of a list (the current step's by default), ranked if it recommends.

        Ranked items carry `match` and `reasons` (flows/matching.py): the citizen's profile
        is built here, from the identity and the answers, and kept nowhere.
        """
        source = source or self.step.source
        if source is None:
            return ()
        items = self.session.items(source)
        recommending = any(s.recommend for s in self.flow.steps.values() if s.source == source)
        if not recommending or not items:
            return items
        profile = citizen_profile(self.flow, self.session, self._today())
        return rank(items, profile, reason_labels(self.flow))

    def current_item(self) -> Item | None:
        """The item a detail step shows (or, elsewhere, the item chosen last), ranked."""
        if self.step.kind is StepKind.DETAIL and self.step.source is not None:
            source: str | None = self.step.source
        else:
            source = next(reversed(self.session.selected), None)
        if source is None or source not in self.session.selected:
            return None
        chosen = self.session.selected[source]
        return next((i for i in self.items(source) if i.id == chosen), None)

    def follow_on(self) -> tuple[str, RunRecord] | None:
        """The flow to start now that this run has ended, with the record it starts with.

        Only after a completed end step that names one (`then: rating`) and only when a
        transaction was made: a rating is linked to its transaction number, never to a
        person. The values are the number and the service (this flow's id).
        """
        if not self.done or self.step.then is None:
            return None
        if not self.session.record.transaction_number:
            return None
        return self.step.then, self.session.record.handover(self.flow.id)

    def summary(self) -> list[tuple[str, str]]:
        """(label, shown value) rows for a confirm screen; ID and bank numbers masked."""
        chosen = self.current_item()
        row = None if chosen is None else (self._chosen_label(), chosen.title.get(self.lang))
        return confirm_rows(self.flow, self.session, self.lang, row)

    def route(self, step_name: str, event: str) -> str:
        """The step `event` of step `step_name` would lead to with the answers given so far
        (a fallback stands in while a device is missing); for counting the steps ahead."""
        step = self.flow.step(step_name)
        for branch in step.branches.get(event, ()):
            if self._holds(branch.when):
                return self._resolve(branch.target)
        return self._resolve(step.on[event])

    # What screens do.
    def fire(self, event: str) -> Step:
        """Take the transition for `event` from the current step."""
        if self.done:
            raise FlowStateError("the flow has ended")
        if event in ITEM_EVENTS:
            raise UnknownEvent(f"{event!r} is fired by choosing an item: select(item_id)")
        if event not in self.step.on or (event not in SYSTEM_EVENTS and not self._offered(event)):
            raise UnknownEvent(f"step {self.step.name!r} has no transition for {event!r}")
        if event == "confirm":
            # The confirm tap under the declarations is the pledge: each is recorded by its
            # name as accepted, so the record shows what was pledged, as ticked boxes did.
            for spec in self.step.declarations:
                self.session.values[spec.name] = "yes"
        self._enter(self._route(event))
        return self.step

    def select(self, item_id: str) -> Step:
        """The citizen chose an item of the list on screen: remember it, fire `select`.

        UnknownEvent if the list has no such item or it is not available (a full class).
        """
        step = self.step
        if step.kind is not StepKind.LIST or step.source is None:
            raise FlowStateError(f"step {step.name!r} is not a list")
        item = next((i for i in self.session.items(step.source) if i.id == item_id), None)
        if item is None or not item.available:
            raise UnknownEvent(f"the list has no item {item_id!r} to choose")
        self.session.selected.pop(step.source, None)  # re-insert: the latest choice is last
        self.session.selected[step.source] = item_id
        self.session.forget_hold(step.source)  # held for the item before
        self._enter(self._route("select"))
        return self.step

    def submit_form(self, raw: Mapping[str, str]) -> dict[str, str]:
        """Check and store a form's values; on success move on. Returns errors by field."""
        step = self.step
        if step.kind is not StepKind.FORM:
            raise FlowStateError(f"step {step.name!r} is not a form")
        errors: dict[str, str] = {}
        cleaned: dict[str, str] = {}
        for spec in step.fields:
            # A field not sent at all takes its default: the citizen moved on from it as
            # preselected (a script of the answers given). One sent empty was unchosen.
            given = raw.get(spec.name, self._default(spec))
            try:
                cleaned[spec.name] = clean_value(
                    spec, str(given), lang=self.lang, today=self._today()
                )
            except FieldError as err:
                errors[spec.name] = str(err)
        if errors:
            return errors
        if step.identity_method is not None:
            self._set_identity(step, cleaned)
        else:
            for spec in step.fields:
                old = self.session.values.get(spec.name)
                if isinstance(old, Sensitive):
                    old.wipe()
                value = cleaned[spec.name]
                self.session.values[spec.name] = (
                    Sensitive(value, mask_for_kind(spec.kind)) if spec.personal else value
                )
        self.fire("submit")
        return {}

    def shown_value(self, spec: FieldSpec) -> str:
        """What a form shows in `spec` when it opens: this visit's answer, else its default."""
        if spec.name in self.session.values:
            return self.session.value(spec.name)
        return self._default(spec)

    def _default(self, spec: FieldSpec) -> str:
        """A field's preselected answer; a date's `today` is the station's date now, its
        `first_weekday` the first Monday-to-Friday day from today + min_days."""
        if spec.kind is FieldKind.DATE and spec.default == TODAY:
            return self._today().isoformat()
        if spec.kind is FieldKind.DATE and spec.default == FIRST_WEEKDAY:
            day = self._today() + dt.timedelta(days=spec.min_days or 0)
            while day.weekday() >= 5:  # Saturday, Sunday
                day += dt.timedelta(days=1)
            return day.isoformat()
        return spec.default or ""

    def run_action(self) -> Step:
        """Run the current action step's bound action and follow the event it produced.

        The action may run on a worker thread while the screen times the step out or the
        citizen cancels; if the run has moved on when the action returns, its result is
        dropped and, once the run is over, anything it put in the session is wiped.
        """
        step, entry = self.step, self._entries
        if step.kind is not StepKind.ACTION or step.action is None:
            raise FlowStateError(f"step {step.name!r} is not an action")
        message: str | None = None
        try:
            event = self._actions.get(step.action, _unbound)(self.session) or "ok"
        except ActionFailed as err:
            event = err.event
            message = err.message if isinstance(err.message, str) else err.message.get(self.lang)
            log.info("action failed flow=%s step=%s event=%s", self.flow.id, step.name, event)
        except Exception:
            # Not a failure the flow can route (a bug, a dead driver): end, wiped, and let
            # the caller log it. Nothing personal stays behind whatever the kiosk does next.
            if self._entries == entry:
                self._end_without_step("failed")
            elif self.done:
                self.session.wipe()
            raise
        if self._entries != entry:
            if self.done:
                self.session.wipe()
            return self.step
        if event == "ok" and step.identity_method is not None:
            if self.session.identity is None:
                event, message = "error", NO_IDENTITY.get(self.lang)
            else:
                self.session.identity.method = step.identity_method
                if self.session.identity.expired and EXPIRED_EVENT in step.on:
                    event = EXPIRED_EVENT  # the flow's data says what an old card may do
        if step.action in CONTENT_SOURCES and event in ("ok", "empty"):
            event, message = self._take_content(step, CONTENT_SOURCES[step.action], message)
        self.error_message = message
        if event not in step.on:
            event = "error"
        self._enter(self._route(event))
        return self.step

    def check_timeout(self) -> bool:
        """Follow the timeout route if the current step has waited too long."""
        left = self.seconds_left()
        if self.done or left is None or left > 0:
            return False
        log.info("step timed out flow=%s step=%s", self.flow.id, self.step.name)
        if "timeout" in self.step.on:
            self._enter(self._route("timeout"))
        else:
            self._end_without_step("expired")
        return True

    def touch(self) -> None:
        """The citizen did something: restart the current step's timeout."""
        self._entered_at = self._clock()

    def abort(self, outcome: str = "cancelled") -> None:
        """End the flow now (the kiosk is closing the session) and wipe."""
        if not self.done:
            self._end_without_step(outcome)
        self.session.wipe()

    # Resume after a kiosk restart.
    def snapshot(self) -> dict[str, Any]:
        """What the kiosk may save to resume this run after a restart: nothing personal.

        Only at a step the flow declares `resumable`, and only while the session holds no
        identity, no personal value, no free text and no fetched content; otherwise
        SnapshotRefused. The result is plain
        JSON-safe data: the step, the non-personal form values and the record's text fields.
        """
        return snapshot_of(self.flow, self.step, self.session, done=self.done)

    @classmethod
    def restore(
        cls,
        flow: Flow,
        snapshot: object,
        actions: Mapping[str, Action],
        **options: Any,
    ) -> FlowRun:
        """A run resumed from `snapshot()` output, its values checked again as if typed now.

        Refuses (SnapshotRefused) a snapshot of another flow or version, of a step that is
        not resumable (here), or holding anything a form of this flow would not accept.
        """
        run = cls(flow, actions, **options)
        snap = checked_snapshot(snapshot)
        if snap["flow"] != flow.id or snap["version"] != flow.version:
            raise SnapshotRefused("the snapshot is of another flow or version")
        step = flow.steps.get(str(snap["step"]))
        if step is None or not step.resumable or run._resolve(step.name) != step.name:
            raise SnapshotRefused(f"step {snap['step']!r} cannot be resumed here")
        run.session.values.update(saved_values(flow, snap["values"], run.lang, run._today()))
        run.session.record = RunRecord.from_snapshot(snap["record"])
        run.history.clear()
        run._enter(step.name)
        return run

    # Inside.
    def _take_content(self, step: Step, source: str, message: str | None) -> tuple[str, str | None]:
        """Check what a fetching action wrote; the event to follow, and the message."""
        try:
            items = parse_items(self.session.content.get(source))
        except ContentError as err:
            log.warning("content refused flow=%s source=%s problem=%s", self.flow.id, source, err)
            self.session.content.pop(source, None)
            return "error", CONTENT_UNAVAILABLE.get(self.lang)
        self.session.content[source] = items
        self.session.selected.pop(source, None)
        self.session.forget_hold(source)
        return ("empty" if not items and "empty" in step.on else "ok"), message

    def _chosen_label(self) -> str:
        source = next(reversed(self.session.selected))
        return CHOSEN_LABELS.get(source, CHOSEN_LABELS["_"]).get(self.lang)

    def _runnable(self, step: Step) -> bool:
        """True when this kiosk has the step's devices and can do its action."""
        return step.needs <= self.devices and step.action not in self.unsupported

    def _enterable(self, step: Step) -> bool:
        """False when a device the step needs is missing and a fallback stands in for it."""
        return step.fallback is None or self._runnable(step)

    def _available(self, name: str) -> bool:
        return self._runnable(self.flow.step(name))

    def _resolve(self, name: str) -> str:
        """The step actually entered for `name`: its fallback while a device is missing."""
        step = self.flow.step(name)
        while step.fallback is not None and not self._runnable(step):
            step = self.flow.step(step.fallback)  # acyclic: checked by the loader
        return step.name

    def _offered(self, event: str) -> bool:
        return any(self._available(self._resolve(t)) for t in self.step.targets(event))

    def _route(self, event: str) -> str:
        """The step `event` leads to now: the first route whose condition holds."""
        return self.route(self.step.name, event)

    def _holds(self, cond: Condition) -> bool:
        if cond.guard == "identity_typed":
            ident = self.session.identity
            result = ident is not None and ident.method == "typed"
        elif cond.guard is not None:
            result = bool(self._guards[cond.guard](self.session))
        else:
            value = self.session.values.get(cond.field or "")
            spec = self.flow.find_field(cond.field or "")
            result = isinstance(value, str) and matches(spec, value, cond.values)
        return result != cond.negate

    def _set_identity(self, step: Step, cleaned: Mapping[str, str]) -> None:
        by_kind = {spec.kind: cleaned[spec.name] for spec in step.fields}
        if self.session.identity is not None:
            self.session.identity.wipe()
        self.session.identity = Identity(
            step.identity_method or "typed",
            Sensitive(by_kind[FieldKind.ID_NUMBER]),
            Sensitive(by_kind[FieldKind.NAME], mask_name),
        )

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
