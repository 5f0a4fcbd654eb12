"""Issue 8's goal, walked on the real App: at most 8 decisions a service with an ID card, and
only the phone number typed (a bank account where money is paid into it).

`devkit.taps` walks each service from the menu by touches through the window, as a citizen
would on the common path: every choice left as preselected, optional boxes left empty. The
whole catalog is walked by `python -m devkit.taps`; here a representative set, the services
with the most questions (the registrations and the three bundles), each on a fresh App.
"""

from __future__ import annotations

from typing import Any

import pytest

from devkit.taps import GOAL_DECISIONS, TYPED_FIELDS, TapWalker
from tests.kiosk.ui.conftest import load_ui_flow

pytestmark = pytest.mark.kivy

WALKED = (
    "employment_registration",
    "unemployment_registration",
    "bundle_onboarding",
    "bundle_flexible_employment",
    "bundle_contract_termination",
)


@pytest.mark.parametrize("flow_id", WALKED)
def test_a_service_takes_at_most_8_decisions_and_types_only_the_phone(
    flow_id: str, make_port: Any, clock: Any
) -> None:
    from devkit.headless import HeadlessUI

    port = make_port(flow=load_ui_flow(flow_id))
    with HeadlessUI(port, clock=clock) as ui:
        walk = TapWalker(ui).walk(flow_id)
    assert walk.end in ("", "done", "e_receipt") or walk.end.startswith("done"), walk.steps
    assert port.submitted, f"{flow_id} was not submitted"
    where = [f"{t.step}: {t.what}" for t in walk.taps if t.kind == "decision"]
    assert walk.decisions <= GOAL_DECISIONS, where
    assert walk.typed_fields <= TYPED_FIELDS.get(flow_id, {"phone"}), walk.typed_fields


def test_the_count_fails_a_service_over_8_decisions(make_port: Any, clock: Any) -> None:
    """The measure can fail: typing the phone with a touch of the box first is counted."""
    from devkit.headless import HeadlessUI

    port = make_port(flow=load_ui_flow("employment_registration"))
    with HeadlessUI(port, clock=clock) as ui:
        walk = TapWalker(ui).walk("employment_registration")
    assert walk.keystrokes == len("13800138000")
    assert walk.typed_fields == {"phone"}
    assert walk.decisions >= 5  # the tile, the ID card, a choice, the date, submit, confirm
