from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from flows import FlowDefinitionError, load_flow
from flows.loader import parse_flow
from flows.yamlsafe import MAX_FILE_BYTES
from tests.flows.helpers import edited

MINIMAL = {
    "id": "demo",
    "version": 1,
    "title": {"zh-CN": "演示", "en": "Demo"},
    "start": "ask",
    "steps": {
        "ask": {
            "kind": "form",
            "title": {"zh-CN": "填写", "en": "Fill in"},
            "timeout": 60,
            "fields": [
                {"name": "phone", "kind": "mobile", "label": {"zh-CN": "手机", "en": "Mobile"}}
            ],
            "on": {"submit": "end", "timeout": "end"},
        },
        "end": {"kind": "end", "outcome": "completed", "title": {"zh-CN": "完成", "en": "Done"}},
    },
}


def broken(path: list[str | int], value: object, base: dict = MINIMAL) -> dict:
    """A deep copy of `base` with the value at `path` replaced (or deleted with KeyError)."""
    return edited(base, path, value)


def test_minimal_flow_loads() -> None:
    flow = parse_flow(MINIMAL, "demo.yaml")
    assert flow.steps["ask"].fields[0].personal is True


@pytest.mark.parametrize(
    ("path", "value", "where", "problem"),
    [
        (["steps", "ask", "on", "submit"], "nowhere", "steps.ask.on.submit", "unknown step"),
        (["start"], "missing", "start", "unknown step"),
        (["steps", "ask", "timeout"], KeyError, "steps.ask.timeout", "needs a timeout"),
        (["steps", "ask", "title", "en"], KeyError, "steps.ask.title", "missing translation en"),
        (["steps", "ask", "colour"], "red", "steps.ask", "unknown key(s) colour"),
        (["steps", "ask", "kind"], "dance", "steps.ask.kind", "expected one of"),
        (["steps", "ask", "fields", 0, "kind"], "x", "steps.ask.fields[0].kind", "expected"),
        (["steps", "orphan"], {"kind": "end", "outcome": "completed",
                               "title": {"zh-CN": "孤", "en": "Orphan"}}, "steps", "unreachable"),
        (["steps", "ask", "kind"], "action", "steps.ask.action", "unknown action"),
    ],
)  # fmt: skip
def test_definition_errors_name_file_and_path(path, value, where: str, problem: str) -> None:
    with pytest.raises(FlowDefinitionError) as caught:
        parse_flow(broken(path, value), "demo.yaml")
    assert caught.value.source == "demo.yaml"
    assert caught.value.path == where
    assert problem in caught.value.problem


def test_on_and_no_stay_strings_in_flow_files(tmp_path: Path) -> None:
    text = yaml.safe_dump(MINIMAL, allow_unicode=True).replace("'on'", "on")
    (tmp_path / "f.yaml").write_text(text, encoding="utf-8")
    assert load_flow(tmp_path / "f.yaml").steps["ask"].on["submit"] == "end"


def test_invalid_yaml_is_a_definition_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(FlowDefinitionError, match="bad.yaml.*not valid YAML"):
        load_flow(tmp_path / "bad.yaml")


