"""Content from outside the flow: fetched, checked, listed, chosen, shown, printed, wiped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flows import FlowRun, FlowStateError, Identity, Session, StepKind, UnknownEvent, load_flow
from flows.content import MAX_ITEMS, Item, Match, parse_items
from flows.texts import CONTENT_UNAVAILABLE
from pii import Sensitive, mask_name
from pii.idnumber import make_id_number
from tests.flows.helpers import ID_NUMBER, TODAY, Stubs, assert_wiped
from tests.flows.samples import JOBS, fetcher
from tests.support.clock import FakeClock

SHOP = load_flow(Path(__file__).with_name("library") / "shop.yaml")
VALID_JOBS = ["J20261120-031", "J20261118-007", "J20261115-112", "J20261101-003"]


def shop(
    clock: FakeClock,
    stubs: Stubs,
    lang: str = "zh-CN",
    devices: set[str] | None = None,
    **actions: Callable[[Session], str | None],
) -> FlowRun:
    return FlowRun(SHOP, {**stubs.actions(), **actions}, guards=stubs.guards(), lang=lang,
                   clock=clock, today=lambda: TODAY, devices_available=devices)  # fmt: skip


def to_list(run: FlowRun, education: str = "junior_high") -> None:
    assert run.submit_form({"industry": "manufacturing", "education": education}) == {}
    run.run_action()


def writes(content: object) -> Callable[[Session], str]:
    def fetch(session: Session) -> str:
        session.content["jobs"] = content
        return "ok"

    return fetch


def test_fetched_items_are_checked_before_the_list_shows_them(clock, stubs) -> None:
    run = shop(clock, stubs, lang="en")
    to_list(run)
    assert run.step.kind is StepKind.LIST
    items = run.session.items("jobs")
    assert [i.id for i in items] == VALID_JOBS  # "bad item" (a space in its id) is dropped
    assert all(isinstance(i, Item) for i in items)
    assert items[0].title.get("en") == "CNC lathe operator"
    assert items[0].rows[2][0].zh == "薪资待遇"
    assert items[2].summary is not None
    assert items[2].summary.en == items[2].summary.zh


def test_choosing_an_item_opens_its_detail_and_back_returns_to_the_list(clock, stubs) -> None:
    run = shop(clock, stubs)
    to_list(run)
    assert "select" not in run.buttons()
    run.select("J20261115-112")
    assert run.step.name == "job"
    item = run.current_item()
    assert item is not None
    assert item.title.zh == "养老护理员"
    run.fire("back_to_list")
    run.select("J20261120-031")
    assert run.current_item() is not None
    assert run.session.selected == {"jobs": "J20261120-031"}


def test_an_item_is_chosen_only_through_select_and_only_if_available(clock, stubs) -> None:
    content = [{"id": "A1", "title": "在招"}, {"id": "B2", "title": "已满", "available": False}]
    run = shop(clock, stubs, fetch_jobs=writes(content))
    with pytest.raises(FlowStateError):
        run.select("A1")  # not on a list yet
    to_list(run)
    with pytest.raises(UnknownEvent, match="select"):
        run.fire("select")
    with pytest.raises(UnknownEvent, match="no item 'B2'"):
        run.select("B2")
    with pytest.raises(UnknownEvent, match="no item 'C3'"):
        run.select("C3")
    assert run.step.name == "jobs"
    run.select("A1")
    assert run.step.name == "job"


@pytest.mark.parametrize(
    "content",
    [
        None,
        "jobs",
        {"id": "A1", "title": "x"},
        [{"id": f"J{i}", "title": "x"} for i in range(MAX_ITEMS + 1)],
    ],
    ids=["nothing written", "a string", "a mapping", "too many"],
)
def test_content_that_is_not_a_list_of_items_takes_the_error_route(clock, stubs, content) -> None:
    run = shop(clock, stubs, fetch_jobs=writes(content))
    to_list(run)
    assert run.step.name == "fetch_failed"
    assert run.error_message == CONTENT_UNAVAILABLE.zh
    assert "jobs" not in run.session.content


def test_nothing_found_takes_the_empty_route(clock, stubs) -> None:
    run = shop(clock, stubs, fetch_jobs=writes([{"id": "x y", "title": "dropped"}]))
    to_list(run)
    assert run.step.name == "none_found"
    run.fire("refine")
    assert run.step.name == "filters"


def test_malformed_items_are_dropped_one_by_one_and_id_numbers_redacted() -> None:
    raw = [
        {"id": "OK1", "title": "联系人证件 11010519491231002X", "rows": [["a", "b"]]},
        {"id": "OK1", "title": "the same id twice"},
        {"id": "R1", "title": "x", "rows": [["only a label"]]},
        {"id": "R2", "title": "x", "rows": "not a list"},
        {"id": "H1", "title": "bidi \u202e override"},
        {"id": "L1", "title": "长" * 501},
        {"id": "T1", "title": {"zh-CN": "只有中文"}},
        {"id": "C1", "title": "x", "criteria": {"age": [60, 18]}},
        {"id": "C2", "title": "x", "criteria": {"age_by_sex": {"other": [1, 2]}}},
        {"id": "C3", "title": "x", "criteria": {"answers": {"education": "college"}}},
        {"id": "C4", "title": "x", "criteria": {"regions": ["33a1"]}},
        {"id": "A1", "title": "x", "available": "yes"},
        {"id": "Q1", "title": "x", "qr": ""},
        "not a mapping",
        {"id": "OK2", "title": "x", "future_key": {"ignored": True}},
    ]
    items = parse_items(raw)
    assert [i.id for i in items] == ["OK1", "OK2"]
    assert items[0].title.zh == "联系人证件 110***********002X"


def test_ranked_items_carry_their_match_and_reasons(clock, stubs) -> None:
    run = shop(clock, stubs)
    to_list(run, education="junior_high")
    # No identity yet: only the answers count. The electrician fits the schooling asked,
    # customer service does not, the others state only an age and stay unknown.
    ranked = run.items()
    assert [(i.id, i.match) for i in ranked] == [
        ("J20261120-031", Match.LIKELY),
        ("J20261115-112", Match.UNKNOWN),
        ("J20261101-003", Match.UNKNOWN),
        ("J20261118-007", Match.UNLIKELY),
    ]
    assert [r.zh for r in ranked[0].reasons] == ["符合：初中"]  # the answer that fits
    assert [r.en for r in ranked[-1].reasons] == ["Does not fit: Schooling"]  # this flow's label


def test_with_an_identity_age_and_sex_come_from_the_id_number(clock, stubs) -> None:
    run = shop(clock, stubs)
    woman_of_45 = make_id_number("331122", TODAY.replace(year=1981, month=5), 2)
    number, name = Sensitive(woman_of_45), Sensitive("测试乙", mask_name)
    stubs.made += [number, name]
    run.session.identity = Identity("id_card", number, name)
    to_list(run, education="college")
    ranked = {i.id: i for i in run.items()}
    assert all(i.match is Match.LIKELY for i in ranked.values())
    assert "符合：年龄（40岁及以上）" in [r.zh for r in ranked["J20261101-003"].reasons]
    run.select("J20261101-003")
    detail = run.current_item()
    assert detail is not None
    assert detail.match is Match.LIKELY
    run.abort()
    assert_wiped(run, stubs)


def test_print_slip_gets_the_item_chosen_last(clock, stubs) -> None:
    printed: list[Item | None] = []

    def print_slip(session: Session) -> str:
        printed.append(session.current_item())
        return "ok"

    run = shop(clock, stubs, print_slip=print_slip)
    to_list(run)
    run.select("J20261118-007")
    run.fire("print_slip")
    run.run_action()
    assert run.step.name == "job"
    assert [i.id for i in printed if i] == ["J20261118-007"]


def test_without_a_printer_the_print_button_is_not_offered(clock, stubs) -> None:
    run = shop(clock, stubs, devices={"id_card_reader"})
    to_list(run)
    run.select("J20261120-031")
    assert run.buttons() == ["back_to_list", "next", "cancel"]
    assert run.step.show == {"item_qr"}  # the QR on screen stands in for the slip


def test_fetching_again_forgets_the_item_chosen(clock, stubs) -> None:
    run = shop(clock, stubs)
    to_list(run)
    run.select("J20261120-031")
    run.fire("back_to_list")
    run.fire("refine")
    to_list(run)
    assert run.session.selected == {}


def test_content_and_choices_are_dropped_with_the_session(clock, stubs) -> None:
    run = shop(clock, stubs)
    to_list(run)
    run.select("J20261120-031")
    run.fire("cancel")
    assert run.session.content == {}
    assert run.session.selected == {}
    assert_wiped(run, stubs)


def test_a_sample_fetcher_hands_each_run_its_own_copy() -> None:
    first, second = Session(), Session()
    fetcher("jobs")(first)
    fetcher("jobs")(second)
    assert first.content["jobs"] == second.content["jobs"] == JOBS
    assert first.content["jobs"] is not second.content["jobs"]


def test_an_identity_kept_from_a_card_does_not_change_the_list(clock, stubs) -> None:
    """Ranking reads the identity; it never writes anything back into the session."""
    run = shop(clock, stubs)
    number, name = Sensitive(ID_NUMBER), Sensitive("测试甲", mask_name)
    run.session.identity = Identity("id_card", number, name)
    to_list(run)
    before = dict(run.session.values)
    run.items()
    assert run.session.values == before
    assert set(run.session.content) == {"jobs"}
