"""The step indicator counts the steps a citizen sees; error notices count as the step they
retry, a step skipped by the citizen's answers is not counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows import Flow, load_builtin, load_flow
from flows.progress import main_path, step_counter, step_position
from tests.flows.catalog_kiosk import APPLICANT, Kiosk

IDENTITY_FLOW = Path(__file__).parents[1] / "kiosk" / "ui" / "flows" / "identity_registration.yaml"


@pytest.fixture(scope="module")
def flow():
    return load_builtin("employment_registration")


@pytest.fixture(scope="module")
def identity_flow() -> Flow:
    return load_flow(IDENTITY_FLOW)


def test_the_main_path_follows_forward_events_to_the_end(flow) -> None:
    assert main_path(flow) == ["identify", "details", "confirm", "submit", "receipt"]


@pytest.mark.parametrize(
    ("step", "position"),
    [
        ("identify", (1, 5)),
        ("details", (2, 5)),
        ("confirm", (3, 5)),
        ("identify_failed", (1, 5)),
        ("submit_failed", (4, 5)),
        ("done", None),
        ("cancelled", None),
    ],
)
def test_step_position(flow, step: str, position: tuple[int, int] | None) -> None:
    assert step_position(flow, step) == position


def test_the_identity_chooser_and_its_methods_count_as_one_step(identity_flow) -> None:
    assert main_path(identity_flow) == ["identify", "details", "confirm", "submit", "receipt"]
    for step in identity_flow.steps:
        if step.startswith("identify"):  # the chooser, each method, each failure notice
            assert step_position(identity_flow, step) == (1, 5), step
    assert step_position(identity_flow, "details") == (2, 5)


def test_a_step_whose_device_is_missing_counts_as_its_fallback(identity_flow) -> None:
    no_printer = {"id_card_reader", "social_card_reader", "camera"}
    assert main_path(identity_flow, no_printer) == ["identify", "details", "confirm", "submit"]
    assert step_position(identity_flow, "submit", no_printer) == (4, 4)
    assert step_position(identity_flow, "e_receipt", no_printer) is None


def test_a_flow_that_starts_with_a_choice_of_ways_shows_no_step_count() -> None:
    flow = load_builtin("job_search")  # with an ID or without: no single path to count
    assert [step_position(flow, name) for name in ("how", "filters", "jobs", "job")] == [None] * 4


def _counts(k: Kiosk, *forms: dict[str, str]) -> list[tuple[int, int] | None]:
    """The counter on each screen of a walk: the chooser, then each form sent."""
    counts = [step_counter(k.run)]
    k.card()
    for values in forms:
        counts.append(step_counter(k.run))
        k.form(**values)
    counts.append(step_counter(k.run))
    return counts


def test_a_step_the_citizens_answers_skip_is_not_counted() -> None:
    """A difficulty case paid to the card's account skips the graduation, work and account
    pages: the counter never jumps (it once went 3 -> 5 on the way)."""
    counts = _counts(
        Kiosk("social_insurance_subsidy"), {"applicant_type": "difficulty_flexible", **APPLICANT}
    )
    # identify, applicant, confirm (then submit, receipt); the total counts the graduation
    # page until the answers say it is skipped.
    assert counts == [(1, 6), (2, 6), (3, 5)]


def test_a_step_the_citizens_answers_add_is_counted() -> None:
    """A graduate, work of another kind and another bank add three forms: they count, one
    after another."""
    counts = _counts(
        Kiosk("social_insurance_subsidy"),
        {"applicant_type": "graduate_flexible", **APPLICANT, "flexible_work": "other",
         "bank": "icbc"},
        {"graduation_date": "2025-06-30", "school": "丽水学院"},
        {"flexible_work_other": "代驾"},
        {"bank_account": "6222021234567890"},
    )  # fmt: skip
    numbers = [c[0] for c in counts if c is not None]
    assert numbers == list(range(1, 7))
    assert counts[-1] == (6, 8)  # confirm; then submit and receipt


def test_going_back_counts_back_and_an_error_notice_counts_as_its_step() -> None:
    k = Kiosk("social_insurance_subsidy")
    k.card()
    k.form(applicant_type="graduate_flexible", **APPLICANT)
    assert (k.step(), step_counter(k.run)) == ("graduate", (3, 6))
    k.run.fire("back")
    assert step_counter(k.run) == (2, 6)
    k.form(applicant_type="difficulty_flexible", **APPLICANT, bank="icbc")
    assert k.step() == "payment"
    assert step_counter(k.run) == (3, 6)


def test_the_counter_ends_with_the_flow() -> None:
    run = Kiosk("employment_registration").run
    assert step_counter(run) == (1, 5)
    run.fire("cancel")
    assert step_counter(run) is None
