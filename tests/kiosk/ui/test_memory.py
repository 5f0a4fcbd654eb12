"""What a visit leaves in memory after it is wiped (kiosk/ui/memory.py, Router.wipe).

Counted from objects and from what the allocator reports, never from timings: the RSS over
10,000 visits is bench/bench_kiosk_ui.py's (`--only rss`).
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.ui import memory
from tests.kiosk.ui.helpers import step_buttons, tap

pytestmark = pytest.mark.kivy
ROOT = Path(__file__).resolve().parents[3]


def _cancel_a_visit(ui: Any, clock: Any) -> None:
    """A tile, the step's cancel, the end screen's time passed: back on the menu."""
    tap(ui, ui.root.welcome.tiles[0])
    assert ui.root.current == "action"
    tap(ui, step_buttons(ui.root.current_screen)["cancel"])
    assert ui.root.current == "end"
    clock.advance(30)
    ui.session.tick()
    ui.frames(2)
    assert ui.root.current == "welcome"


@pytest.fixture
def trims(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every trim_heap call (still made), with no delay after the wipe."""
    done: list[bool] = []
    real = memory.trim_heap
    monkeypatch.setattr("kiosk.ui.root.TRIM_DELAY_SECONDS", 0.0)

    def counted() -> bool:
        done.append(real())
        return done[-1]

    monkeypatch.setattr(memory, "trim_heap", counted)
    return done


def test_a_wipe_hands_the_freed_heap_back_once_the_next_screen_is_up(
    trims: list[bool], port: Any, clock: Any
) -> None:
    from devkit.headless import HeadlessUI

    with HeadlessUI(port, clock=clock, idle_return_seconds=10) as ui:
        ui.frames(2)
        tap(ui, ui.root.welcome.tiles[0])
        before, calls = ui.root.trims, len(trims)
        tap(ui, step_buttons(ui.root.current_screen)["cancel"])  # the visit wiped
        assert ui.root.current == "end"
        ui.until(lambda: ui.root.trims > before)

        # Through kiosk.ui.memory (an App of an earlier test may trim in between too).
        assert len(trims) > calls


def test_trimming_returns_freed_memory_to_the_system() -> None:
    def resident() -> int:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    # 1 KB blocks come from malloc's heap (Python's own allocator takes up to 512 bytes);
    # keeping every tenth leaves the freed ones in the middle, where free() cannot shrink.
    blocks = [bytes(1024) for _ in range(60_000)]
    kept = blocks[::10]
    del blocks
    gc.collect()
    freed = resident()

    assert memory.trim_heap() is True
    assert resident() < freed - 20_000_000  # most of the ~55 MB freed went back
    assert len(kept) == 6_000


def test_visits_leave_no_screens_or_labels_behind(ui: Any, clock: Any) -> None:
    from kivy.graphics.texture import Texture
    from kivy.uix.widget import Widget

    def alive() -> tuple[int, int]:
        gc.collect()
        objects = gc.get_objects()
        return (
            # type(), not isinstance(): a dead weak proxy among them raises on the latter.
            sum(issubclass(type(o), Widget) for o in objects),
            sum(issubclass(type(o), Texture) for o in objects),
        )

    # Every part of the screen made and the long-lived objects set aside (Router.settle,
    # some 20 frames after the menu's first), then the screens a visit needs warmed, once.
    ui.until(lambda: ui.root._settled)
    for _ in range(2):
        _cancel_a_visit(ui, clock)
    widgets, textures = alive()
    for _ in range(4):
        _cancel_a_visit(ui, clock)

    assert alive() <= (widgets, textures)


def test_the_window_has_no_multisampled_framebuffer() -> None:
    # With software GL two samples a pixel cost 30 MB of the 300 MB and a resolve a frame.
    code = (
        "import tempfile; from kiosk.ui.kivy_setup import configure_kivy;"
        "configure_kivy(True, kivy_home=tempfile.mkdtemp());"
        "from kivy.config import Config; print(Config.get('graphics', 'multisamples'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, timeout=60, check=True, capture_output=True
    )
    assert done.stdout.decode().strip().splitlines()[-1] == "0"
