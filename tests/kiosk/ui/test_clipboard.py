"""The first form of a session logs no "Cutbuffer" CRITICAL and puts nothing on a clipboard.

Kivy's TextInput looks up a clipboard and an X cut buffer (xclip, xsel) when the first one is
made on Linux, even with KIVY_CLIPBOARD=dummy, and logs a CRITICAL traceback for each
missing tool. A kiosk has no use for either: copying what a citizen typed anywhere is a leak.
The check runs in a fresh process, because only the first text box of a process looks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.kivy

ROOT = Path(__file__).resolve().parents[3]

FIRST_FORM = """
import logging, os, tempfile
os.environ["KIVY_HOME"] = tempfile.mkdtemp()
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append((record.levelname, record.getMessage()))
logging.getLogger().addHandler(Keep())
from devkit.headless import HeadlessUI
from tests.kiosk.ui.conftest import FakePort
from tests.support.clock import FakeClock
clock = FakeClock()
port = FakePort(clock, demo=False)
with HeadlessUI(port, clock=clock) as ui:
    ui.session.start("employment_registration")
    ui.until(lambda: ui.root.current == "form")
    box = ui.root.steps["form"].blocks["employer_name"].input
    box.focus = True
    ui.frames(2)
    import kivy.uix.textinput as textinput
    box.copy("测试")
    pasted = textinput.Clipboard.paste()
loud = [m for level, m in records if level in ("CRITICAL", "ERROR")]
print("LOUD", loud)
assert not any("utbuffer" in m or "xclip" in m or "xsel" in m for m in loud), loud
assert pasted == "", "a clipboard kept what was copied"
"""


def test_the_first_form_of_a_process_logs_no_cutbuffer_tracebacks() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIVY_LOG_MODE": "PYTHON"}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FORM],
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
        capture_output=True,
    )
    assert done.returncode == 0, (done.stdout + done.stderr).decode()[-3000:]
