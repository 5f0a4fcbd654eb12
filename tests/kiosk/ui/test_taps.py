"""Issue 8's goal, walked on the real App: at most 8 decisions a service with an ID card, and
only the phone number typed.

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
    "bundle_flexible_employment",
    "unemployment_registration",
)

# Elder mode, each service alone on the menu (no page turn): the tile, the open questions'
# answers (a date two: the calendar, the day), the confirm step's confirm, and any finish.
ELDER_DECISIONS = {
    "employment_registration": 6,
    "bundle_flexible_employment": 5,
    "unemployment_registration": 6,
}


@pytest.mark.parametrize("flow_id", WALKED)
def test_a_service_takes_at_most_8_decisions_and_types_only_the_phone(
    flow_id: str, make_port: Any, clock: Any
) -> None:
    """At most 8 decisions, the card laid on the reader and the phone typed."""
    from devkit.headless import HeadlessUI

    port = make_port(flow=load_ui_flow(flow_id))
    with HeadlessUI(port, clock=clock) as ui:
        walk = TapWalker(ui).walk(flow_id)
    assert port.submitted, f"{flow_id} was not submitted: {walk.steps}"
    where = [f"{t.step}: {t.what}" for t in walk.taps if t.kind == "decision"]
    assert walk.decisions <= GOAL_DECISIONS, where
    assert walk.typed_fields <= TYPED_FIELDS.get(flow_id, {"phone"}), walk.typed_fields
    assert "phone" in walk.typed_fields  # the one thing no card or list supplies


@pytest.mark.parametrize("flow_id", WALKED)
def test_in_elder_mode_a_service_takes_at_most_8_decisions_too(
    flow_id: str, make_port: Any, clock: Any
) -> None:
    """One question a screen costs no more decisions: a tapped choice, a whole mobile
    number and the last answer move on by themselves, and the confirm step shows what a
    default or the card answered, with the rest."""
    from devkit.headless import HeadlessUI

    port = make_port(flow=load_ui_flow(flow_id))
    with HeadlessUI(port, clock=clock) as ui:
        walk = TapWalker(ui, elder=True).walk(flow_id)
    assert port.submitted, f"{flow_id} was not submitted: {walk.steps}"
    where = [f"{t.step}: {t.what}" for t in walk.taps if t.kind == "decision"]
    assert walk.decisions <= GOAL_DECISIONS, where
    assert walk.decisions == ELDER_DECISIONS[flow_id], where
    assert walk.count("mode") == 1  # elder mode chosen on the menu, not counted
    # The confirm step after the form shows every answer: the form has no check screen
    # of its own to submit, and a valid mobile number moves on without 下一项.
    assert "submit" not in [t.what for t in walk.taps if t.kind == "decision"], where
    assert "next question" not in [t.what for t in walk.taps], where


def test_the_walk_lays_the_id_card_on_the_chooser_and_counts_it_as_a_card(
    make_port: Any, clock: Any
) -> None:
    """Card first: on the identity chooser the walker lays the card on the reader without
    touching the ID-card tile; the walk counts a card there, not a decision, and no second
    card on the read step."""
    from devkit.headless import HeadlessUI

    flow_id = "employment_registration"
    port = make_port(flow=load_ui_flow(flow_id))
    with HeadlessUI(port, clock=clock) as ui:
        walk = TapWalker(ui).walk(flow_id)
    assert port.submitted, walk.steps
    at_chooser = [(t.kind, t.what) for t in walk.taps if t.step == "identify"]
    assert at_chooser == [("card", "card on the reader")]
    assert walk.count("card") == 1
    assert port.tapper.presented == [port.tapper.names[0]]
    assert walk.steps[0] == "identify"
