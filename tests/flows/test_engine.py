"""Routes with guards, device fallbacks, resume without personal data, crashes that still wipe."""

from __future__ import annotations

import json

import pytest

from flows import (
    ActionFailed,
    FlowRun,
    FlowStateError,
    Session,
    SnapshotRefused,
    StepKind,
    UnknownEvent,
)
from tests.flows.helpers import (
    ID_NUMBER,
    PHONE,
    SAMPLE,
    TODAY,
    Stubs,
    assert_wiped,
    make_run,
)
from tests.support.clock import FakeClock


def new_run(clock: FakeClock, stubs: Stubs, **options: object) -> FlowRun:
    return make_run(SAMPLE, clock, stubs, **options)


def to_contact(run: FlowRun, method: str = "id_card") -> None:
    assert run.submit_form({"kind": "employed"}) == {}
    assert run.step.name == "identify"
    run.fire(method)
    if method == "typed":
        assert run.submit_form({"id_number": ID_NUMBER, "name": "测试甲"}) == {}
    else:
        run.run_action()
    assert run.step.name == "contact"


def test_a_route_follows_a_form_value(clock, stubs) -> None:
    run = new_run(clock, stubs)
    run.submit_form({"kind": "flexible"})
    assert run.step.name == "flexible_info"
    run.fire("back")
    run.submit_form({"kind": "employed"})
    assert run.step.name == "identify"


@pytest.mark.parametrize(
    ("online", "method", "next_step"),
    [
        (True, "id_card", "submit"),
        (False, "id_card", "offline"),
        (True, "typed", "typed_notice"),
        (False, "typed", "offline"),  # the first route that holds wins
    ],
)
def test_routes_ask_bound_and_engine_guards_in_order(
    clock, stubs, online: bool, method: str, next_step: str
) -> None:
    stubs.online = online
    run = new_run(clock, stubs)
    to_contact(run, method)
    run.submit_form({"phone": PHONE})
    assert run.step.name == next_step


def test_a_flow_using_a_guard_the_kiosk_did_not_bind_will_not_start(stubs) -> None:
    with pytest.raises(ValueError, match="guards not bound: \\['controller_online'\\]"):
        FlowRun(SAMPLE, stubs.actions())


def test_without_a_printer_the_receipt_step_is_replaced_by_the_qr_e_receipt(clock, stubs) -> None:
    run = new_run(clock, stubs, devices_available={"id_card_reader"})
    to_contact(run)
    run.submit_form({"phone": PHONE})
    run.run_action()  # submit
    assert run.step.name == "e_receipt"
    assert run.step.show == {"receipt_qr"}
    assert run.session.record.transaction_number == "KA01-2611260001"
    assert run.outcome == "completed"


def test_a_step_replaced_by_its_fallback_needs_no_bound_action(stubs) -> None:
    actions = stubs.actions()
    del actions["print_receipt"]
    FlowRun(SAMPLE, actions, guards=stubs.guards(), devices_available={"id_card_reader"})
    with pytest.raises(ValueError, match="print_receipt"):
        FlowRun(SAMPLE, actions, guards=stubs.guards())


def test_identity_methods_without_their_device_are_not_offered(clock, stubs) -> None:
    run = new_run(clock, stubs, devices_available={"social_card_reader"})
    run.submit_form({"kind": "employed"})
    assert run.buttons() == ["social_card", "typed", "cancel"]
    with pytest.raises(UnknownEvent):
        run.fire("id_card")


def test_calls_that_do_not_fit_the_step_are_documented_errors(clock, stubs) -> None:
    run = new_run(clock, stubs)
    with pytest.raises(FlowStateError):
        run.run_action()
    with pytest.raises(UnknownEvent):
        run.fire("dance")
    run.abort()
    with pytest.raises(FlowStateError):
        run.fire("cancel")
    with pytest.raises(FlowStateError):
        run.submit_form({})


def test_an_action_that_crashes_ends_the_run_wiped_and_the_error_goes_on(clock, stubs) -> None:
    def broken_submit(session: Session) -> str:
        raise OSError("disk gone")

    run = FlowRun(
        SAMPLE,
        {**stubs.actions(), "submit": broken_submit},
        guards=stubs.guards(),
        clock=clock,
        today=lambda: TODAY,
    )
    to_contact(run)
    run.submit_form({"phone": PHONE})
    with pytest.raises(OSError, match="disk gone"):
        run.run_action()
    assert run.outcome == "failed"
    assert_wiped(run, stubs)


def test_an_event_the_action_step_does_not_route_becomes_its_error(clock, stubs) -> None:
    run = new_run(clock, stubs)
    to_contact(run)
    run.submit_form({"phone": PHONE})
    run._actions = {**run._actions, "submit": lambda s: "something_else"}
    run.run_action()
    assert run.step.name == "cancelled"  # an event the step does not route is its error


# Resume after a kiosk restart.


