"""Services chosen from a list (training, job fairs, appointments, my applications): the
choice goes with the submission, holds and full lists handled."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flows import ActionFailed, Session, Texts, UnknownEvent
from tests.flows.catalog_kiosk import Kiosk
from tests.flows.samples import APPLICATIONS, SLOTS, fetcher

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
