"""A package's lazy table (`lazy_exports(__name__, _HOME)`) is read as the imports it makes.

Every rule has a negative test: a small module tree written to tmp_path that breaks it, on
which the checker must report exactly that import, by file, line, name and rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.checker import DOC
from tests.architecture.trees import report

# --- a package's lazy table (`lazy_exports(__name__, _HOME)` over a literal `_HOME`) ------

_LAZY_FLOWS = """\
from pii.lazy import lazy_exports

_HOME = {
    "FlowRun": "flows.engine",
    "KioskService": "kiosk.service",
}

__getattr__ = lazy_exports(__name__, _HOME)
"""

_LAZY_HOOK = """\
import importlib


def lazy_exports(package, homes):
    def __getattr__(name):
        return getattr(importlib.import_module(homes[name]), name)

    return __getattr__
"""

_LAZY_TREE = {"pii/lazy.py": _LAZY_HOOK, "flows/engine.py": "", "kiosk/service.py": ""}


def test_a_lazy_tables_modules_are_checked_as_imports(tmp_path: Path) -> None:
    found = report(tmp_path, {**_LAZY_TREE, "flows/__init__.py": _LAZY_FLOWS})
    # flows.engine is allowed and reported by nobody; kiosk.service is refused on its line;
    # the hook's own computed import in pii/lazy.py is not reported
    assert found == [
        (
            "table",
            "flows/__init__.py:5 imports kiosk.service (_HOME: 'kiosk.service', through "
            "lazy_exports(__name__, _HOME)): the package table lets flows import only "
            f"flows, pii, wire.matching, wire.vocabulary of ours ({DOC})",
        )
    ]


def test_a_lazy_table_through_the_hooks_module_is_checked_too(tmp_path: Path) -> None:
    source = _LAZY_FLOWS.replace("from pii.lazy import lazy_exports", "import pii.lazy").replace(
        "= lazy_exports(", "= pii.lazy.lazy_exports("
    )
    found = report(tmp_path, {**_LAZY_TREE, "flows/__init__.py": source})
    assert [(rule, message.split(" (")[0]) for rule, message in found] == [
        ("table", "flows/__init__.py:5 imports kiosk.service")
    ]


def test_a_hook_handed_anything_but_the_literal_table_is_refused(tmp_path: Path) -> None:
    source = _LAZY_FLOWS.replace("(__name__, _HOME)", "(__name__, dict(_HOME))")
    found = report(tmp_path, {**_LAZY_TREE, "flows/__init__.py": source})
    assert found == [
        (
            "dynamic",
            "flows/__init__.py:8 imports a computed name (lazy_exports(__name__, dict(_HOME))): "
            f"a dynamic import with a computed name cannot be checked ({DOC})",
        )
    ]


@pytest.mark.parametrize("function", ["__getattr__", "load"])
def test_a_computed_import_over_the_table_outside_the_hook_is_refused(
    tmp_path: Path, function: str
) -> None:
    # the pattern the hook replaced (a package's own __getattr__), or any other function
    source = _LAZY_FLOWS.replace(
        "__getattr__ = lazy_exports(__name__, _HOME)",
        f"def {function}(name):\n    return getattr(importlib.import_module(_HOME[name]), name)",
    ).replace("from pii.lazy import lazy_exports", "import importlib")
    found = report(tmp_path, {**_LAZY_TREE, "flows/__init__.py": source})
    assert found == [
        (
            "dynamic",
            "flows/__init__.py:9 imports a computed name (importlib.import_module(_HOME[name])): "
            f"a dynamic import with a computed name cannot be checked ({DOC})",
        )
    ]


def test_the_hooks_computed_import_is_allowed_in_its_own_file_only(tmp_path: Path) -> None:
    found = report(tmp_path, {**_LAZY_TREE, "pii/loader.py": _LAZY_HOOK})
    assert found == [
        (
            "dynamic",
            "pii/loader.py:6 imports a computed name (importlib.import_module(homes[name])): "
            f"a dynamic import with a computed name cannot be checked ({DOC})",
        )
    ]


def test_the_hook_imports_nothing_of_ours(tmp_path: Path) -> None:
    found = report(tmp_path, {**_LAZY_TREE, "pii/lazy.py": "import pii.masking\n" + _LAZY_HOOK})
    assert found == [
        (
            "table",
            "pii/lazy.py:1 imports pii.masking: the package table lets pii.lazy import only "
            f"nothing of ours ({DOC})",
        )
    ]