def test_a_snapshot_before_identity_resumes_where_the_citizen_was(clock, stubs) -> None:
    run = new_run(clock, stubs)
    run.submit_form({"kind": "flexible", "note": ""})
    snap = run.snapshot()
    assert snap == {
        "format": 2,
        "flow": "sample",
        "version": 4,
        "step": "flexible_info",
        "values": {"kind": "flexible", "note": ""},
        "record": {},
    }
    saved = json.loads(json.dumps(snap))  # what the kiosk writes to disk and reads back
    resumed = FlowRun.restore(SAMPLE, saved, stubs.actions(), guards=stubs.guards(), clock=clock,
                              today=lambda: TODAY)  # fmt: skip
    assert resumed.step.name == "flexible_info"
    assert resumed.session.value("kind") == "flexible"
    assert resumed.seconds_left() == 60
    resumed.fire("next")
    assert resumed.step.name == "identify"


def test_a_session_with_personal_data_is_never_snapshotted(clock, stubs) -> None:
    run = new_run(clock, stubs)
    to_contact(run)
    assert run.step.resumable
    with pytest.raises(SnapshotRefused, match="personal data"):
        run.snapshot()


@pytest.mark.parametrize("note", ["夜班", "测试甲", ID_NUMBER])
def test_a_session_holding_free_text_is_never_snapshotted(clock, stubs, note: str) -> None:
    """A citizen may type their name or ID number into any text box; nothing can tell."""
    run = new_run(clock, stubs)
    run.submit_form({"kind": "flexible", "note": note})
    with pytest.raises(SnapshotRefused, match="free text"):
        run.snapshot()


def test_fetched_content_is_never_snapshotted(clock, stubs) -> None:
    """Content is fetched again after a restart; a choice in it would point at nothing."""
    run = new_run(clock, stubs)
    run.session.content["jobs"] = ()
    with pytest.raises(SnapshotRefused, match="fetched content"):
        run.snapshot()


def test_a_step_not_declared_resumable_is_not_snapshotted(clock, stubs) -> None:
    run = new_run(clock, stubs)
    run.submit_form({"kind": "employed"})
    assert run.step.kind is StepKind.NOTICE
    with pytest.raises(SnapshotRefused, match="not resumable"):
        run.snapshot()


GOOD_SNAPSHOT = {
    "format": 2,
    "flow": "sample",
    "version": 4,
    "step": "situation",
    "values": {"kind": "employed"},
    "record": {},
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"version": 3}, "another flow or version"),
        ({"flow": "other"}, "another flow or version"),
        ({"format": 1}, "another format"),  # format 1 kept `public` strings
        ({"step": "identify"}, "cannot be resumed"),
        ({"step": "submit"}, "cannot be resumed"),
        ({"step": "nowhere"}, "cannot be resumed"),
        ({"values": {"phone": PHONE}}, "unexpected value 'phone'"),
        ({"values": {"id_number": ID_NUMBER}}, "unexpected value 'id_number'"),
        ({"values": {"kind": "astronaut"}}, "no longer accepted"),
        ({"values": {"note": "测试甲"}}, "unexpected value 'note'"),
        ({"values": {"kind": 1}}, "not text"),
        ({"record": []}, "not text"),
        ({"record": {"holds": "H-1"}}, "unknown fields"),  # a hold is never resumed
        ({"extra": 1}, "not a snapshot"),
    ],
)
def test_a_snapshot_that_does_not_fit_is_refused(stubs, change: dict, problem: str) -> None:
    with pytest.raises(SnapshotRefused, match=problem):
        FlowRun.restore(SAMPLE, {**GOOD_SNAPSHOT, **change}, stubs.actions(),
                        guards=stubs.guards(), today=lambda: TODAY)  # fmt: skip


def test_abort_wipes_even_a_session_that_ended_elsewhere(clock, stubs) -> None:
    run = new_run(clock, stubs)
    to_contact(run)
    run.abort("failed")
    assert run.outcome == "failed"
    assert_wiped(run, stubs)


def test_action_failed_carries_texts_in_the_run_language(clock, stubs) -> None:
    from flows import Texts

    def no_card(session: Session) -> str:
        raise ActionFailed(Texts("请重新放置身份证", "Place the card again"))

    run = FlowRun(SAMPLE, {**stubs.actions(), "read_id_card": no_card}, guards=stubs.guards(),
                  lang="en", clock=clock, today=lambda: TODAY)  # fmt: skip
    run.submit_form({"kind": "employed"})
    run.fire("id_card")
    run.run_action()
    assert run.step.name == "identify.id_card.failed"
    assert run.error_message == "Place the card again"


def test_an_unsupported_action_needs_no_binding_and_its_method_is_not_offered(clock) -> None:
    """A kiosk that declares an action unsupported runs the flow without binding it, and the
    identity method that needs it is not among the buttons, even with its device working."""
    from flows import load_builtin

    flow = load_builtin("bundle_flexible_employment")
    stubs = Stubs()
    actions = {k: v for k, v in stubs.actions().items() if k != "scan_e_social_card"}
    with pytest.raises(ValueError, match="scan_e_social_card"):
        FlowRun(flow, actions, guards=stubs.guards(), clock=clock)
    run = FlowRun(
        flow, actions, guards=stubs.guards(), clock=clock, unsupported={"scan_e_social_card"}
    )
    offered = FlowRun(flow, stubs.actions(), guards=stubs.guards(), clock=clock).buttons()
    assert "e_social_card" in offered
    assert "e_social_card" not in run.buttons()
    assert "id_card" in run.buttons()
