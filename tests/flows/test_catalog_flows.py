"""Every flow of the catalog runs headless to completion with each identity method it offers;
then the rating and the unemployment registration, as the public service asks them."""

from __future__ import annotations

import pytest

from flows import Flow, RunRecord, Session
from flows.actions import IDENTITY_METHODS
from flows.submission import receipt_rows
from tests.flows.catalog_kiosk import CATALOG, Kiosk
from tests.flows.helpers import (
    Stubs,
    apply,
    assert_wiped,
    make_run,
    path_to_completion,
)
from tests.support.clock import FakeClock


def methods_offered(flow: Flow) -> list[str | None]:
    """The identity methods a flow offers, in its order; [None] if it asks nobody."""
    found = [s.identity_method for s in flow.steps.values() if s.identity_method]
    return list(dict.fromkeys(found)) or [None]


CASES = [
    pytest.param(flow_id, method, id=f"{flow_id}:{method or 'no identity'}")
    for flow_id, flow in sorted(CATALOG.flows.items())
    for method in methods_offered(flow)
]


@pytest.mark.parametrize(("flow_id", "method"), CASES)
def test_every_flow_completes_with_each_identity_method_it_offers(
    flow_id: str, method: str | None
) -> None:
    flow = CATALOG.flow(flow_id)
    path = path_to_completion(flow, lambda: make_run(flow, FakeClock(), Stubs()), method)
    assert path is not None, f"{flow_id} cannot be completed with {method}"
    stubs = Stubs()
    run = make_run(flow, FakeClock(), stubs)
    for item in path:
        apply(run, item)
    assert run.outcome == "completed"
    assert_wiped(run, stubs)
    if any(s.action == "submit" for s in flow.steps.values()):
        # A transaction: it has its number, and the rating follows it.
        assert run.follow_on() == (
            "rating",
            RunRecord(transaction_number="KA01-2611260001", service=flow_id),
        )


def test_the_identity_methods_are_the_known_ones() -> None:
    for flow in CATALOG.flows.values():
        assert set(methods_offered(flow)) <= {*IDENTITY_METHODS, None}


# 好差评


@pytest.mark.parametrize(("stars", "asks_why"), [("1", True), ("2", True), ("3", False),
                                                 ("4", False), ("5", False)])  # fmt: skip
def test_the_rating_asks_why_on_one_or_two_stars_only(stars: str, asks_why: bool) -> None:
    k = Kiosk("rating")
    k.form(stars=stars)
    assert k.step() == ("reasons" if asks_why else "send")


def test_a_low_rating_needs_a_reason_and_may_have_a_comment() -> None:
    rated: list[dict[str, str]] = []

    def submit_rating(session: Session) -> str:
        rated.append({k: session.value(k) for k in session.values})
        return "ok"

    k = Kiosk("rating", submit_rating=submit_rating)
    k.form(stars="1")
    assert "reasons" in k.run.submit_form({"comment": "太慢"})  # a reason is required
    k.form(reasons="too_long,not_told_once", comment="")
    k.run.run_action()
    assert k.run.outcome == "completed"
    assert rated == [{"stars": "1", "reasons": "too_long,not_told_once", "comment": ""}]


def test_the_rating_can_be_skipped_and_is_never_rated_itself() -> None:
    k = Kiosk("rating")
    k.run.fire("skip")
    assert k.run.outcome == "cancelled"
    assert all(s.then is None for s in k.flow.steps.values())
    assert "rating" not in [s.flow.id for s in CATALOG.services]


# 失业登记

SITUATION = {
    "reason": "dismissed",
    "last_employer": "缙云县某机械制造有限公司",
    "unemployed_since": "2026-10-31",
    "insured": "yes",
    "education": "junior_high",
    "hukou_type": "rural",
}
INTENTION = {"seeking": "job", "desired_job": "普工", "wants_jobs": "yes", "phone": "13912345678"}
# Shown on the confirm screen and pledged with its one tap: recorded by name, as ticks were.
DECLARED = {"no_job": "yes", "able_willing": "yes", "pledge": "yes"}


def test_unemployment_registration_asks_what_the_service_asks_and_sends_it() -> None:
    k = Kiosk("unemployment_registration")
    k.card()
    k.form(**SITUATION, **INTENTION, wants_training="yes")
    assert k.step() == "training"
    k.form(training_interest="electrician,forklift")
    assert k.step() == "confirm"
    rows = dict(k.run.summary())
    assert rows["失业原因"] == "用人单位解除劳动合同"
    assert rows["想参加的培训（可多选）"] == "电工、叉车司机（特种作业）"
    k.run.fire("confirm")
    k.run.run_action()
    (sent,) = k.sent
    assert sent.identity_method == "id_card"
    assert sent.items == ()
    assert sent.fields == {**SITUATION, **INTENTION, "wants_training": "yes",
                           "training_interest": "electrician,forklift", **DECLARED}  # fmt: skip


def test_no_training_question_unless_wanted_and_every_declaration_is_pledged_on_confirm() -> None:
    k = Kiosk("unemployment_registration")
    k.card()
    k.form(**SITUATION, **INTENTION, wants_training="no")
    assert k.step() == "confirm"
    assert [spec.name for spec in k.run.step.declarations] == list(DECLARED)
    assert not DECLARED.keys() & k.run.session.values.keys()  # nothing pledged before the tap
    k.run.fire("back")  # going back to edit pledges nothing either
    assert not DECLARED.keys() & k.run.session.values.keys()
    k.form(**SITUATION, **INTENTION, wants_training="no")
    k.run.fire("confirm")
    assert DECLARED.items() <= k.run.session.values.items()


def test_a_typed_identity_is_told_it_will_be_checked() -> None:
    k = Kiosk("unemployment_registration")
    k.run.fire("typed")
    k.form(id_number="11010519491231002X", name="测试甲")
    k.form(**SITUATION, **INTENTION, wants_training="no")
    k.run.fire("confirm")
    assert k.step() == "typed_notice"
    k.run.fire("next")
    k.run.run_action()
    assert k.sent[0].identity_method == "typed"


def test_the_receipt_says_the_declarations_were_pledged_in_one_line() -> None:
    k = Kiosk("unemployment_registration")
    k.card()
    k.form(**SITUATION, **INTENTION, wants_training="no")
    assert "声明与承诺" not in dict(receipt_rows(k.flow, k.run.session))
    k.run.fire("confirm")
    rows = dict(receipt_rows(k.flow, k.run.session))
    assert rows["声明与承诺"] == "已阅读并承诺属实（3项）"
    assert dict(receipt_rows(k.flow, k.run.session, "en"))["Declarations"] == (
        "Read and declared true (3)"
    )
