"""Bundles (一件事), fields taken from other flows, the follow-on rating, and their checks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from flows import FlowDefinitionError, FlowRun, RunRecord, Session, load_flow
from flows.loader import FlowFiles, parse_flow
from flows.model import FieldKind
from flows.submission import Submission, build_submission, receipt_rows
from flows.yamlsafe import read_yaml_file
from tests.flows.helpers import BANK_ACCOUNT, ID_NUMBER, PHONE, TODAY, Stubs, edited
from tests.support.clock import FakeClock

LIBRARY = Path(__file__).with_name("library")
SHOP = load_flow(LIBRARY / "shop.yaml")
RATE = load_flow(LIBRARY / "rate.yaml")


def walk_shop(
    clock: FakeClock, stubs: Stubs, *, subsidy: bool, sent: list[Submission] | None = None
) -> FlowRun:
    def submit(session: Session) -> str:
        if sent is not None:
            sent.append(build_submission(SHOP, session))
        session.record.transaction_number = "KA01-2611260007"
        return "ok"

    run = FlowRun(SHOP, {**stubs.actions(), "submit": submit}, guards=stubs.guards(),
                  clock=clock, today=lambda: TODAY)  # fmt: skip
    run.submit_form({"industry": "manufacturing", "education": "college"})
    run.run_action()
    run.select("J20261120-031")
    run.fire("next")
    run.fire("id_card")
    run.run_action()
    wants = "yes" if subsidy else ""
    assert run.submit_form({"phone": PHONE, "wants_subsidy": wants, "account": BANK_ACCOUNT}) == {}
    assert run.step.name == "confirm"
    return run


def test_fields_taken_from_another_flow_keep_its_checks_with_the_changes_asked() -> None:
    industry, education = SHOP.steps["filters"].fields
    assert [c.value for c in industry.choices] == ["manufacturing", "any"]  # only:
    assert industry.required is False
    assert education.label.zh == "学历"  # label: given here
    account = SHOP.find_field("account")
    assert account is not None
    assert account.kind is FieldKind.BANK_ACCOUNT
    assert account.personal


def test_a_bundle_sends_one_submission_with_each_service_that_applies(clock, stubs) -> None:
    sent: list[Submission] = []
    run = walk_shop(clock, stubs, subsidy=True, sent=sent)
    run.fire("confirm")
    run.run_action()
    assert run.outcome == "completed"
    (submission,) = sent
    assert submission.service == "shop"
    assert submission.identity_method == "id_card"
    assert [(i.service, i.fields) for i in submission.items] == [
        (
            "employment_registration",
            {"industry": "manufacturing", "phone": PHONE, "employment_type": "flexible"},
        ),
        ("subsidy", {"account": BANK_ACCOUNT, "phone": PHONE}),
    ]
    assert submission.fields["education"] == "college"  # every answer, once, at the top
    assert submission.selected == {"jobs": "J20261120-031"}
    assert submission.flat_fields()["selected.jobs"] == "J20261120-031"
    assert run.session.record.transaction_number == "KA01-2611260007"  # one number


def test_an_item_whose_condition_fails_is_left_out(clock, stubs) -> None:
    sent: list[Submission] = []
    run = walk_shop(clock, stubs, subsidy=False, sent=sent)
    run.fire("confirm")
    run.run_action()
    assert [i.service for i in sent[0].items] == ["employment_registration"]


def test_the_confirm_screen_names_the_services_and_masks_the_bank_account(clock, stubs) -> None:
    run = walk_shop(clock, stubs, subsidy=True)
    rows = dict(run.summary())
    assert rows["一并办理的事项"] == "就业登记、社保补贴"
    assert rows["所选岗位"] == "数控车床操作工"
    assert rows["银行账号"] == "6217 **** 0123"
    assert BANK_ACCOUNT not in repr(run.summary())
    run.lang = "en"
    assert dict(run.summary())["Services in this application"] == (
        "Employment registration, Subsidy"
    )


def test_submissions_and_receipt_rows_keep_personal_data_out_of_sight(clock, stubs) -> None:
    sent: list[Submission] = []
    run = walk_shop(clock, stubs, subsidy=True, sent=sent)
    run.fire("confirm")
    run.run_action()
    shown = repr(sent)
    for secret in (ID_NUMBER, PHONE, BANK_ACCOUNT):
        assert secret not in shown
    assert "employment_registration" in shown


def test_receipt_rows_hold_no_personal_value(clock, stubs) -> None:
    run = walk_shop(clock, stubs, subsidy=True)
    rows = receipt_rows(SHOP, run.session)
    assert ("事项1", "就业登记") in rows
    assert ("所选", "数控车床操作工") in rows
    assert ("学历", "大专") in rows
    assert not any(secret in repr(rows) for secret in (ID_NUMBER, PHONE, BANK_ACCOUNT))


def test_a_completed_transaction_hands_its_number_to_the_rating(clock, stubs) -> None:
    run = walk_shop(clock, stubs, subsidy=False)
    assert run.follow_on() is None  # not over yet
    run.fire("confirm")
    run.run_action()
    follow = run.follow_on()
    assert follow == ("rate", RunRecord(transaction_number="KA01-2611260007", service="shop"))
    seen: list[dict[str, str]] = []

    def submit_rating(session: Session) -> str:
        record = session.record
        seen.append(
            {"transaction_number": record.transaction_number or "", "service": record.service or "",
             "stars": session.value("stars")}
        )  # fmt: skip
        return "ok"

    flow_id, record = follow
    rating = FlowRun(RATE, {**stubs.actions(), "submit_rating": submit_rating}, record=record)
    assert rating.flow.id == flow_id
    rating.submit_form({"stars": "5"})
    rating.run_action()
    assert rating.outcome == "completed"
    assert seen == [{"transaction_number": "KA01-2611260007", "service": "shop", "stars": "5"}]


def test_no_rating_without_a_transaction_or_after_a_cancel(clock, stubs) -> None:
    run = walk_shop(clock, stubs, subsidy=False)
    run.fire("cancel")
    assert run.follow_on() is None
    run = FlowRun(SHOP, stubs.actions(), guards=stubs.guards())
    run._enter("done")  # a completed end reached without a transaction number
    assert run.follow_on() is None


# The rules the loader adds for content, fields from other flows, bundles and follow-ons.


def library_files(**extra: object) -> FlowFiles:
    texts = {p.stem: p.read_bytes() for p in LIBRARY.glob("*.yaml")}
    texts.update({k: yaml.safe_dump(v, allow_unicode=True).encode() for k, v in extra.items()})
    return FlowFiles(texts.get)


def shop_data() -> dict:
    data = read_yaml_file((LIBRARY / "shop.yaml").read_bytes(), "shop.yaml")
    assert isinstance(data, dict)
    return data


STEPS = ["steps"]
IDENTIFYING = {
    "id": "asks_who",
    "version": 1,
    "title": {"zh-CN": "问", "en": "Asks"},
    "start": "who",
    "steps": {
        "who": {"kind": "identity", "methods": ["typed"], "timeout": 60,
                "on": {"ok": "end", "cancel": "end"}},
        "end": {"kind": "end", "outcome": "completed", "title": {"zh-CN": "完", "en": "End"}},
    },
}  # fmt: skip


@pytest.mark.parametrize(
    ("path", "value", "where", "problem"),
    [
        ([*STEPS, "jobs", "source"], "cats", "steps.jobs.source", "unknown content 'cats'"),
        ([*STEPS, "jobs", "source"], KeyError, "steps.jobs.source", "names its content source"),
        ([*STEPS, "jobs", "source"], "slots", "steps.jobs.source", "no step of this flow fetches"),
        ([*STEPS, "job", "source"], "slots", "steps.job.source", "no list step of this flow"),
        ([*STEPS, "confirm", "source"], "jobs", "steps.confirm.source", "only list and detail"),
        ([*STEPS, "jobs", "on", "select"], KeyError, "steps.jobs.on", "routes select"),
        ([*STEPS, "job", "on", "select"], "jobs", "steps.job.on.select", "only list steps"),
        ([*STEPS, "none_found", "on", "empty"], "filters", "steps.none_found.on.empty",
         "only a step fetching content"),
        ([*STEPS, "job", "recommend"], True, "steps.job.recommend", "only list steps rank"),
        ([*STEPS, "fetch", "on", "taken"], "jobs", "steps.fetch.on.taken",
         "only a hold_place step"),
        ([*STEPS, "none_found", "show"], ["item_qr"], "steps.none_found.show", "detail steps"),
        ([*STEPS, "job", "on", "dance"], "jobs", "steps.job.on.dance", "no button text"),
        ([*STEPS, "cancelled", "then"], "rate", "steps.cancelled.then", "only a completed end"),
        ([*STEPS, "done", "then"], "nowhere", "steps.done.then", "no flow 'nowhere'"),
        ([*STEPS, "done", "then"], "shop", "steps.done.then", "does not follow itself"),
        ([*STEPS, "done", "then"], "asks_who", "steps.done.then", "asks who the citizen is"),
        ([*STEPS, "filters", "fields", 0, "use"], "base.salary", "steps.filters.fields[0].use",
         "asks no field 'salary'"),
        ([*STEPS, "filters", "fields", 0, "use"], "nowhere.industry",
         "steps.filters.fields[0].use", "no flow 'nowhere'"),
        ([*STEPS, "filters", "fields", 0, "only"], ["mining"], "steps.filters.fields[0].only[0]",
         "unknown choice 'mining'"),
        ([*STEPS, "filters", "fields", 0, "only"], [], "steps.filters.fields[0].only",
         "at least one choice"),
        ([*STEPS, "money", "fields", 0, "only"], ["x"], "steps.money.fields[0].only",
         "only choice fields"),
        ([*STEPS, "filters", "fields", 0, "kind"], "text", "steps.filters.fields[0]",
         "unknown key(s) kind"),
        (["items"], [], "items", "at least two services"),
        (["items", 0, "fields"], ["colour"], "items[0].fields[0]", "unknown field of this flow"),
        (["items", 0, "fixed"], {"phone": "x"}, "items[0].fixed.phone", "asked in this flow"),
        (["items", 1, "service"], "employment_registration", "items[1].service", "listed twice"),
        (["items", 1, "if"], "controller_online", "items[1].if", "tests a form value"),
        (["items", 1, "if"], {"field": "phone", "equals": "1"}, "items[1].if", "personal data"),
        (["items", 1, "if"], {"field": "wants_subsidy", "equals": "maybe"}, "items[1].if",
         "not choices"),
        (["items", 1, "service"], "rate", "items[1].service", "rate"),  # a valid variant
    ],
)  # fmt: skip
def test_content_bundle_and_follow_on_mistakes_name_file_and_path(
    path, value, where: str, problem: str
) -> None:
    data = edited(shop_data(), path, value)
    if path[-1] == "service" and value == "rate":
        data["items"][1]["fixed"] = {"stars": "3"}  # rate.stars offers 1 and 5 only
        where, problem = "items[1].fixed.stars", "'3' is not a choice of rate.stars"
    with pytest.raises(FlowDefinitionError) as caught:
        parse_flow(data, "shop.yaml", library=library_files(asks_who=IDENTIFYING))
    assert (caught.value.path, problem in caught.value.problem) == (where, True), caught.value


def test_a_field_from_another_flow_needs_that_flows_catalog() -> None:
    with pytest.raises(FlowDefinitionError, match="read with its catalog"):
        parse_flow(shop_data(), "shop.yaml")


def test_flows_taking_fields_from_each_other_in_a_circle_are_refused(tmp_path: Path) -> None:
    def flow(flow_id: str, other: str) -> dict:
        return {
            "id": flow_id, "version": 1, "title": {"zh-CN": "圈", "en": "Circle"},
            "start": "ask",
            "steps": {
                "ask": {"kind": "form", "title": {"zh-CN": "问", "en": "Ask"}, "timeout": 9,
                        "fields": [{"use": f"{other}.x"},
                                   {"name": "y", "kind": "text",
                                    "label": {"zh-CN": "乙", "en": "Y"}}],
                        "on": {"submit": "end"}},
                "end": {"kind": "end", "outcome": "completed",
                        "title": {"zh-CN": "完", "en": "End"}},
            },
        }  # fmt: skip

    for name, other in (("a", "b"), ("b", "a")):
        text = yaml.safe_dump(flow(name, other), allow_unicode=True).replace("'on'", "on")
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(FlowDefinitionError, match="take fields from each other: a -> b -> a"):
        load_flow(tmp_path / "a.yaml")


def test_a_library_parses_each_flow_once() -> None:
    reads: list[str] = []
    texts: Mapping[str, bytes] = {p.stem: p.read_bytes() for p in LIBRARY.glob("*.yaml")}

    def read(flow_id: str) -> bytes | None:
        reads.append(flow_id)
        return texts.get(flow_id)

    library = FlowFiles(read)
    assert library("shop") is library("shop")
    assert library("nowhere") is None
    # shop's items name two services with no flow here: looked up once each, not found.
    assert sorted(reads) == [
        "base",
        "employment_registration",
        "nowhere",
        "rate",
        "shop",
        "subsidy",
    ]
