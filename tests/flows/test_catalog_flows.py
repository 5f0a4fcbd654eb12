"""Every flow of the catalog runs headless to completion with each identity method it offers;
then what each service asks and sends, as the public service asks it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flows import ActionFailed, Flow, FlowRun, Identity, RunRecord, Session, Texts, UnknownEvent
from flows.actions import IDENTITY_METHODS
from flows.content import Match
from flows.manifest import load_builtin_catalog
from flows.submission import Submission, build_submission, receipt_rows
from pii import Sensitive, mask_name
from pii.idnumber import make_id_number
from tests.flows.helpers import (
    TODAY,
    Stubs,
    apply,
    assert_wiped,
    make_run,
    path_to_completion,
)
from tests.flows.samples import APPLICATIONS, JOBS, SLOTS, fetcher
from tests.support.clock import FakeClock

CATALOG = load_builtin_catalog(today=TODAY)


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


# Helpers for the per-service tests below.


class Kiosk:
    """A run with the stubs, recording what submit would send."""

    def __init__(self, flow_id: str, **actions: Callable[[Session], str | None]) -> None:
        self.flow = CATALOG.flow(flow_id)
        self.stubs = Stubs()
        self.sent: list[Submission] = []
        bound = {**self.stubs.actions(), "submit": self._submit, **actions}
        self.run = FlowRun(self.flow, bound, guards=self.stubs.guards(), clock=FakeClock(),
                           today=lambda: TODAY)  # fmt: skip

    def _submit(self, session: Session) -> str:
        self.sent.append(build_submission(self.flow, session))
        session.record.transaction_number = "KA01-2611260042"
        return "ok"

    def card(self) -> None:
        """Identify with the ID card (after the chooser, if there is one)."""
        if "id_card" in self.run.buttons():
            self.run.fire("id_card")
        self.run.run_action()

    def form(self, **values: str) -> None:
        """Fill the form on screen; every field not given is left empty."""
        errors = self.run.submit_form(values)
        assert errors == {}, errors

    def step(self) -> str:
        return self.run.step.name


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


# 求职登记 and 岗位查询 (岗位找人)


def card_of(age: int, *, male: bool) -> Callable[[Session], str]:
    """A card reader handing out a synthetic citizen of `age` on TODAY."""
    number = make_id_number(
        "331122", TODAY.replace(year=TODAY.year - age, month=1), 1 if male else 2
    )

    def read(session: Session) -> str:
        session.identity = Identity("id_card", Sensitive(number), Sensitive("测试乙", mask_name))
        return "ok"

    return read


def test_a_job_search_sends_only_the_filters_and_ranks_on_the_kiosk() -> None:
    asked: list[dict[str, object]] = []

    def fetch_jobs(session: Session) -> str:
        asked.append({"identity": session.identity is not None, **session.values})
        session.content["jobs"] = [dict(job) for job in JOBS]
        return "ok"

    k = Kiosk("job_search", fetch_jobs=fetch_jobs, read_id_card=card_of(45, male=False))
    k.run.fire("personalised")
    k.card()
    k.form(area="huzhen", industry="manufacturing", work_type="full_time", education="junior_high")
    k.run.run_action()
    assert asked == [{"identity": True, "area": "huzhen", "industry": "manufacturing",
                      "salary_range": "", "work_type": "full_time",
                      "education": "junior_high"}]  # fmt: skip
    ranked = [(i.id, i.match) for i in k.run.items()]
    assert ranked == [
        ("J20261120-031", Match.LIKELY),  # 18-50, junior high or more
        ("J20261115-112", Match.LIKELY),  # 20-55
        ("J20261101-003", Match.LIKELY),  # public-welfare post: a woman over 40
        ("J20261118-007", Match.UNLIKELY),  # needs senior high
    ]


def test_browsing_without_an_id_needs_no_filter_and_keeps_the_banks_order() -> None:
    k = Kiosk("job_search")
    k.run.fire("browse")
    k.form()
    k.run.run_action()
    assert [i.id for i in k.run.items()] == [
        "J20261120-031", "J20261118-007", "J20261115-112", "J20261101-003"
    ]  # fmt: skip
    assert {i.match for i in k.run.items()} == {Match.UNKNOWN}


def test_a_job_slip_prints_the_job_on_screen_and_comes_back_to_it() -> None:
    printed: list[str] = []

    def print_slip(session: Session) -> str:
        item = session.current_item()
        assert item is not None
        printed.append(item.id)
        return "ok"

    k = Kiosk("job_search", print_slip=print_slip)
    k.run.fire("browse")
    k.form()
    k.run.run_action()
    k.run.select("J20261118-007")
    assert k.run.step.show == {"item_qr"}
    k.run.fire("print_slip")
    k.run.run_action()
    assert (k.step(), printed) == ("job", ["J20261118-007"])


def test_after_a_job_seeker_registers_the_jobs_for_them_follow() -> None:
    k = Kiosk("job_seeker_registration", read_id_card=card_of(30, male=True))
    k.card()
    k.form(employment_status="unemployed", education="senior_high", experience="y3_5",
           certificate="none", phone="13912345678",
           industry="manufacturing", work_type="part_time", salary_range="from_3000",
           area="county", available_from="2026-12-01")  # fmt: skip
    k.run.fire("confirm")
    k.run.run_action()  # submit
    k.run.run_action()  # receipt
    assert k.step() == "registered"
    assert k.sent[0].fields["industry"] == "manufacturing"
    k.run.fire("view_jobs")
    k.run.run_action()
    likely = [i.id for i in k.run.items() if i.match is Match.LIKELY]
    assert likely == ["J20261120-031", "J20261118-007", "J20261115-112"]
    k.run.fire("finish")
    assert k.run.follow_on() == (
        "rating",
        RunRecord(transaction_number="KA01-2611260042", service="job_seeker_registration"),
    )


# 政策查询 (政策找人)


def test_policies_a_45_year_old_unemployed_woman_may_qualify_for_come_first() -> None:
    k = Kiosk("policy_lookup", read_id_card=card_of(45, male=False))
    k.run.fire("personalised")
    k.card()
    k.form(employment_status="unemployed", groups="difficulty")
    k.run.run_action()
    likely = [i.title.zh for i in k.run.items() if i.match is Match.LIKELY]
    assert likely == ["大龄失业人员公益性岗位安置", "一次性创业补贴", "失业保险金"]
    k.run.select("P-LS-2024-01")
    detail = k.run.current_item()
    assert detail is not None
    assert [r.zh for r in detail.reasons] == ["符合：已认定的就业困难人员", "不符合：目前就业状态"]


def test_policies_browsed_without_an_id_are_all_unknown_and_nothing_is_sent() -> None:
    k = Kiosk("policy_lookup")
    k.run.fire("browse")
    k.run.run_action()
    assert {i.match for i in k.run.items()} == {Match.UNKNOWN}
    k.run.fire("finish")
    assert k.sent == []
    assert k.run.follow_on() is None  # no transaction, nothing to rate


# 就业困难人员认定申请

BASICS = {"registered_unemployed": "yes", "education": "junior_high", "hukou_type": "urban",
          "phone": "13912345678"}  # fmt: skip
# Pledged with the confirm tap under them, recorded by name as ticked boxes were.
PROMISED = {"able_willing": "yes", "data_check": "yes", "pledge": "yes"}


@pytest.mark.parametrize(
    ("categories", "proofs"),
    [
        ("older", []),
        ("older,long_term", []),
        ("disabled", ["disabled_proof"]),
        ("low_income_margin", ["allowance_proof"]),
        ("zero_employment_family,older", ["family_proof"]),
        ("disabled,minimum_living,zero_employment_family",
         ["disabled_proof", "allowance_proof", "family_proof"]),
        ("minimum_living,zero_employment_family", ["allowance_proof", "family_proof"]),
        ("disabled,zero_employment_family", ["disabled_proof", "family_proof"]),
    ],
)  # fmt: skip
def test_each_category_resting_on_a_certificate_asks_its_declaration_once(
    categories: str, proofs: list[str]
) -> None:
    k = Kiosk("difficulty_identification")
    k.card()
    k.form(**BASICS, categories=categories)
    seen = []
    answers = {"disabled_proof": {"disability_certificate": "yes"},
               "allowance_proof": {"allowance_household": "yes"},
               "family_proof": {"family_members": "2", "family_unemployed": "yes"}}  # fmt: skip
    while k.step() != "confirm":
        seen.append(k.step())
        k.form(**answers[k.step()])
    assert seen == proofs
    k.run.fire("confirm")
    k.run.run_action()
    assert set(k.sent[0].fields["categories"].split(",")) == set(categories.split(","))
    assert PROMISED.items() <= k.sent[0].fields.items()


def test_a_declaration_left_unticked_stops_the_application() -> None:
    k = Kiosk("difficulty_identification")
    k.card()
    k.form(**BASICS, categories="disabled")
    errors = k.run.submit_form({})
    assert errors == {
        "disability_certificate": "请阅读并勾选“本人持有有效的《中华人民共和国残疾人证》（第二代）”"
    }


def test_no_application_without_an_unemployment_registration_and_no_typed_id() -> None:
    k = Kiosk("difficulty_identification")
    assert "typed" not in k.run.buttons()
    k.card()
    k.form(**{**BASICS, "registered_unemployed": "no"}, categories="older")
    assert k.step() == "register_first"
    k.run.fire("finish")
    assert (k.run.outcome, k.sent) == ("cancelled", [])


# 社会保险补贴申领

APPLICANT = {"flexible_work": "delivery", "phone": "13912345678"}
PAID = {"insurance_types": "medical,pension", "period": "2026-01-01至2026-06-30"}
ACCOUNT = {"bank_account": "6222 0212 3456 7890"}  # asked when another bank is chosen
DECLARED_PAID = {
    "paid_in_full": "yes",
    "no_duplicate": "yes",
    "own_account": "yes",
    "pledge": "yes",
}


def test_a_subsidy_claim_is_paid_to_the_account_given_and_shown_masked() -> None:
    k = Kiosk("social_insurance_subsidy")
    k.card()
    k.form(applicant_type="difficulty_flexible", **APPLICANT, **PAID, bank="icbc")
    assert k.step() == "payment"  # no graduation questions for a difficulty case
    k.form(**ACCOUNT)
    assert not DECLARED_PAID.keys() & k.run.session.values.keys()  # not pledged yet
    rows = dict(k.run.summary())
    assert rows["收款账号"] == "6222 **** 7890"
    assert rows["已缴费的险种（可多选）"] == "职工基本养老保险、职工基本医疗保险"
    assert "6222021234567890" not in repr(k.run.summary())
    k.run.fire("confirm")
    k.run.run_action()
    fields = k.sent[0].fields
    assert fields["bank_account"] == "6222021234567890"  # in clear to the controller only
    assert fields["period"] == "2026-01-01/2026-06-30"
    assert fields["insurance_types"] == "pension,medical"
    assert DECLARED_PAID.items() <= fields.items()  # the confirm tap pledged them


def test_a_subsidy_is_paid_to_the_social_security_card_unless_another_bank_is_chosen() -> None:
    k = Kiosk("social_insurance_subsidy")
    k.card()
    k.form(applicant_type="difficulty_flexible", **APPLICANT)  # bank, types, period left
    assert k.step() == "confirm"  # no account typed: the card's account is the default
    k.run.fire("confirm")
    k.run.run_action()
    fields = k.sent[0].fields
    assert (fields["bank"], fields["insurance_types"], fields["period"]) == (
        "social_card",
        "pension,medical",
        "",
    )
    assert "bank_account" not in fields


def test_flexible_work_other_than_listed_is_described_in_words() -> None:
    k = Kiosk("social_insurance_subsidy")
    k.card()
    k.form(applicant_type="difficulty_flexible", **{**APPLICANT, "flexible_work": "other"})
    assert k.step() == "work_other"
    k.form(flexible_work_other="代驾")
    k.run.fire("confirm")
    k.run.run_action()
    assert k.sent[0].fields["flexible_work_other"] == "代驾"


@pytest.mark.parametrize(
    ("period", "error"),
    [
        ("2025-01-01/2026-06-30", "时间段最长366天"),
        ("2026-06-30/2026-01-01", "结束日期不能早于开始日期"),
        ("2023-01-01/2023-06-30", "日期不能早于"),
    ],
)
def test_a_claim_period_is_at_most_a_year_within_the_last_three(period: str, error: str) -> None:
    k = Kiosk("social_insurance_subsidy")
    k.card()
    errors = k.run.submit_form(
        {"applicant_type": "graduate_flexible", **APPLICANT, **PAID, "period": period}
    )
    assert error in errors["period"]


# 职业培训报名, 招聘会报名, 预约服务, 我的办件: a choice from a list goes with the submission


def test_a_training_enrolment_books_the_class_chosen_never_a_full_one() -> None:
    k = Kiosk("training_enrolment")
    k.card()
    k.run.run_action()  # every open class, straight after the card
    k.run.fire("refine")  # the kind of training is a filter of the list
    k.form(training_category="skill_level")
    k.run.run_action()
    with pytest.raises(UnknownEvent):
        k.run.select("T2026-0460")  # 已满
    k.run.select("T2026-0451")
    k.run.fire("sign_up")
    k.run.run_action()  # a place is held at once
    k.form(employment_status="unemployed", education="junior_high", phone="13912345678",
           training_subsidy="yes")  # fmt: skip
    assert dict(k.run.summary())["所选培训班"] == "电工（五级）职业技能等级培训"
    k.run.fire("confirm")
    k.run.run_action()
    assert k.sent[0].fields["attendance"] == "yes"  # pledged with the confirm tap
    assert k.sent[0].selected == {"trainings": "T2026-0451"}
    assert k.sent[0].holds == {"trainings": "0f" * 16}
    assert k.sent[0].flat_fields()["selected.trainings"] == "T2026-0451"


def taken(session: Session) -> str:
    raise ActionFailed(Texts("名额已满", "Full"), event="taken")


def unreachable(session: Session) -> str:
    raise ActionFailed(Texts("网络中断", "Offline"))


def sign_up_for_class(item_id: str, **actions: Callable[[Session], str | None]) -> Kiosk:
    """A training enrolment taken to the class chosen and its hold."""
    k = Kiosk("training_enrolment", **actions)
    k.card()
    k.run.run_action()
    k.run.select(item_id)
    k.run.fire("sign_up")
    k.run.run_action()
    return k


def test_a_class_that_fills_up_meanwhile_goes_back_to_a_fresh_list() -> None:
    k = sign_up_for_class("T2026-0451", hold_place=taken)
    assert (k.step(), k.run.error_message) == ("class_taken", "名额已满")
    k.run.fire("back_to_list")
    k.run.run_action()  # fetched again: the choice and its hold are forgotten
    assert (k.step(), k.run.session.selected) == ("classes", {})


def test_without_the_controller_an_enrolment_goes_on_without_a_hold() -> None:
    k = sign_up_for_class("T2026-0452", hold_place=unreachable)
    assert k.step() == "hold_failed"
    k.run.fire("next")
    k.form(employment_status="unemployed", education="junior_high", phone="13912345678",
           training_subsidy="no")  # fmt: skip
    k.run.fire("confirm")
    k.run.run_action()
    assert (k.sent[0].selected, k.sent[0].holds) == ({"trainings": "T2026-0452"}, {})


def test_choosing_another_slot_drops_the_hold_of_the_first() -> None:
    k = Kiosk("appointment_booking")
    k.card()
    k.form(appointment_service="other", appointment_date="2026-12-01", phone="13912345678")
    k.run.run_action()
    k.run.select("S-0900")
    k.run.run_action()
    assert k.run.session.record.holds["slots"] == "0f" * 16
    k.run.fire("back_to_list")
    k.run.select("S-1400")
    assert "slots" not in k.run.session.record.holds  # the first hold is not sent
    k.run.run_action()
    k.run.fire("confirm")
    k.run.run_action()
    assert (k.sent[0].selected, k.sent[0].holds) == ({"slots": "S-1400"}, {"slots": "0f" * 16})


def test_job_fairs_are_browsed_without_an_id_and_signing_up_asks_for_one() -> None:
    k = Kiosk("job_fair_signup")
    assert k.run.step.action == "fetch_job_fairs"
    k.run.run_action()
    assert [i.available for i in k.run.items()] == [True, True, False]
    k.run.select("F2026-12-05")
    assert k.run.session.identity is None
    k.run.fire("sign_up")
    k.run.run_action()  # the place is held before asking who the citizen is
    k.card()
    k.form(phone="13912345678", education="college", industry="manufacturing",
           resume_help="no")  # fmt: skip
    k.run.fire("confirm")
    k.run.run_action()
    assert k.sent[0].selected == {"job_fairs": "F2026-12-05"}
    assert k.sent[0].identity_method == "id_card"


def test_browsing_job_fairs_and_leaving_is_complete_without_a_transaction() -> None:
    k = Kiosk("job_fair_signup")
    k.run.run_action()
    k.run.fire("finish")
    assert (k.run.outcome, k.sent, k.run.follow_on()) == ("completed", [], None)


def test_an_appointment_asks_the_slots_of_the_day_chosen_and_prints_its_slip() -> None:
    asked: list[tuple[str, str]] = []
    printed: list[tuple[str | None, str | None]] = []

    def fetch_slots(session: Session) -> str:
        asked.append((session.value("appointment_service"), session.value("appointment_date")))
        session.content["slots"] = [dict(s) for s in SLOTS]
        return "ok"

    def print_slip(session: Session) -> str:
        item = session.current_item()
        printed.append((item.title.zh if item else None, session.record.transaction_number))
        return "ok"

    k = Kiosk("appointment_booking", fetch_slots=fetch_slots, print_slip=print_slip)
    k.card()
    today = {"appointment_service": "personnel_file", "appointment_date": "2026-11-26"}
    errors = k.run.submit_form({**today, "phone": "13912345678"})
    assert errors == {"appointment_date": "日期不能早于2026-11-27"}  # not today
    k.form(appointment_service="personnel_file", appointment_date="2026-12-01",
           phone="13912345678")  # fmt: skip
    k.run.run_action()
    assert asked == [("personnel_file", "2026-12-01")]
    with pytest.raises(UnknownEvent):
        k.run.select("S-0930")  # 已约满
    k.run.select("S-1400")
    k.run.run_action()  # hold
    assert k.step() == "confirm"
    assert dict(k.run.summary())["预约时段"] == "14:00-14:30"
    k.run.fire("confirm")
    k.run.run_action()  # submit
    k.run.run_action()  # slip
    assert printed == [("14:00-14:30", "KA01-2611260042")]
    assert k.sent[0].selected == {"slots": "S-1400"}
    assert k.run.step.name == "done"


def test_a_day_without_free_slots_asks_for_another_day() -> None:
    k = Kiosk("appointment_booking", fetch_slots=fetcher("slots", []))
    k.card()
    k.form(appointment_service="other", appointment_date="2026-12-01", phone="13912345678")
    k.run.run_action()
    assert k.step() == "no_slots"
    k.run.fire("other_date")
    assert k.step() == "what"


def test_my_applications_show_the_controllers_status_and_need_a_card() -> None:
    looked_up: list[str] = []

    def fetch_my_applications(session: Session) -> str:
        assert session.identity is not None
        looked_up.append(session.identity.id_number.masked())
        session.content["applications"] = [dict(a) for a in APPLICATIONS]
        return "ok"

    k = Kiosk("my_applications", fetch_my_applications=fetch_my_applications)
    assert "typed" not in k.run.buttons()
    k.card()
    k.run.run_action()
    assert looked_up == ["110***********002X"]
    assert [(i.id, i.status.zh if i.status else "") for i in k.run.items()] == [
        ("KA01-2611250011", "审核中"),
        ("KA01-2611200003", "已办结"),
        ("KA02-2610150002", "退回补正"),
    ]
    k.run.select("KA02-2610150002")
    item = k.run.current_item()
    assert item is not None
    assert item.rows[0][1].zh == "请补充解除劳动合同证明"
    k.run.fire("finish")
    assert (k.run.outcome, k.sent, k.run.follow_on()) == ("completed", [], None)


def test_no_applications_yet_is_said_plainly() -> None:
    k = Kiosk("my_applications", fetch_my_applications=fetcher("applications", []))
    k.card()
    k.run.run_action()
    assert k.step() == "none_found"


# 一件事: one identity, one set of answers, one submission with several items, one receipt

WORK = {"flexible_work_type": "delivery", "employer_name": "美团外卖骑手",
        "start_date": "2026-11-01", "phone": "13912345678"}  # fmt: skip
SUBSIDY = {"applicant_type": "difficulty_flexible", "bank": "icbc",
           "bank_account": "6222021234567890", "own_account": "yes"}  # fmt: skip


def sent_items(k: Kiosk) -> dict[str, dict[str, str]]:
    (submission,) = k.sent
    return {item.service: item.fields for item in submission.items}


def test_flexible_employment_is_one_submission_of_three_services_and_one_receipt() -> None:
    printed: list[str] = []

    def print_receipt(session: Session) -> str:
        printed.append(session.record.transaction_number)
        return "ok"

    k = Kiosk("bundle_flexible_employment", print_receipt=print_receipt)
    k.card()
    k.form(**WORK, insurance_types="pension,medical", contribution_level="100",
           applies_subsidy="yes")  # fmt: skip
    k.form(applicant_type=SUBSIDY["applicant_type"], bank=SUBSIDY["bank"])
    k.form(bank_account=SUBSIDY["bank_account"], own_account=SUBSIDY["own_account"])
    rows = dict(k.run.summary())
    assert rows["一并办理的事项"] == (
        "就业登记（灵活就业）、灵活就业人员参保登记、灵活就业社会保险补贴申领"
    )
    k.run.fire("confirm")
    k.run.run_action()
    k.run.run_action()
    assert (len(k.sent), printed) == (1, ["KA01-2611260042"])  # one transaction, one receipt
    items = sent_items(k)
    assert items["employment_registration"] == {
        "flexible_work_type": "delivery", "employer_name": "美团外卖骑手",
        "start_date": "2026-11-01", "phone": "13912345678", "employment_type": "flexible",
    }  # fmt: skip
    assert items["flexible_insurance_enrolment"] == {
        "insurance_types": "pension,medical", "contribution_level": "100",
        "start_date": "2026-11-01", "phone": "13912345678",
    }  # fmt: skip
    assert items["social_insurance_subsidy"]["bank_account"] == "6222021234567890"
    assert items["social_insurance_subsidy"]["pledge"] == "yes"  # pledged on confirm
    handed = RunRecord(transaction_number="KA01-2611260042", service="bundle_flexible_employment")
    assert k.run.follow_on() == ("rating", handed)


def test_a_bundle_leaves_out_the_services_that_do_not_apply() -> None:
    k = Kiosk("bundle_flexible_employment")
    k.card()
    k.form(**WORK, insurance_types="medical", contribution_level="60", applies_subsidy="no")
    assert k.step() == "confirm"  # no bank account asked
    k.run.fire("confirm")
    k.run.run_action()
    assert list(sent_items(k)) == ["employment_registration", "flexible_insurance_enrolment"]


def test_bundles_ask_each_shared_answer_once_with_the_services_own_checks() -> None:
    flow = CATALOG.flow("bundle_flexible_employment")
    asked = [spec.name for step in flow.steps.values() if not step.identity_method
             for spec in step.asked]  # fmt: skip
    assert len(asked) == len(set(asked))
    # Taken from the services, not written again: the same checks, labels changed here.
    account = flow.find_field("bank_account")
    assert account == CATALOG.flow("social_insurance_subsidy").find_field("bank_account")
    types = flow.find_field("insurance_types")
    assert types is not None
    assert [c.value for c in types.choices] == ["pension", "medical"]  # no unemployment
    errors = Kiosk("bundle_flexible_employment")
    errors.card()
    assert errors.run.submit_form({**WORK, "phone": "1391234567"})["phone"] == "手机号码应为11位"


@pytest.mark.parametrize(
    ("before", "services"),
    [
        ({"registered_unemployed": "no", "receiving_benefit": "no"}, ["employment_registration"]),
        ({"registered_unemployed": "yes", "receiving_benefit": "no"},
         ["employment_registration", "unemployment_deregistration"]),
        ({"registered_unemployed": "yes", "receiving_benefit": "yes"},
         ["employment_registration", "unemployment_deregistration", "unemployment_benefit_stop"]),
    ],
)  # fmt: skip
def test_starting_a_job_closes_what_the_new_job_ends(before: dict, services: list[str]) -> None:
    k = Kiosk("bundle_onboarding")
    assert "typed" not in k.run.buttons()
    k.card()
    k.form(employer_name="缙云县某机械制造有限公司", start_date="2026-11-20",
           contract_type="fixed_term", phone="13912345678", **before)  # fmt: skip
    k.run.fire("confirm")
    k.run.run_action()
    items = sent_items(k)
    assert list(items) == services
    assert items["employment_registration"]["employment_type"] == "employed"


ENDED = {"last_employer": "缙云县某电子商务有限公司", "unemployed_since": "2026-11-15",
         "insured": "yes"}  # fmt: skip
ABOUT = {"education": "senior_high", "hukou_type": "rural", "phone": "13912345678"}
SEEKING = {"no_job": "yes", "able_willing": "yes", "pledge": "yes"}  # pledged on confirm


def test_after_a_contract_ends_the_benefit_and_job_offers_go_with_the_registration() -> None:
    k = Kiosk("bundle_contract_termination")
    k.card()
    k.form(reason="dismissed", **ENDED, **ABOUT, bank="ccb", wants_jobs="yes",
           wants_training="no", industry="retail", work_type="full_time",
           area="county")  # fmt: skip
    k.form(bank_account="6217001234567890123", own_account="yes")
    k.run.fire("confirm")
    k.run.run_action()
    items = sent_items(k)
    assert list(items) == ["unemployment_registration", "unemployment_benefit",
                           "job_seeker_registration"]  # fmt: skip
    assert items["unemployment_benefit"]["reason"] == "dismissed"
    assert items["job_seeker_registration"]["industry"] == "retail"
    assert "bank_account" not in items["unemployment_registration"]
    assert SEEKING.items() <= items["unemployment_registration"].items()


def test_a_resignation_is_not_offered_the_benefit() -> None:
    k = Kiosk("bundle_contract_termination")
    k.card()
    reasons = [c.value for c in k.run.step.fields[0].choices]
    assert reasons == ["dismissed", "contract_expired", "employer_closed", "resigned"]
    k.form(reason="resigned", **ENDED, **ABOUT, bank="ccb", wants_jobs="no", wants_training="yes")
    assert k.step() == "confirm"  # no account asked: no benefit is claimed
    k.run.fire("confirm")
    k.run.run_action()
    assert list(sent_items(k)) == ["unemployment_registration"]


def test_a_new_job_starts_today_unless_the_citizen_picks_another_day() -> None:
    k = Kiosk("bundle_onboarding")
    k.card()
    spec = k.flow.find_field("start_date")
    assert spec is not None
    assert k.run.shown_value(spec) == TODAY.isoformat()  # the form opens on today
    k.form(employer_name="缙云县某机械制造有限公司", phone="13912345678",
           registered_unemployed="no")  # fmt: skip
    k.run.fire("confirm")
    k.run.run_action()
    assert k.sent[0].fields["start_date"] == TODAY.isoformat()


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