def test_huge_files_are_refused_before_parsing(tmp_path: Path) -> None:
    (tmp_path / "huge.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(FlowDefinitionError, match="limit"):
        load_flow(tmp_path / "huge.yaml")


def test_python_tags_are_refused(tmp_path: Path) -> None:
    (tmp_path / "evil.yaml").write_text("id: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(FlowDefinitionError, match="not valid YAML"):
        load_flow(tmp_path / "evil.yaml")


T = {"zh-CN": "文", "en": "Text"}
END = {"kind": "end", "outcome": "completed", "title": T}
RICH = {
    "id": "rich",
    "version": 1,
    "title": T,
    "start": "ask",
    "steps": {
        "ask": {
            "kind": "form",
            "title": T,
            "timeout": 60,
            "resumable": True,
            "fields": [
                {"name": "kind", "kind": "choice", "label": T,
                 "choices": [{"value": "a", "label": T}, {"value": "b", "label": T}]},
                {"name": "phone", "kind": "mobile", "label": T},
            ],
            "on": {
                "submit": [
                    {"if": {"field": "kind", "equals": "a"}, "go": "print"},
                    {"unless": "controller_online", "go": "offline"},
                    {"go": "done"},
                ],
                "timeout": "done",
            },
        },
        "print": {
            "kind": "action", "action": "print_receipt", "title": T, "timeout": 30,
            "fallback": "qr", "on": {"ok": "done", "error": "done"},
        },
        "offline": {"kind": "notice", "title": T, "timeout": 30,
                    "on": {"finish": "done", "timeout": "done"}},
        "qr": {**END, "show": ["receipt_qr"]},
        "done": END,
    },
}  # fmt: skip


def rich(path: list[str | int], value: object) -> dict:
    return broken(path, value, RICH)


def test_the_rich_example_loads_with_routes_fallback_and_resume() -> None:
    flow = parse_flow(RICH, "rich.yaml")
    ask = flow.steps["ask"]
    assert ask.on["submit"] == "done"  # the default route stays in `on` for screens
    assert [b.target for b in ask.branches["submit"]] == ["print", "offline"]
    assert ask.branches["submit"][1].when.negate
    assert flow.steps["print"].needs == {"receipt_printer"}
    assert flow.steps["qr"].show == {"receipt_qr"}
    assert ask.resumable


SUBMIT = ["steps", "ask", "on", "submit"]
ASK = ["steps", "ask"]


@pytest.mark.parametrize(
    ("path", "value", "where", "problem"),
    [
        ([*SUBMIT, 1, "unless"], "is_rich", "steps.ask.on.submit[1].unless", "unknown guard"),
        ([*SUBMIT, 2, "if"], "controller_online", "steps.ask.on.submit[2]", "last route has no"),
        ([*SUBMIT, 0, "if"], KeyError, "steps.ask.on.submit[0]", "only the last route"),
        ([*SUBMIT, 0, "unless"], "controller_online", "steps.ask.on.submit[0]", "not both"),
        ([*SUBMIT, 0, "go"], "nowhere", "steps.ask.on.submit", "unknown step 'nowhere'"),
        ([*SUBMIT, 0, "if", "field"], "colour", "steps.ask.on.submit[0]", "no form of this"),
        ([*SUBMIT, 0, "if", "field"], "phone", "steps.ask.on.submit[0]", "personal data"),
        ([*SUBMIT, 0, "if", "equals"], "c", "steps.ask.on.submit[0]", "not choices"),
        ([*SUBMIT, 0, "if", "in"], ["a"], "steps.ask.on.submit[0].if", "either equals"),
        ([*SUBMIT, 0, "when"], "x", "steps.ask.on.submit[0]", "unknown key(s) when"),
        (SUBMIT, [], "steps.ask.on.submit", "at least one route"),
        ([*ASK, "on", "Submit"], "done", "steps.ask.on.Submit", "event name is lower-case"),
        (["steps", "print", "fallback"], "nowhere", "steps.print.fallback", "unknown step"),
        (["steps", "offline", "fallback"], "done", "steps.offline.fallback", "needs a device"),
        (["steps", "print", "needs"], ["printer"], "steps.print.needs[0]", "unknown device"),
        (["steps", "print", "resumable"], True, "steps.print.resumable", "never device work"),
        ([*ASK, "resumable"], "yes", "steps.ask.resumable", "true or false"),
        (["steps", "qr", "show"], ["confetti"], "steps.qr.show[0]", "unknown screen item"),
        (["steps", "offline", "on"], {"timeout": "done"}, "steps.offline.on", "one button"),
        (["steps", "offline", "on", "timeout"], "offline", "steps.offline.on.timeout", "circle"),
        (["steps", "Bad"], END, "steps.Bad", "step name is lower-case"),
        (["steps", "done", "outcome"], "won", "steps.done.outcome", "completed, cancelled"),
        (["steps", "offline", "outcome"], "completed", "steps.offline.outcome", "only end"),
        ([*ASK, "fields", 1, "personal"], False, "steps.ask.fields[1].personal", "always"),
        ([*ASK, "fields", 1, "required"], "no", "steps.ask.fields[1].required", "true or"),
        ([*ASK, "fields", 1, "receipt"], True, "steps.ask.fields[1].receipt", "never printed"),
        ([*ASK, "fields", 1, "choices"], [{"value": "a", "label": T}],
         "steps.ask.fields[1].choices", "only choice fields"),
        ([*ASK, "fields", 0, "choices", 1, "value"], "a", "steps.ask.fields[0].choices",
         "listed twice"),
        ([*ASK, "fields", 1, "min_length"], 3, "steps.ask.fields[1].min_length", "only text"),
        ([*ASK, "fields", 1, "max_days"], 3, "steps.ask.fields[1]", "only date"),
        ([*ASK, "fields", 1, "max_span_days"], 3, "steps.ask.fields[1].max_span_days",
         "only date_range"),
        ([*ASK, "fields", 1, "choices_from"], "employers", "steps.ask.fields[1].choices_from",
         "only text fields"),
        ([*ASK, "fields", 1, "picker_starts"], "today", "steps.ask.fields[1].picker_starts",
         "only date fields"),
        (["steps", "offline", "fields"], [{"name": "x", "kind": "text", "label": T}],
         "steps.offline.fields", "only form steps"),
        (["steps", "extra"], {"kind": "form", "title": T, "timeout": 9, "on": {"submit": "done"},
         "fields": [{"name": "kind", "kind": "text", "label": T}]},
         "steps.extra.fields[0].name", "already asked in step 'ask'"),
        (["id"], "Rich Flow", "id", "flow id is lower-case"),
    ],
)  # fmt: skip
def test_rules_of_routes_devices_resume_and_fields(path, value, where: str, problem: str) -> None:
    data = rich(path, value)
    if path == ["steps", "extra"]:
        data["steps"]["offline"]["on"]["extra"] = "extra"  # make it reachable
    with pytest.raises(FlowDefinitionError) as caught:
        parse_flow(data, "rich.yaml")
    assert (caught.value.path, problem in caught.value.problem) == (where, True), caught.value


def test_a_date_field_with_min_after_max_is_refused() -> None:
    field = {"name": "d", "kind": "date", "label": T, "min_days": 5, "max_days": -5}
    data = rich([*ASK, "fields"], [field])
    data["steps"]["ask"]["on"]["submit"] = "done"
    with pytest.raises(FlowDefinitionError, match="max_days is before min_days"):
        parse_flow(data, "rich.yaml")


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ({"kind": "text", "choices_from": "employees"}, "expected one of employers"),
        ({"kind": "date", "picker_starts": "tomorrow"}, "expected one of first_of_month, today"),
    ],
)
def test_a_pick_list_or_picker_start_must_be_known(field: dict[str, str], problem: str) -> None:
    data = rich([*ASK, "fields"], [{"name": "f", "label": T, **field}])
    data["steps"]["ask"]["on"]["submit"] = "done"
    with pytest.raises(FlowDefinitionError, match=problem):
        parse_flow(data, "rich.yaml")


