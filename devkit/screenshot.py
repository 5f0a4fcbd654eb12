"""Render one screen of the kiosk UI to a PNG without a display, for tests and documentation."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from devkit.headless import HeadlessUI
from flows import FlowRun, StepKind
from flows.progress import FORWARD_EVENTS
from kiosk.ports import DemoPort, KioskPort

SCREENS = ("welcome", "identify", "action", "form", "confirm", "notice", "list", "detail", "end")


def walk_to(ui: HeadlessUI, screen_name: str, form_values: Mapping[str, str]) -> None:
    """Drive the first service of the catalogue forward until `screen_name` shows.

    Forms are filled from `form_values`; confirm screens are confirmed; notices retried (the
    identity chooser: its first method); a demo card reader gets its first card; a list's
    first item that can be chosen is chosen, and a detail left by its way forward. Raises
    TimeoutError if the screen never comes.
    """
    if screen_name not in SCREENS:
        raise ValueError(f"unknown screen {screen_name!r}; one of {', '.join(SCREENS)}")
    session = ui.session
    for _ in range(40):
        if ui.root.current == screen_name:
            ui.frames(2)
            return
        run = session.run
        if ui.root.current == "welcome":
            session.start(ui.port.catalog[0].id)
        elif run is None:
            session.finish()
        elif run.step.kind is StepKind.FORM:
            if session.submit(form_values):
                raise ValueError(f"form_values do not pass step {run.step.name!r}")
        elif run.step.kind is StepKind.CONFIRM:
            session.fire("confirm")
        elif run.step.kind is StepKind.NOTICE:
            session.fire(run.buttons()[0])
        elif run.step.kind is StepKind.LIST:
            session.select(next(item.id for item in run.items() if item.available))
        elif run.step.kind is StepKind.DETAIL:
            offered = run.buttons()
            session.fire(next((e for e in FORWARD_EVENTS if e in offered), offered[0]))
        elif run.step.kind is StepKind.ACTION:
            tapper = session.tappers.get(run.step.action or "")
            if tapper is not None:
                tapper.present(tapper.card_names()[0])
            ui.until(_moved_on(ui, run, len(run.history)), 500)
        ui.frames(1)
    raise TimeoutError(f"screen {screen_name!r} not reached")


def _moved_on(ui: HeadlessUI, run: FlowRun, history: int) -> Callable[[], bool]:
    return lambda: ui.session.run is not run or len(run.history) != history


def render_screen_png(
    port: KioskPort,
    screen_name: str,
    path: str | os.PathLike[str],
    lang: str = "zh-CN",
    size: tuple[int, int] = (1280, 800),
    *,
    form_values: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    demo: DemoPort | None = None,
) -> Path:
    """Start the App off-screen, walk to `screen_name`, write it to `path`, stop the App."""
    with HeadlessUI(port, lang=lang, size=size, clock=clock, demo=demo) as ui:
        walk_to(ui, screen_name, form_values or {})
        return ui.screenshot(path)
