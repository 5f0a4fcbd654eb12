from __future__ import annotations

import pytest

from flows import ActionFailed, FlowRun, StepKind, Texts, load_builtin

GOOD_FORM = {
    "phone": "138 1234 5678",
    "employment_type": "employed",
    "employer_name": "示例科技有限公司",
    "start_date": "2026-11-01",
}


def walk_to_confirm(run: FlowRun) -> None:
    assert run.step.name == "identify"
    run.run_action()
    assert run.step.kind is StepKind.FORM
    assert run.submit_form(GOOD_FORM) == {}
    assert run.step.kind is StepKind.CONFIRM


def test_registration_runs_headless_to_completion(make_run, submitted) -> None:
    run = make_run()
    walk_to_confirm(run)
    run.fire("confirm")
    run.run_action()  # submit
    run.run_action()  # print receipt
    assert run.done
    assert run.outcome == "completed"
    assert run.step.name == "done"
    assert submitted == [
        {
            "phone": "13812345678",
            "employment_type": "employed",
            "employer_name": "示例科技有限公司",
            "start_date": "2026-11-01",
            "id_number": "11010519491231002X",
        }
    ]
    assert run.session.record.transaction_number == "KA01-2611260001"


def test_session_is_wiped_when_the_flow_ends(make_run) -> None:
    run = make_run()
    walk_to_confirm(run)
    ident = run.session.identity
    phone = run.session.values["phone"]
    run.fire("confirm")
    run.run_action()
    run.run_action()
    assert run.session.wiped
    assert run.session.identity is None
    assert run.session.values == {}
    assert ident is not None
    assert ident.id_number.wiped
    assert phone.wiped  # type: ignore[union-attr]


def test_confirm_summary_masks_the_id_number(make_run) -> None:
    run = make_run()
    walk_to_confirm(run)
    rows = dict(run.summary())
    assert rows["身份证号"] == "110***********002X"
    assert rows["就业类型"] == "单位就业"
    assert "11010519491231002X" not in repr(run.summary())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "1381234567", "手机号码应为11位"),
        ("phone", "23812345678", "手机号码应以13至19开头"),
        ("employer_name", "", "请填写用人单位名称"),
        ("employer_name", "长" * 61, "用人单位名称最多60个字"),
        ("employment_type", "astronaut", "请选择就业类型"),
        ("start_date", "2026-13-01", "这一天不存在"),
        ("start_date", "31/01/2026", "日期格式应为"),
        ("start_date", "2027-06-01", "日期不能晚于2026-12-26"),
    ],
)
def test_invalid_form_values_are_rejected_with_a_clear_message(
    make_run, field: str, value: str, message: str
) -> None:
    run = make_run()
    run.run_action()
    errors = run.submit_form({**GOOD_FORM, field: value})
    assert list(errors) == [field]
    assert message in errors[field]
    assert run.step.name == "details"


def test_errors_are_in_english_when_the_citizen_chose_english(make_run) -> None:
    run = make_run(lang="en")
    run.run_action()
    errors = run.submit_form({**GOOD_FORM, "phone": "12"})
    assert errors == {"phone": "A mobile number has 11 digits"}


def test_a_card_read_failure_routes_to_a_screen_that_says_what_to_do(make_run) -> None:
    def broken(session):
        raise ActionFailed(Texts("读卡时证件被移开，请重新放置", "The card was moved"))

    run = make_run(read_id_card=broken)
    run.run_action()
    assert run.step.name == "identify_failed"
    assert run.error_message == "读卡时证件被移开，请重新放置"
    assert run.buttons() == ["retry", "cancel"]
    run.fire("retry")
    assert run.step.name == "identify"


def test_a_failed_submit_keeps_the_answers_for_a_retry(make_run, submitted) -> None:
    attempts = []

    def flaky_submit(session):
        attempts.append(1)
        if len(attempts) == 1:
            raise ActionFailed("disk full")
        return "ok"

    run = make_run(submit=flaky_submit)
    walk_to_confirm(run)
    run.fire("confirm")
    run.run_action()
    assert run.step.name == "submit_failed"
    assert run.session.value("phone") == "13812345678"
    run.fire("retry")
    run.run_action()
    assert run.step.name == "receipt"


def test_printer_failure_still_completes_without_receipt(make_run) -> None:
    def no_paper(session):
        raise ActionFailed("paper out")

    run = make_run(print_receipt=no_paper)
    walk_to_confirm(run)
    run.fire("confirm")
    run.run_action()
    run.run_action()
    assert run.step.name == "done_without_receipt"
    assert run.outcome == "completed"


@pytest.mark.parametrize("step", ["identify", "details", "confirm", "identify_failed"])
def test_a_step_left_alone_times_out_and_wipes(make_run, clock, step: str) -> None:
    run = make_run()
    if step == "identify_failed":
        run = make_run(read_id_card=lambda s: (_ for _ in ()).throw(ActionFailed("x")))
        run.run_action()
    elif step != "identify":
        run.run_action()
        if step == "confirm":
            run.submit_form(GOOD_FORM)
    assert run.step.name == step
    clock.advance(run.seconds_left() - 0.5)
    assert not run.check_timeout()
    clock.advance(1)
    assert run.check_timeout()
    assert run.outcome == "expired"
    assert run.session.wiped
    assert run.session.identity is None


def test_touch_restarts_the_step_timer(make_run, clock) -> None:
    run = make_run()
    clock.advance(50)
    run.touch()
    clock.advance(50)
    assert not run.check_timeout()


def test_abort_wipes_mid_flow(make_run) -> None:
    run = make_run()
    walk_to_confirm(run)
    run.abort()
    assert run.outcome == "cancelled"
    assert run.session.identity is None


def test_an_action_that_returns_after_abort_is_dropped_and_wiped(make_run, read_card) -> None:
    holder = {}

    def slow_read(session):
        holder["run"].abort()  # the citizen walked away while the card was being read
        return read_card(session)

    run = make_run(read_id_card=slow_read)
    holder["run"] = run
    run.run_action()
    assert run.outcome == "cancelled"
    assert run.session.identity is None


def test_a_late_result_of_an_earlier_attempt_is_not_applied_to_a_retry(make_run, clock) -> None:
    holder = {}

    def submit_that_outlives_a_retry(session):
        run = holder["run"]
        # While this attempt hangs, the step times out to the failure notice and the
        # citizen taps retry: the run is on `submit` again, but on a new visit of it.
        clock.advance(31)
        assert run.check_timeout()
        assert run.step.name == "submit_failed"
        run.fire("retry")
        return "ok"

    run = make_run(submit=submit_that_outlives_a_retry)
    holder["run"] = run
    walk_to_confirm(run)
    run.fire("confirm")
    run.run_action()
    assert run.step.name == "submit"  # the late "ok" did not move the retry on


def test_a_kiosk_without_a_camera_need_not_bind_the_camera_action() -> None:
    flow = load_builtin("job_search")
    actions = {name: (lambda s: "ok") for name in ("read_id_card", "read_social_card",
               "fetch_jobs", "print_slip")}  # fmt: skip
    run = FlowRun(flow, actions, devices_available={"id_card_reader", "social_card_reader"})
    run.fire("personalised")
    assert "e_social_card" not in run.buttons()
