"""The shared identity step: every method, the method recorded, the typed last resort checked."""

from __future__ import annotations

import pytest

from flows import FlowDefinitionError, FlowRun, Identity, Session, StepKind, load_builtin
from flows.loader import parse_flow
from flows.texts import NO_IDENTITY
from pii import Sensitive
from tests.flows.helpers import ID_NUMBER, NAME, TODAY, Stubs, assert_wiped
from tests.support.clock import FakeClock

T = {"zh-CN": "文", "en": "Text"}


def flow_with(methods: list[str], **identity: object) -> dict:
    return {
        "id": "ident",
        "version": 1,
        "title": T,
        "start": "identify",
        "steps": {
            "identify": {"kind": "identity", "methods": methods, "timeout": 60,
                         "on": {"ok": "ready", "cancel": "cancelled", "timeout": "expired"},
                         **identity},
            "ready": {"kind": "confirm", "title": T, "timeout": 60,
                      "on": {"confirm": "done", "cancel": "cancelled"}},
            "done": {"kind": "end", "outcome": "completed", "title": T},
            "cancelled": {"kind": "end", "outcome": "cancelled", "title": T},
            "expired": {"kind": "end", "outcome": "expired", "title": T},
        },
    }  # fmt: skip


ALL = ["id_card", "social_card", "e_social_card", "typed"]
FLOW = parse_flow(flow_with(ALL), "ident.yaml")


def new_run(flow=FLOW, stubs: Stubs | None = None, **kw) -> FlowRun:
    stubs = stubs or Stubs()
    kw.setdefault("today", lambda: TODAY)
    return FlowRun(flow, stubs.actions(), clock=FakeClock(), **kw)


def test_the_identity_step_becomes_a_chooser_and_one_step_per_method() -> None:
    steps = FLOW.steps
    assert steps["identify"].kind is StepKind.NOTICE
    assert list(steps["identify"].on) == [*ALL, "cancel", "timeout"]
    assert {n: (s.kind, s.action) for n, s in steps.items() if n.startswith("identify.")} == {
        "identify.id_card": (StepKind.ACTION, "read_id_card"),
        "identify.id_card.failed": (StepKind.NOTICE, None),
        "identify.id_card.expired": (StepKind.NOTICE, None),
        "identify.social_card": (StepKind.ACTION, "read_social_card"),
        "identify.social_card.failed": (StepKind.NOTICE, None),
        "identify.social_card.expired": (StepKind.NOTICE, None),
        "identify.e_social_card": (StepKind.ACTION, "scan_e_social_card"),
        "identify.e_social_card.failed": (StepKind.NOTICE, None),
        "identify.e_social_card.expired": (StepKind.NOTICE, None),
        "identify.typed": (StepKind.FORM, None),
    }
    assert steps["identify.social_card"].needs == {"social_card_reader"}
    assert steps["identify.e_social_card"].needs == {"camera"}
    assert steps["identify.typed"].needs == frozenset()


def test_one_method_needs_no_chooser() -> None:
    flow = parse_flow(flow_with(["social_card"]), "one.yaml")
    assert flow.steps["identify"].action == "read_social_card"
    assert flow.steps["identify.failed"].on == {
        "retry": "identify", "cancel": "cancelled", "timeout": "expired"
    }  # fmt: skip


@pytest.mark.parametrize("method", ["id_card", "social_card", "e_social_card"])
def test_each_card_method_identifies_and_is_recorded(method: str) -> None:
    run = new_run()
    run.fire(method)
    run.run_action()
    assert run.step.name == "ready"
    assert run.session.identity is not None
    assert run.session.identity.method == method
    assert dict(run.summary())["身份证号"] == "110***********002X"


def test_the_method_recorded_is_the_one_the_flow_offered_not_what_the_binding_says() -> None:
    def mislabelled(session: Session) -> str:
        session.identity = Identity("id_card", Sensitive(ID_NUMBER), Sensitive(NAME))
        return "ok"

    run = FlowRun(FLOW, {**Stubs().actions(), "scan_e_social_card": mislabelled})
    run.fire("e_social_card")
    run.run_action()
    assert run.session.identity is not None
    assert run.session.identity.method == "e_social_card"


def test_typing_the_id_number_is_checked_and_recorded_as_typed() -> None:
    run = new_run(lang="en")
    run.fire("typed")
    assert run.seconds_left() == 60
    errors = run.submit_form({"id_number": "110105194912310021", "name": "Zhang"})
    assert errors == {
        "id_number": "This ID number is not valid; please check it",
        "name": "Please enter a name in Chinese (· allowed)",
    }
    assert run.session.identity is None
    assert run.submit_form({"id_number": ID_NUMBER.lower(), "name": NAME}) == {}
    assert run.step.name == "ready"
    ident = run.session.identity
    assert ident is not None
    assert (ident.method, ident.id_number.reveal(), ident.name.reveal()) == (
        "typed", ID_NUMBER, NAME
    )  # fmt: skip
    assert run.session.values == {}  # identity, not form values: never in a snapshot


def test_a_failed_read_offers_retry_another_way_or_cancel() -> None:
    stubs = Stubs()
    run = FlowRun(FLOW, {**stubs.actions(), "read_id_card": lambda s: "error"})
    run.fire("id_card")
    run.run_action()
    assert run.step.name == "identify.id_card.failed"
    assert run.buttons() == ["retry", "other_method", "cancel"]
    run.fire("other_method")
    assert run.step.name == "identify"