def test_the_employer_is_picked_from_a_list_in_every_flow_that_asks_it() -> None:
    from flows import load_builtin_catalog

    catalog = load_builtin_catalog()
    asking = [
        spec
        for flow_id in (
            "employment_registration",
            "bundle_onboarding",
            "bundle_flexible_employment",
        )
        for step in catalog.flow(flow_id).steps.values()
        for spec in step.fields
        if spec.name == "employer_name"
    ]
    assert asking
    assert {spec.choices_from for spec in asking} == {"employers"}
    start = catalog.flow("employment_registration").steps["details"].fields[-1]
    assert (start.name, start.picker_starts) == ("start_date", "first_of_month")


def test_a_guard_vocabulary_can_be_narrowed_by_the_caller() -> None:
    with pytest.raises(FlowDefinitionError, match="unknown guard 'controller_online'"):
        parse_flow(RICH, "rich.yaml", guards=())


def test_flow_files_refuse_aliases_with_the_file_and_line(tmp_path: Path) -> None:
    text = yaml.safe_dump(MINIMAL, allow_unicode=True)
    text = text.replace("title:\n  en: Demo", "title: &t\n  en: Demo", 1) + "extra: *t\n"
    (tmp_path / "alias.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(FlowDefinitionError) as caught:
        load_flow(tmp_path / "alias.yaml")
    assert caught.value.source == "alias.yaml"
    assert caught.value.path.startswith("line ")
    assert "anchors" in caught.value.problem


def test_loops_through_buttons_are_fine() -> None:
    data = broken(["steps", "ask", "on", "back"], "ask")  # a form that can start over
    assert parse_flow(data, "demo.yaml").steps["ask"].on["back"] == "ask"


CHOICE = {
    "name": "insured",
    "kind": "choice",
    "label": {"zh-CN": "是否参保", "en": "Insured"},
    "choices": [
        {"value": "yes", "label": {"zh-CN": "是", "en": "Yes"}},
        {"value": "no", "label": {"zh-CN": "否", "en": "No"}},
    ],
}


def test_a_choice_default_is_kept_and_a_form_submitted_without_it_takes_it() -> None:
    from flows import FlowRun
    from tests.support.clock import FakeClock

    data = edited(MINIMAL, ["steps", "ask", "fields"], [{**CHOICE, "default": "no"}])
    # A second form after it, so the answer is still held when looked at.
    data["steps"]["more"] = {**data["steps"]["ask"], "fields": MINIMAL["steps"]["ask"]["fields"]}
    data["steps"]["ask"]["on"] = {"submit": "more", "timeout": "end"}
    flow = parse_flow(data, "demo.yaml")
    spec = flow.steps["ask"].fields[0]
    assert spec.default == "no"
    run = FlowRun(flow, {}, clock=FakeClock())
    assert run.shown_value(spec) == "no"  # preselected on the form
    assert run.submit_form({}) == {}  # moved on without touching it: agreed
    assert (run.step.name, run.session.values["insured"]) == ("more", "no")
    # Chosen and then unchosen (sent empty) is no answer: a required field still asks.
    run = FlowRun(flow, {}, clock=FakeClock())
    assert set(run.submit_form({"insured": ""})) == {"insured"}
    assert run.step.name == "ask"


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ({**CHOICE, "default": "maybe"}, r"\['maybe'\] not among the choices"),
        ({**CHOICE, "kind": "text", "choices": [], "default": "x"}, "only choice, multi_choice"),
        (
            {"name": "pledge", "kind": "checkbox", "label": CHOICE["label"], "default": "yes"},
            "only choice, multi_choice",
        ),
        ({**CHOICE, "personal": True, "default": "yes"}, "never answered for the citizen"),
    ],
)
def test_a_default_must_be_one_of_the_choices_of_a_choice(field: dict, problem: str) -> None:
    data = edited(MINIMAL, ["steps", "ask", "fields"], [field])
    with pytest.raises(FlowDefinitionError, match=problem):
        parse_flow(data, "demo.yaml")


