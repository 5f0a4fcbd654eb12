"""The layout defects a citizen saw (issue 8) on end screens: the prompt in its column, the
walk past a step the run left, the check mark and the i, elder mode's English ends; each
found by the geometry checks of kiosk/ui/layout_check.py on the screen where it was seen.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.kivy


def test_the_end_screens_prompt_stays_inside_its_column(make_port: Any, clock: Any) -> None:
    # social_insurance_subsidy in English: the two-line prompt stood 5 px over the column's
    # top, as the room was reckoned without the spacing beside the column's filler.
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import TODAY

    flows = [s.flow for s in load_builtin_catalog().services]
    flow = next(f for f in flows if f.id == "social_insurance_subsidy")
    port = make_port(flow=flow)
    with HeadlessUI(port, clock=clock) as ui:
        shots = walk_flow(ui, flow.id, "en", "normal", lambda *_: None, layout_problems, TODAY)
    end = [s for s in shots if s.screen == "end"]
    assert end, [s.screen for s in shots]
    assert {s.step: s.problems for s in shots if s.problems} == {}


def test_the_walk_pictures_a_step_the_run_left_while_it_was_drawn(
    make_port: Any, clock: Any
) -> None:
    # `estation-kiosk screens` died with an IndexError (job_fair_signup, elder mode): drawing
    # the receipt step's picture ran the frames in which printing ended, and the walk then
    # looked for a button to tap on the end step the run had reached, which has none. Here
    # the run leaves a form for its end step while the form is drawn, at any speed.
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from tests.kiosk.ui.conftest import TODAY

    flow = next(s.flow for s in load_builtin_catalog().services if s.flow.id == "job_fair_signup")
    port = make_port(flow=flow)
    with HeadlessUI(port, clock=clock) as ui:
        session = ui.session

        def shoot(step: str, _index: int) -> None:
            if step == "details":
                session.fire("cancel")  # the run reaches its `cancelled` end step
                ui.frames(2)

        shots = walk_flow(ui, flow.id, "zh-CN", "elder", shoot, lambda _s: [], TODAY)
    steps = [shot.step for shot in shots]
    assert steps[-2:] == ["details", "end"], " ".join(steps)
    assert session.run is None


def test_a_registration_that_went_in_shows_a_check_mark_not_an_i(
    make_port: Any, clock: Any
) -> None:
    # "登记成功，请取走回执" was drawn with the calm "i" of a how-to notice: a success has
    # the check mark of the end screen.
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from tests.kiosk.ui.conftest import TODAY

    flow_id = "job_seeker_registration"  # its `registered` notice follows the receipt
    flow = next(s.flow for s in load_builtin_catalog().services if s.flow.id == flow_id)
    marks: dict[str, tuple[str, bool]] = {}
    with HeadlessUI(make_port(flow=flow), clock=clock) as ui:

        def check(screen: Any) -> list[str]:
            if screen.name in ("notice", "end"):
                run = ui.session.run
                step = run.step.name if run is not None else "end"
                marks[step] = (screen.ids.mark.text, screen.success)
            return []

        walk_flow(ui, flow_id, "zh-CN", "normal", lambda *_: None, check, TODAY)
    successes = {step: mark for step, mark in marks.items() if mark[1]}
    assert successes, marks
    assert all(text == "" for text, _ in successes.values()), marks
    assert "registered" in successes, marks


def test_a_how_to_notice_keeps_its_i(make_port: Any, clock: Any) -> None:
    # The check mark is for a success only: job_search's "how to search" stays an "i".
    from devkit.headless import HeadlessUI
    from tests.kiosk.ui.conftest import load_ui_flow

    with HeadlessUI(make_port(flow=load_ui_flow("job_search")), clock=clock) as ui:
        ui.session.start("job_search")
        ui.frames(2)
        screen = ui.root.current_screen
        assert screen.name == "notice"
        assert (screen.ids.mark.text, screen.success, screen.alarm) == ("i", False, False)
        ui.session.close()
        ui.session.finish()


END_FLOWS = ("job_seeker_registration", "unemployment_registration", "bundle_onboarding")


@pytest.mark.parametrize("printer_fails", [False, True])
@pytest.mark.parametrize("flow_id", END_FLOWS)
def test_elder_modes_english_end_screens_keep_number_and_prompt_in_the_column(
    make_port: Any, clock: Any, flow_id: str, printer_fails: bool
) -> None:
    # Elder mode in English: the number box or the prompt stood out of the column, and
    # beside the e-receipt's QR code the number was 838 px wide in 752 with the prompt
    # spilling. Now: the number a size down until it fits, the prompt to its floor, then
    # the prompt scrolls. (A failing printer leads to the e-receipt screens.)
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import TODAY

    flow = next(s.flow for s in load_builtin_catalog().services if s.flow.id == flow_id)
    port = make_port(flow=flow)
    port.printer_fails = printer_fails
    with HeadlessUI(port, clock=clock) as ui:
        shots = walk_flow(ui, flow_id, "en", "elder", lambda *_: None, layout_problems, TODAY)
    ends = [s for s in shots if s.screen in ("end", "notice")]
    assert ends, [s.screen for s in shots]
    assert {s.step: s.problems for s in shots if s.problems} == {}
