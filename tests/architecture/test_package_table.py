"""Rules "table" and "devkit": which of our modules and which libraries each package may import.

Every rule has a negative test: a small module tree written to tmp_path that breaks it, on
which the checker must report exactly that import, by file, line, name and rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.checker import DOC, PRODUCT
from tests.architecture.trees import report

# --- rule "table" -------------------------------------------------------------------------


def test_a_driver_importing_the_kiosk_breaks_the_table(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {
            "kiosk/outbox.py": "",
            "drivers/idcard/reader.py": "import serial\nfrom kiosk.outbox import Outbox\n",
        },
    )
    assert found == [
        (
            "table",
            "drivers/idcard/reader.py:2 imports kiosk.outbox (from kiosk.outbox import Outbox): "
            f"the package table lets drivers import only drivers, pii of ours ({DOC})",
        )
    ]


def test_the_controller_importing_a_driver_breaks_the_table(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {
            "drivers/printer/__init__.py": "",
            "controller/routes.py": "import fastapi\nimport drivers.printer\n",
        },
    )
    assert found == [
        (
            "table",
            "controller/routes.py:2 imports drivers.printer: the package table lets controller "
            f"import only controller, pii, wire of ours ({DOC})",
        )
    ]


def test_a_library_the_table_does_not_give_is_refused(tmp_path: Path) -> None:
    found = report(tmp_path, {"pii/masking.py": "import re\nimport stdnum\nimport httpx\n"})
    assert found == [
        (
            "table",
            "pii/masking.py:3 imports httpx: "
            f"the package table does not give pii the library httpx ({DOC})",
        )
    ]


def test_flows_take_only_the_vocabulary_from_wire(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {
            "wire/__init__.py": "",
            "wire/vocabulary.py": "import enum\n",
            "wire/v1.py": "",
            "flows/engine.py": """\
                from wire.vocabulary import DeviceKind
                from wire import vocabulary
                from wire.v1 import Heartbeat
                from wire import DeviceKind
            """,
        },
    )
    only = (
        "the package table lets flows import only flows, pii, wire.matching, wire.vocabulary"
        f" of ours ({DOC})"
    )
    assert found == [
        ("table", f"flows/engine.py:3 imports wire.v1 (from wire.v1 import Heartbeat): {only}"),
        ("table", f"flows/engine.py:4 imports wire (from wire import DeviceKind): {only}"),
    ]


def test_the_vocabulary_flows_import_stays_stdlib_only(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {
            "wire/__init__.py": "",
            "wire/v1.py": "import pydantic\nfrom pii import mask_name\n",
            "wire/vocabulary.py": "import enum\nimport pydantic\nfrom pii import mask_name\n",
        },
    )
    assert found == [
        (
            "table",
            "wire/vocabulary.py:2 imports pydantic: the package table does not give "
            f"wire.vocabulary the library pydantic ({DOC})",
        ),
        (
            "table",
            "wire/vocabulary.py:3 imports pii (from pii import mask_name): the package table "
            f"lets wire.vocabulary import only nothing of ours ({DOC})",
        ),
    ]


def test_the_matching_rules_flows_import_stay_stdlib_only(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {
            "wire/__init__.py": "",
            "wire/matching.py": "import enum\nimport pydantic\nfrom wire import v1\n",
            "wire/v1.py": "",
            "flows/matching.py": "from wire.matching import verdict\n",
        },
    )
    assert found == [
        (
            "table",
            "wire/matching.py:2 imports pydantic: the package table does not give "
            f"wire.matching the library pydantic ({DOC})",
        ),
        (
            "table",
            "wire/matching.py:3 imports wire.v1 (from wire import v1): the package table "
            f"lets wire.matching import only nothing of ours ({DOC})",
        ),
    ]


def test_tests_and_bench_may_import_anything(tmp_path: Path) -> None:
    anything = "import kivy\nimport controller.main\nfrom devkit import demo\nfrom . import x\n"
    assert report(tmp_path, {"tests/test_x.py": anything, "bench/bench_x.py": anything}) == []


# --- rule "devkit" ------------------------------------------------------------------------


@pytest.mark.parametrize("package", sorted(PRODUCT))
def test_a_product_package_importing_devkit_is_refused(tmp_path: Path, package: str) -> None:
    found = report(
        tmp_path,
        {"devkit/__init__.py": "", f"{package}/tool.py": "\nfrom devkit import tappers\n"},
    )
    assert found == [
        (
            "devkit",
            f"{package}/tool.py:2 imports devkit (from devkit import tappers): no product package "
            f"imports devkit/ (development tools) ({DOC})",
        )
    ]


def test_devkit_may_import_the_product_and_kivy(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        {
            "devkit/demo.py": """\
                import importlib

                import kivy.app
                from controller.main import main
                from drivers.idcard.simulator import IdCardSimulator
                from kiosk.ui.app import run_kiosk_app
                from devkit import tappers

                importlib.import_module("kiosk.ui.headless")
            """,
        },
    )
    assert found == []