# Declarations on the confirm step, pledged with its one tap.

PLEDGE = {"name": "pledge", "label": {"zh-CN": "本人承诺属实", "en": "This is true"}}
WITH_CONFIRM = edited(
    MINIMAL,
    ["steps"],
    {
        "ask": {**MINIMAL["steps"]["ask"], "on": {"submit": "check", "timeout": "end"}},
        "check": {
            "kind": "confirm",
            "title": {"zh-CN": "核对", "en": "Check"},
            "timeout": 60,
            "declarations": [PLEDGE],
            "on": {"confirm": "end", "back": "ask", "timeout": "end"},
        },
        "end": MINIMAL["steps"]["end"],
    },
)


def test_a_declaration_is_a_checkbox_of_the_confirm_step_and_an_answer_of_the_flow() -> None:
    flow = parse_flow(WITH_CONFIRM, "demo.yaml")
    (spec,) = flow.steps["check"].declarations
    assert (spec.name, spec.kind.value, spec.required) == ("pledge", "checkbox", True)
    assert flow.find_field("pledge") is spec  # answered, sent and taken with `use:` by name


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (["steps", "ask", "declarations"], [PLEDGE], "only confirm steps show declarations"),
        (["steps", "check", "declarations"], [{**PLEDGE, "kind": "text"}], "checkbox"),
        (["steps", "check", "declarations"], [{**PLEDGE, "required": False}], "must accept"),
        (["steps", "check", "declarations"], [{**PLEDGE, "name": "phone"}], "already asked"),
        (["steps", "check", "on"], {"back": "ask", "timeout": "end"}, "routes confirm"),
    ],
)
def test_a_declaration_the_citizen_could_not_pledge_is_refused(
    path: list[str | int], value: object, problem: str
) -> None:
    with pytest.raises(FlowDefinitionError, match=problem):
        parse_flow(broken(path, value, WITH_CONFIRM), "demo.yaml")


