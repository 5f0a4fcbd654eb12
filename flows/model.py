"""The frozen shape of a flow once loaded and validated."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

LANGUAGES = ("zh-CN", "en")
TODAY = "today"  # a date field's `default:`: the date the form is filled in
# A date field's `default:`: the first day it allows (today + min_days) that is Monday to
# Friday: a booking for "a working day from tomorrow" starts on the one most people take.
FIRST_WEEKDAY = "first_weekday"
DATE_DEFAULTS = (TODAY, FIRST_WEEKDAY)


@dataclass(frozen=True)
class Texts:
    """One text in every supported language."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The text in `lang`, Chinese for anything unknown."""
        return self.en if lang == "en" else self.zh


class StepKind(enum.StrEnum):
    """What a step asks of the citizen, and so which screen shows it."""

    ACTION = "action"  # the kiosk does something (read a card, submit, print)
    FORM = "form"  # the citizen fills in fields
    CONFIRM = "confirm"  # the citizen checks a summary
    NOTICE = "notice"  # a message with buttons (an error, a choice)
    LIST = "list"  # items fetched from outside the flow (jobs, slots); the citizen picks one
    DETAIL = "detail"  # the item picked in a list, with buttons (print, sign up, back)
    END = "end"  # the flow is over; the session is wiped on entry


class FieldKind(enum.StrEnum):
    """Field types with their own checks and messages (flows/fields.py)."""

    TEXT = "text"
    NAME = "name"
    MOBILE = "mobile"
    ID_NUMBER = "id_number"
    DATE = "date"
    DATE_RANGE = "date_range"  # two dates, stored as "YYYY-MM-DD/YYYY-MM-DD" (ISO 8601)
    CHOICE = "choice"
    REGION = "region"  # a 6-digit GB/T 2260 administrative division code
    MULTI_CHOICE = "multi_choice"  # several choices, stored as "a,b" in the order listed
    CHECKBOX = "checkbox"  # one box: "yes" ticked, "no" not; a required box must be ticked
    BANK_ACCOUNT = "bank_account"  # a bank card or account number, 12 to 19 digits; personal


@dataclass(frozen=True)
class Choice:
    """One option of a choice field."""

    value: str
    label: Texts


@dataclass(frozen=True)
class FieldSpec:
    """A form field: what it is called, how it is checked, whether it is personal data."""

    name: str
    kind: FieldKind
    label: Texts
    required: bool = True
    personal: bool = False
    max_length: int = 60
    choices: tuple[Choice, ...] = ()
    min_days: int | None = None  # dates: earliest allowed, in days from today
    max_days: int | None = None  # dates: latest allowed, in days from today
    hint: Texts | None = None
    min_length: int = 0  # text: fewest characters when filled in
    max_span_days: int | None = None  # date ranges: longest allowed, in days
    # On the receipt? None: by kind (coded answers and dates yes; ticked declarations and
    # free text no). A flow prints a free-text answer that is the record, e.g. the employer.
    receipt: bool | None = None
    # A text picked from a list the kiosk holds (flows/actions.py PICK_LISTS), e.g. the
    # county's employers; typing freely stays possible.
    choices_from: str | None = None
    # Dates: where the date picker opens (flows/actions.py PICKER_STARTS); None: today.
    picker_starts: str | None = None
    # Choices: the answer most people give, preselected; the citizen agrees by moving on
    # (a form submitted without this field takes it). "a,b" for several choices. Dates:
    # TODAY, the station's date when the form opens (e.g. the first day of a new job), or
    # FIRST_WEEKDAY, the first Monday-to-Friday day the field allows.
    default: str | None = None


@dataclass(frozen=True)
class Condition:
    """When a conditional transition applies: a named guard, or a test of a form value."""

    guard: str | None = None  # bound by name (flows/actions.py GUARDS, ENGINE_GUARDS)
    field: str | None = None  # a non-personal form field ...
    values: frozenset[str] = frozenset()  # ... whose value is one of these
    negate: bool = False  # `unless:` instead of `if:`


@dataclass(frozen=True)
class Branch:
    """One conditional route of an event: go to `target` when `when` holds."""

    target: str
    when: Condition


@dataclass(frozen=True)
class Step:
    """One state of a flow with its outgoing transitions, keyed by event name."""

    name: str
    kind: StepKind
    title: Texts
    prompt: Texts | None = None
    action: str | None = None
    fields: tuple[FieldSpec, ...] = ()
    on: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None
    outcome: str | None = None  # END steps: completed, cancelled, failed, expired
    # Conditional routes, tried in order before `on[event]`, which stays the default route.
    branches: dict[str, tuple[Branch, ...]] = field(default_factory=dict)
    needs: frozenset[str] = frozenset()  # devices (flows/actions.py DEVICES)
    fallback: str | None = None  # entered instead when a needed device is missing
    resumable: bool = False  # a run here may be saved (without personal data) and resumed
    identity_method: str | None = None  # set: success here records how the citizen was identified
    show: frozenset[str] = frozenset()  # extras on screen (flows/actions.py SHOW_ITEMS)
    source: str | None = None  # list and detail steps: the content shown (CONTENT_SOURCES)
    recommend: bool = False  # list steps: rank items by the citizen's profile (flows/matching)
    then: str | None = None  # completed end steps: the flow that follows (the rating)
    # Confirm steps: declarations shown under the summary and pledged with the one confirm
    # tap (checkbox specs: the engine records each as "yes", as a ticked box was).
    declarations: tuple[FieldSpec, ...] = ()

    @property
    def asked(self) -> tuple[FieldSpec, ...]:
        """The answers this step records: its form fields, then its declarations."""
        return self.fields + self.declarations

    def targets(self, event: str) -> tuple[str, ...]:
        """Every step `event` may lead to, conditional routes first."""
        default = (self.on[event],) if event in self.on else ()
        return tuple(b.target for b in self.branches.get(event, ())) + default

    def all_targets(self) -> tuple[str, ...]:
        """Every step this step may lead to, including its fallback."""
        found = [t for event in self.on for t in self.targets(event)]
        return (*found, self.fallback) if self.fallback else tuple(found)


@dataclass(frozen=True)
class BundleItem:
    """One service a bundle (一件事) submits: which answers go to it, and when it applies."""

    service: str  # the service code the controller files it under (often a flow id)
    title: Texts
    fields: tuple[str, ...]  # answers of the bundle sent with this item
    fixed: dict[str, str] = field(default_factory=dict)  # values the bundle sets itself
    when: Condition | None = None  # a test of a form value; None: always


@dataclass(frozen=True)
class Flow:
    """A validated flow definition."""

    id: str
    version: int
    title: Texts
    start: str
    steps: dict[str, Step]
    source: str
    items: tuple[BundleItem, ...] = ()  # a bundle: one submission holding these services

    def step(self, name: str) -> Step:
        """The step called `name`."""
        return self.steps[name]

    def find_field(self, name: str) -> FieldSpec | None:
        """The form field called `name` in any step, if there is one."""
        for step in self.steps.values():
            for spec in step.asked:
                if spec.name == name:
                    return spec
        return None


def asked_fields(flow: Flow) -> dict[str, FieldSpec]:
    """The fields a flow's forms ask (not the typed identity's), by name."""
    return {
        spec.name: spec
        for step in flow.steps.values()
        if step.identity_method is None
        for spec in step.asked
    }
