"""Applications with declarations: the difficulty identification and the social insurance
subsidy claim, as the public service asks them."""

from __future__ import annotations

import pytest

from tests.flows.catalog_kiosk import APPLICANT, Kiosk

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
