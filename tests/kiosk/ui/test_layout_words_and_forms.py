"""The layout defects a citizen saw (issue 8) in words and forms: a Chinese word cut across
lines, elder mode's question and box, its step counter; each found by the geometry checks of
kiosk/ui/layout_check.py on the screen where it was seen.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.kivy


# Names and choices Kivy cut between characters (浏 / 览 in a notice, 就业困难人 / 员认定申请
# in the header, 高校毕 / 业生 on a choice): found by layout_check.broken_words.
WORD_SCREENS = [
    ("difficulty_identification", 0),  # the header's long service name
    ("social_insurance_subsidy", 2),  # the applicant choices
    ("job_search", 0),  # the start notice: 直接浏览
]


@pytest.mark.parametrize("elder", [False, True])
def test_no_label_cuts_a_chinese_word_across_lines(make_port: Any, clock: Any, elder: bool) -> None:
    from devkit.headless import HeadlessUI
    from devkit.screens import render_all
    from flows import load_builtin_catalog
    from tests.kiosk.ui.conftest import TODAY

    flows = [s.flow for s in load_builtin_catalog().services]
    wanted = {flow_id for flow_id, _ in WORD_SCREENS}
    sample = [f for f in flows if f.id in wanted]
    port = make_port(flow=sample[0], more=sample[1:])
    with HeadlessUI(port, clock=clock) as ui:
        shots = render_all(
            ui,
            [f.id for f in sample],
            None,
            langs=["zh-CN"],
            modes=["elder" if elder else "normal"],
            today=TODAY,
        )
    cut = {f"{s.flow_id}/{s.step}": [p for p in s.problems if "a word cut" in p] for s in shots}
    assert {k: v for k, v in cut.items() if v} == {}


# Forms of every kind of question: typed text with the docked keyboard (the employer, a
# job title), keypad numbers, dates, choices, declarations.
FORM_FLOWS = ("employment_registration", "bundle_onboarding", "social_insurance_subsidy")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_elder_modes_one_question_and_its_box_show_without_scrolling(
    make_port: Any, clock: Any, lang: str
) -> None:
    # One question a screen must show that question and its answer box as it opens: the
    # box sat below the visible area, and elder mode's keys stood out of the keyboard's
    # rows over it.
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from kiosk.ui.layout_check import layout_problems
    from tests.kiosk.ui.conftest import TODAY

    flows = [s.flow for s in load_builtin_catalog().services if s.flow.id in FORM_FLOWS]
    port = make_port(flow=flows[0], more=flows[1:])
    hidden: dict[str, object] = {}
    asked = 0
    with HeadlessUI(port, clock=clock) as ui:
        form = ui.root.steps["form"]

        def visible(widget: Any, area: Any, floor: float) -> bool:
            low = widget.to_window(widget.x, widget.y)[1]
            high = widget.to_window(widget.x, widget.top)[1]
            bottom = max(area.to_window(area.x, area.y)[1], floor)
            return low >= bottom - 1 and high <= area.to_window(area.x, area.top)[1] + 1

        def each_question(step: str, _index: int) -> None:
            nonlocal asked
            if ui.root.current != "form" or not form.pager.one_at_a_time:
                return
            for index in range(len(form.blocks)):
                form.pager.go_to_field(index)
                ui.frames(4)
                block = list(form.blocks.values())[index]
                keyboard = form.keyboard
                floor = keyboard.to_window(0, keyboard.top)[1] if keyboard.shown else 0
                where = f"{step}/{block.spec.name}"
                parts = [block.label, *block.inputs, *block.choices[:1]]
                parts = [p for p in parts if p.get_root_window() is not None]
                hidden.update(
                    {
                        f"{where}/{type(p).__name__}": "hidden"
                        for p in parts
                        if not visible(p, form.ids.scroll, floor)
                    }  # fmt: skip
                )
                if layout_problems(form):
                    hidden[where] = layout_problems(form)
                asked += 1
            form.pager.go_to_field(0)

        for flow in flows:
            walk_flow(
                ui, flow.id, lang, "elder", lambda s, i: each_question(s, i), lambda _s: [], TODAY
            )
    assert asked > 10
    assert hidden == {}


def _one_line_counters(ui: Any, seen: dict[str, int]) -> Any:
    """A walk's check: how many lines the header's step counter took on each step."""
    from kiosk.ui.layout_check import _lines

    def check(screen: Any) -> list[str]:
        header = getattr(screen.ids, "header", None)
        if header is not None and header.ids.step_label.text:
            label = header.ids.step_label
            seen[f"{ui.session.lang}/{screen.name}/{label.text}"] = len(_lines(label))
        return []

    return check


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_elder_modes_step_counter_stays_on_one_line(make_port: Any, clock: Any, lang: str) -> None:
    # "第2步 / 共5步" wrapped onto two lines beside elder mode's long service names.
    from devkit.headless import HeadlessUI
    from devkit.screens import walk_flow
    from flows import load_builtin_catalog
    from tests.kiosk.ui.conftest import TODAY

    wanted = ("bundle_contract_termination", "difficulty_identification")
    flows = [s.flow for s in load_builtin_catalog().services if s.flow.id in wanted]
    port = make_port(flow=flows[0], more=flows[1:])
    seen: dict[str, int] = {}
    with HeadlessUI(port, clock=clock) as ui:
        for flow in flows:
            walk_flow(
                ui, flow.id, lang, "elder", lambda *_: None, _one_line_counters(ui, seen), TODAY
            )
    assert len(seen) >= 4  # the counter was shown, on several steps
    assert {k: v for k, v in seen.items() if v != 1} == {}
