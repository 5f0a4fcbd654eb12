"""Rules "kiosk-ui" and "kivy": only kiosk/ui/ (and devkit/) reach the touchscreen and Kivy.

Every rule has a negative test: a small module tree written to tmp_path that breaks it, on
which the checker must report exactly that import, by file, line, name and rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.checker import DOC
from tests.architecture.trees import NOT_UI, UI, report

# --- rule "kiosk-ui" ----------------------------------------------------------------------


def test_kiosk_code_outside_the_ui_importing_it_is_refused(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {**UI, "kiosk/outbox.py": "import sqlite3\nfrom kiosk.ui.bridge import UiBridge\n"},
    )
    assert found == [
        (
            "kiosk-ui",
            "kiosk/outbox.py:2 imports kiosk.ui.bridge "
            f"(from kiosk.ui.bridge import UiBridge): {NOT_UI}",
        )
    ]


def test_an_import_inside_a_function_counts(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {**UI, "kiosk/sync.py": "def run():\n    if True:\n        import kiosk.ui.app\n"},
    )
    assert found == [("kiosk-ui", f"kiosk/sync.py:3 imports kiosk.ui.app: {NOT_UI}")]


def test_the_ui_may_import_itself_kivy_and_the_kiosk(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {
            **UI,
            "kiosk/outbox.py": "",
            "kiosk/ui/screens/home.py": "import kivy.uix.screenmanager\n"
            "from kiosk.ui.bridge import UiBridge\nfrom kiosk.outbox import Outbox\n",
        },
    )
    assert found == []


def test_an_allowed_exception_covers_exactly_that_one_import(tmp_path: Path) -> None:
    """The real tree needs no exception today; the mechanism still admits one import only."""
    found = report(
        tmp_path,
        {
            **UI,
            "kiosk/main.py": "def main():\n    from kiosk.ui.app import run_kiosk_app\n"
            "    from kiosk.ui.bridge import UiBridge\n",
        },
        exceptions={("kiosk/main.py", "kiosk.ui.app"): "an entry point, for this test"},
    )
    assert found == [
        (
            "kiosk-ui",
            "kiosk/main.py:3 imports kiosk.ui.bridge "
            f"(from kiosk.ui.bridge import UiBridge): {NOT_UI}",
        )
    ]


# --- rule "kivy" --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "statement", "imported"),
    [
        ("kiosk/outbox.py", "import kivy", "kivy"),
        ("kiosk/composition.py", "from kivy.clock import Clock", "kivy.clock"),
        (
            "drivers/camera/source.py",
            "from kivy.graphics.texture import Texture",
            "kivy.graphics.texture",
        ),
        ("provisioning/cli.py", "import kivy.app", "kivy.app"),
        ("flows/engine.py", "import kivy.app", "kivy.app"),
    ],
)
def test_kivy_outside_the_ui_and_devkit_is_refused(
    tmp_path: Path, module: str, statement: str, imported: str
) -> None:
    found = report(tmp_path, {module: f"import logging\n{statement}\n"})
    said = "" if statement == f"import {imported}" else f" ({statement})"
    assert found == [
        (
            "kivy",
            f"{module}:2 imports {imported}{said}: only kiosk/ui/ and devkit/ import kivy ({DOC})",
        )
    ]
