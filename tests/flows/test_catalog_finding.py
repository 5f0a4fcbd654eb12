"""Finding jobs and policies: job seeker registration, job search and policy lookup send
only what they need and rank on the kiosk."""

from __future__ import annotations

from flows import RunRecord, Session
from flows.content import Match
from tests.flows.catalog_kiosk import Kiosk, card_of
from tests.flows.samples import JOBS

# 求职登记 and 岗位查询 (岗位找人)


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
