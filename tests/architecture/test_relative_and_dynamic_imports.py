"""Relative imports are resolved before the rules; dynamic imports are checked or refused.

Every rule has a negative test: a small module tree written to tmp_path that breaks it, on
which the checker must report exactly that import, by file, line, name and rule.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.architecture.checker import DOC
from tests.architecture.trees import NOT_UI, ROOT, UI, report

# --- relative imports ---------------------------------------------------------------------


def test_a_relative_import_is_resolved_before_the_rules(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {
            **UI,
            "drivers/idcard/errors.py": "",
            "drivers/idcard/card.py": "from . import errors\nfrom .errors import CardDataError\n",
            "kiosk/outbox.py": "from .ui.bridge import UiBridge\n",
            "kiosk/ui/app.py": "from .bridge import UiBridge\nfrom .. import outbox\n",
        },
    )
    assert found == [
        (
            "kiosk-ui",
            "kiosk/outbox.py:1 imports kiosk.ui.bridge "
            f"(from .ui.bridge import UiBridge): {NOT_UI}",
        )
    ]


def test_a_relative_import_climbing_above_its_package_is_refused(tmp_path: Path) -> None:
    found = report(tmp_path, {"flows/engine.py": "from .. import controller\n"})
    assert found == [
        (
            "relative",
            "flows/engine.py:1 imports .. (from .. import controller): a relative import climbs "
            f"above its top-level package ({DOC})",
        )
    ]


def test_ruff_refuses_a_relative_import(tmp_path: Path) -> None:
    module = tmp_path / "outbox.py"
    module.write_text("from .ui import bridge\n\nbridge.run()\n", encoding="utf-8")
    config = ROOT / "pyproject.toml"
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(config), str(module)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "TID252" in lint.stdout


# --- rule "dynamic" -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "imported", "written", "why"),
    [
        (
            'import importlib\nimportlib.import_module("kiosk.ui.app")\n',
            "kiosk.ui.app",
            "importlib.import_module('kiosk.ui.app')",
            "a dynamic import of our code cannot be checked; write an import",
        ),
        (
            'import sys\n__import__("drivers")\n',
            "drivers",
            "__import__('drivers')",
            "a dynamic import of our code cannot be checked; write an import",
        ),
        (
            'from importlib import import_module as load\nload("controller.db")\n',
            "controller.db",
            "load('controller.db')",
            "a dynamic import of our code cannot be checked; write an import",
        ),
        (
            "import importlib as il\nil.import_module(NAME)\n",
            "a computed name",
            "il.import_module(NAME)",
            "a dynamic import with a computed name cannot be checked",
        ),
    ],
)
def test_a_dynamic_import_in_product_code_is_refused(
    tmp_path: Path, source: str, imported: str, written: str, why: str
) -> None:
    found = report(tmp_path, {"kiosk/outbox.py": source})
    assert found == [
        ("dynamic", f"kiosk/outbox.py:2 imports {imported} ({written}): {why} ({DOC})")
    ]


def test_a_dynamic_import_of_a_library_is_checked_like_an_import(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {
            "kiosk/outbox.py": 'import importlib\nimportlib.import_module("json")\n'
            'importlib.import_module("kivy")\n',
        },
    )
    assert found == [
        (
            "kivy",
            "kiosk/outbox.py:3 imports kivy (importlib.import_module('kivy')): only kiosk/ui/ and "
            f"devkit/ import kivy ({DOC})",
        )
    ]
