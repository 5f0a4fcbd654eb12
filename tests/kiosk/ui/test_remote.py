"""Remote commands the touchscreen carries out: a screenshot of public screens only,
identify (a flash), restart (after the result is on disk). Run as the sync thread runs
them: from another thread, while the test pumps the window's frames."""

from __future__ import annotations

import datetime as dt
import io
import random
import threading
from typing import Any

import pytest
from PIL import Image

from kiosk.commands import Outcome
from kiosk.ui.remote import UICommands, fit_png
from tests.kiosk.ui.helpers import tap
from wire import Command, CommandKind

pytestmark = pytest.mark.kivy

SHOT_FILE = "/tmp/estation-remote-screenshot.png"
NOW = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC)


def command(kind: CommandKind) -> Command:
    return Command(id="c" * 32, kind=kind, issued_at=NOW, expires_at=NOW + dt.timedelta(minutes=30))


def from_sync_thread(ui: Any, run: Any, kind: CommandKind) -> Outcome:
    """`run(command)` on a thread of its own while the UI keeps drawing frames."""
    box: dict[str, Outcome] = {}
    worker = threading.Thread(target=lambda: box.update(out=run(command(kind))))
    worker.start()
    ui.until(lambda: not worker.is_alive())
    worker.join()
    return box["out"]


def test_a_screenshot_of_the_menu_is_a_png_that_fits_a_result(ui: Any) -> None:
    outcome = from_sync_thread(ui, UICommands(ui.app).screenshot, CommandKind.SCREENSHOT)
    assert outcome.ok, outcome.detail
    assert outcome.attachment_type == "image/png"
    shot = Image.open(io.BytesIO(outcome.attachment))
    assert shot.size[0] > 100
    darkest, lightest = shot.convert("L").getextrema()
    assert lightest - darkest > 100  # the menu's text on its ground, not a blank frame
    shot.save(SHOT_FILE)
    # The right way up: the header's full-width accent rule is in the top quarter.
    rules = [y for y in range(shot.height) if _accent_row(shot, y)]
    assert rules
    assert rules[0] < shot.height / 4


def _accent_row(shot: Image.Image, y: int) -> bool:
    """True when the row is the accent colour (dark blue) across nearly all its width."""
    row = [shot.getpixel((x, y)) for x in range(0, shot.width, 16)]
    blue = [p for p in row if isinstance(p, tuple) and p[2] > 120 and p[0] < 60]
    return len(blue) > 0.9 * len(row)


def test_a_screenshot_is_refused_while_a_citizen_is_on_a_step(ui: Any) -> None:
    tap(ui, ui.root.welcome.tiles[0])
    assert ui.session.run is not None
    outcome = from_sync_thread(ui, UICommands(ui.app).screenshot, CommandKind.SCREENSHOT)
    assert not outcome.ok
    assert outcome.attachment == b""
    assert "citizen" in outcome.detail


def test_identify_flashes_the_screen(ui: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from kivy.core.window import Window

    from kiosk.ui import remote

    # What the window held after each toggle. Not sampled between frames: on a slow machine
    # one frame runs several 0.4 s toggles that fell due together, so a frame may never see
    # the veil up although it went up and down.
    seen: list[int] = []
    toggle = remote._toggle

    def recorded(window: Any, veil: Any, on: bool) -> None:
        toggle(window, veil, on)
        seen.append(len(window.children))

    monkeypatch.setattr(remote, "_toggle", recorded)
    before = len(Window.children)
    outcome = from_sync_thread(ui, UICommands(ui.app).identify, CommandKind.IDENTIFY)
    assert outcome.ok
    ui.until(lambda: len(seen) == 2 * remote._FLASHES + 1, max_frames=2000)
    # The white veil went up and down three times, and is gone.
    assert seen == [before + 1, before] * remote._FLASHES + [before]
    assert len(Window.children) == before


def test_restart_leaves_only_after_the_result_is_kept(ui: Any) -> None:
    stops: list[bool] = []
    ui.app.stop = lambda *args: stops.append(True)
    outcome = UICommands(ui.app).restart(command(CommandKind.RESTART_APP))
    assert outcome.ok
    assert stops == []  # nothing happens until the runner has saved the result
    assert outcome.then is not None
    outcome.then()
    ui.frames(2)
    assert stops == [True]


def test_a_large_picture_is_halved_until_it_fits() -> None:
    noise = random.Random(3).randbytes(1280 * 800 * 3)
    big = Image.frombytes("RGB", (1280, 800), noise)
    data = fit_png(big, limit_chars=200_000)
    assert (len(data) + 2) // 3 * 4 <= 200_000
    assert Image.open(io.BytesIO(data)).width < 1280
