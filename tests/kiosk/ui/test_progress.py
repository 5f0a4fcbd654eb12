"""The step indicator counts the main path; error notices count as the step they retry."""

from __future__ import annotations

import pytest

from flows import load_builtin
from kiosk.ui.progress import main_path, step_position


@pytest.fixture(scope="module")
def flow():
    return load_builtin("employment_registration")


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
