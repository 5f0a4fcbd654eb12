"""The real tree breaks no import rule of docs/architecture.md, and every table names what exists.

Each rule's negative tests (a small tree that breaks it, reported exactly) are in the modules
beside this one, one module per rule or pair of rules.
"""

from __future__ import annotations

from tests.architecture.checker import ALLOWED_EXCEPTIONS, CODEC_MODULES, PRODUCT, check
from tests.architecture.imports import imports_of, under
from tests.architecture.trees import ROOT

# --- the real tree ------------------------------------------------------------------------


def test_the_real_tree_breaks_no_rule() -> None:
    found = check(ROOT)
    assert not found, "imports against the rules:\n" + "\n".join(map(str, found))


def test_every_package_exists_and_has_code() -> None:
    for package in PRODUCT:
        assert sorted((ROOT / package).rglob("*.py")), f"{package}/ has no Python files"


def test_every_codec_module_in_the_table_exists() -> None:
    for pattern in CODEC_MODULES:
        assert sorted(ROOT.glob(pattern)), f"{pattern} names no module: fix the codec table"
    assert len(sorted(ROOT.glob("drivers/*/protocol.py"))) >= 2


def test_every_allowed_exception_is_still_needed() -> None:
    without = check(ROOT, exceptions={})
    for path, prefix in ALLOWED_EXCEPTIONS:
        assert any(v.path == path and under(v.imported, prefix) for v in without), (
            f"{path} no longer imports {prefix}: remove it from ALLOWED_EXCEPTIONS"
        )


def test_the_parser_sees_every_import_statement() -> None:
    source = "import kivy.app\nfrom controller.db import x\nimport json\n"
    assert [i.target.split(".")[0] for i in imports_of(source)] == ["kivy", "controller", "json"]
