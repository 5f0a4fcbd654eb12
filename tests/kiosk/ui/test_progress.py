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
