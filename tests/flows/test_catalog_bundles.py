"""一件事 bundles: one identity, one set of answers, one submission with several items,
one receipt."""

from __future__ import annotations

import pytest

from flows import RunRecord, Session
from tests.flows.catalog_kiosk import CATALOG, Kiosk
from tests.flows.helpers import (
    TODAY,
)

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