DATE = {"name": "start", "kind": "date", "label": {"zh-CN": "日期", "en": "Date"}}


def test_a_date_may_default_to_today_or_the_first_weekday_and_nothing_else() -> None:
    ok = parse_flow(broken(["steps", "ask", "fields"], [{**DATE, "default": "today"}]), "d.yaml")
    assert ok.steps["ask"].fields[0].default == "today"
    fixed = {**DATE, "default": "2026-01-01"}
    with pytest.raises(FlowDefinitionError, match="a date's default is 'today'.*'first_weekday'"):
        parse_flow(broken(["steps", "ask", "fields"], [fixed]), "d.yaml")
    future = {**DATE, "min_days": 1, "default": "today"}
    with pytest.raises(FlowDefinitionError, match="today is outside"):
        parse_flow(broken(["steps", "ask", "fields"], [future]), "d.yaml")
    booking = {**DATE, "min_days": 1, "max_days": 14, "default": "first_weekday"}
    ok = parse_flow(broken(["steps", "ask", "fields"], [booking]), "d.yaml")
    assert ok.steps["ask"].fields[0].default == "first_weekday"
    # Two days (a Saturday and a Sunday) may hold no weekday at all.
    weekend = {**DATE, "min_days": 1, "max_days": 2, "default": "first_weekday"}
    with pytest.raises(FlowDefinitionError, match="may hold no Monday-to-Friday day"):
        parse_flow(broken(["steps", "ask", "fields"], [weekend]), "d.yaml")


@pytest.mark.parametrize(
    ("today", "opens_on"),
    [
        (dt.date(2026, 12, 1), dt.date(2026, 12, 2)),  # Tuesday: Wednesday
        (dt.date(2026, 12, 4), dt.date(2026, 12, 7)),  # Friday: Monday, not Saturday
        (dt.date(2026, 12, 5), dt.date(2026, 12, 7)),  # Saturday: Monday, not Sunday
        (dt.date(2026, 12, 6), dt.date(2026, 12, 7)),  # Sunday: Monday
    ],
)
def test_a_first_weekday_date_opens_on_the_next_working_day_from_its_earliest(
    today: dt.date, opens_on: dt.date
) -> None:
    from flows import FlowRun
    from tests.support.clock import FakeClock

    booking = {**DATE, "min_days": 1, "max_days": 14, "default": "first_weekday"}
    data = edited(MINIMAL, ["steps", "ask", "fields"], [booking])
    # A second form after it, so the answer is still held when looked at.
    data["steps"]["more"] = {**data["steps"]["ask"], "fields": MINIMAL["steps"]["ask"]["fields"]}
    data["steps"]["ask"]["on"] = {"submit": "more", "timeout": "end"}
    flow = parse_flow(data, "d.yaml")
    spec = flow.steps["ask"].fields[0]
    run = FlowRun(flow, {}, clock=FakeClock(), today=lambda: today)
    assert run.shown_value(spec) == opens_on.isoformat()
    assert run.submit_form({}) == {}  # agreed by moving on: the day is the answer
    assert run.session.values["start"] == opens_on.isoformat()