def _expired_card(session: Session) -> str:
    session.identity = Identity("id_card", Sensitive(ID_NUMBER), Sensitive(NAME), expired=True)
    return "ok"


def test_an_expired_card_is_refused_where_the_flow_files_something() -> None:
    run = FlowRun(FLOW, {**Stubs().actions(), "read_id_card": _expired_card})
    run.fire("id_card")
    run.run_action()
    assert run.step.name == "identify.id_card.expired"
    assert run.step.title.en == "Your document has expired"
    assert run.step.prompt is not None
    assert "needs a valid one" in run.step.prompt.en
    # Another card, or leave: typing the same card's number is no way round it.
    assert run.buttons() == ["retry", "cancel"]
    run.fire("cancel")
    assert run.done
    assert run.session.identity is None


def test_an_expired_card_may_look_things_up_where_the_flow_says_so() -> None:
    flow = parse_flow(flow_with(ALL, expired_document="accept"), "lookup.yaml")
    run = FlowRun(flow, {**Stubs().actions(), "read_id_card": _expired_card})
    run.fire("id_card")
    run.run_action()
    assert run.step.name == "identify.id_card.expired"
    assert run.step.prompt is not None
    assert "仍可以查询" in run.step.prompt.zh  # told, then let through
    run.fire("next")
    assert run.step.name == "ready"
    assert run.session.identity is not None
    assert run.session.identity.method == "id_card"


def test_a_valid_card_never_sees_the_expired_notice() -> None:
    run = new_run()
    run.fire("id_card")
    run.run_action()
    assert run.step.name == "ready"


def test_a_read_that_reports_ok_without_an_identity_is_an_error() -> None:
    run = FlowRun(FLOW, {**Stubs().actions(), "read_social_card": lambda s: "ok"})
    run.fire("social_card")
    run.run_action()
    assert run.step.name == "identify.social_card.failed"
    assert run.error_message == NO_IDENTITY.zh


def test_the_typed_way_offers_to_go_back_to_the_cards() -> None:
    run = new_run()
    run.fire("typed")
    assert run.buttons() == ["submit", "other_method", "cancel"]


def test_typed_timeout_gives_people_time_to_type() -> None:
    flow = parse_flow(flow_with(ALL, typed_timeout=240), "t.yaml")
    assert flow.steps["identify.typed"].timeout == 240
    assert flow.steps["identify.id_card"].timeout == 60


@pytest.mark.parametrize("method", ALL)
def test_a_session_ended_after_identity_is_wiped(method: str) -> None:
    stubs = Stubs()
    run = new_run(stubs=stubs)
    run.fire(method)
    if method == "typed":
        run.submit_form({"id_number": ID_NUMBER, "name": NAME})
    else:
        run.run_action()
    ident = run.session.identity
    run.fire("confirm")
    assert ident is not None
    assert ident.id_number.wiped
    assert ident.name.wiped
    assert_wiped(run, stubs)


def test_the_demo_flow_records_its_card_read_as_an_identity_step() -> None:
    assert load_builtin("employment_registration").steps["identify"].identity_method == "id_card"


@pytest.mark.parametrize(
    ("change", "where", "problem"),
    [
        ({"methods": ["typed", "id_card"]}, "steps.identify.methods", "typed goes last"),
        ({"methods": ["fingerprint"]}, "steps.identify.methods[0]", "unknown method"),
        ({"methods": ["id_card", "id_card"]}, "steps.identify.methods", "listed twice"),
        ({"methods": []}, "steps.identify.methods", "at least one"),
        ({"on": {"ok": "ready"}}, "steps.identify.on", "missing key cancel"),
        ({"on": {"ok": "ready", "cancel": "cancelled", "back": "ready"}}, "steps.identify.on",
         "unknown key(s) back"),
        ({"on": {"ok": "nowhere", "cancel": "cancelled"}}, "steps.identify.id_card.on.ok",
         "unknown step"),
        ({"action": "read_id_card"}, "steps.identify", "unknown key(s) action"),
        ({"title": {"zh-CN": "身份"}}, "steps.identify.title", "missing translation en"),
        ({"expired_document": "sometimes"}, "steps.identify.expired_document",
         "accept (looking things up) or refuse"),
    ],
)  # fmt: skip
def test_identity_step_mistakes_name_the_path(change: dict, where: str, problem: str) -> None:
    data = flow_with(ALL)
    data["steps"]["identify"].update(change)
    with pytest.raises(FlowDefinitionError) as caught:
        parse_flow(data, "ident.yaml")
    assert caught.value.path == where
    assert problem in caught.value.problem


def test_a_step_that_reads_a_card_must_say_where_an_expired_one_goes() -> None:
    flow = {
        "id": "plain", "version": 1, "title": T, "start": "read",
        "steps": {
            "read": {"kind": "action", "action": "read_id_card", "title": T, "timeout": 60,
                     "on": {"ok": "done", "error": "done", "cancel": "done"}},
            "done": {"kind": "end", "outcome": "completed", "title": T},
        },
    }  # fmt: skip
    with pytest.raises(FlowDefinitionError) as caught:
        parse_flow(flow, "plain.yaml")
    assert "steps.read.on" in str(caught.value)
    assert "expired_document" in str(caught.value)
    flow["steps"]["read"]["on"]["expired_document"] = "done"  # type: ignore[index]
    assert parse_flow(flow, "plain.yaml").steps["read"].on["expired_document"] == "done"
