"""Screens of catalog flows checked from their widgets' geometry (kiosk/ui/layout_check.py)
through devkit/screens.py, the engine of `estation-kiosk screens`.

A sample of services that together show every kind of screen (chooser, card, form, confirm,
notice, list, detail, end), in one window: about 20 s on a quiet 2-core machine; the whole
catalog is `estation-kiosk screens`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows import load_builtin_catalog
from tests.kiosk.ui.conftest import TODAY

pytestmark = pytest.mark.kivy

SAMPLE = ("employment_registration", "job_search", "appointment_booking")


def _render(make_port: Any, clock: Any, mode: str) -> dict[str, list[str]]:
    from devkit.headless import HeadlessUI
    from devkit.screens import render_all

    flows = [service.flow for service in load_builtin_catalog().services]
    sample = [f for f in flows if f.id in SAMPLE]
    port = make_port(flow=sample[0], more=sample[1:])
    with HeadlessUI(port, clock=clock) as ui:
        shots = render_all(ui, [f.id for f in sample], None, modes=[mode], today=TODAY)
    assert {s.flow_id for s in shots} == {"welcome", "pairing", *SAMPLE}
    assert {s.screen for s in shots} >= {
        "identify",
        "action",
        "form",
        "confirm",
        "list",
        "end",
        "pairing",
    }
    # Every screen, the menu included (its tiles and page buttons stood a few px below
    # their box; they are as tall as the room now).
    return {f"{s.lang}/{s.flow_id}/{s.step}": s.problems for s in shots if s.problems}


def test_normal_mode_screens_have_no_clipped_or_faint_text(make_port: Any, clock: Any) -> None:
    assert _render(make_port, clock, "normal") == {}


def test_elder_mode_screens_fit(make_port: Any, clock: Any) -> None:
    assert _render(make_port, clock, "elder") == {}


def test_declarations_on_the_confirm_screen_fit_in_both_languages_and_modes(
    make_port: Any, clock: Any
) -> None:
    """The longest confirm page there is: a bundle's summary with three declarations under
    it and the pledging button, legible in zh-CN and en, normal and elder (it scrolls)."""
    from devkit.headless import HeadlessUI
    from devkit.screens import render_all

    (flow,) = [s.flow for s in load_builtin_catalog().services if s.flow.id == BUNDLE]
    assert len(flow.step("confirm").declarations) == 3
    with HeadlessUI(make_port(flow=flow), clock=clock) as ui:
        shots = render_all(ui, [BUNDLE], None, modes=["normal", "elder"], today=TODAY)
    shown = [s for s in shots if s.step == "confirm"]
    assert {(s.lang, s.mode) for s in shown} == {
        (lang, mode) for lang in ("zh-CN", "en") for mode in ("normal", "elder")
    }
    assert {f"{s.lang}/{s.mode}": s.problems for s in shown if s.problems} == {}


BUNDLE = "bundle_contract_termination"


def test_the_readme_pictures_are_drawn_by_the_screens_command(
    make_port: Any, clock: Any, tmp_path: Any
) -> None:
    """`estation-kiosk screens --readme docs/img` redraws exactly the README's pictures."""
    from devkit.headless import HeadlessUI
    from devkit.screens import README_PICTURES, readme_pictures

    flows = {s.flow.id: s.flow for s in load_builtin_catalog().services}
    port = make_port(flow=flows["employment_registration"], more=[flows["job_search"]])
    with HeadlessUI(port, clock=clock) as ui:
        shots = readme_pictures(ui, tmp_path, TODAY)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(README_PICTURES)
    by_name = {s.path.name: s for s in shots if s.path is not None}
    assert by_name["kiosk-job-list.png"].screen == "list"
    assert by_name["kiosk-form-error.png"].screen == "form"
    assert (
        by_name["kiosk-elder-question.png"].screen,
        by_name["kiosk-elder-question.png"].mode,
    ) == (
        "form",
        "elder",
    )
    assert {name: s.problems for name, s in by_name.items() if s.problems} == {}
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    for name in README_PICTURES:
        assert f"docs/img/{name}" in readme
