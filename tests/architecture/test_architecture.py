"""The import rules of docs/architecture.md hold on the real tree, and each one can fail.

Every rule has a negative test: a small module tree written to tmp_path that breaks it, on
which the checker must report exactly that import, by file, line, name and rule.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.architecture.checker import (
    ALLOWED_EXCEPTIONS,
    CODEC_MODULES,
    DOC,
    PRODUCT,
    check,
    imports_of,
    under,
)

ROOT = Path(__file__).resolve().parents[2]


def _report(
    root: Path, files: dict[str, str], exceptions: dict[tuple[str, str], str] | None = None
) -> list[tuple[str, str]]:
    """Write `files` (path -> source) under root, check it: (rule, message) per violation."""
    for relpath, source in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    found = check(root) if exceptions is None else check(root, exceptions=exceptions)
    return [(v.rule, str(v)) for v in found]


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


# --- rule "table" -------------------------------------------------------------------------


def test_a_driver_importing_the_kiosk_breaks_the_table(tmp_path: Path) -> None:
    found = _report(
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
    found = _report(
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
    found = _report(tmp_path, {"pii/masking.py": "import re\nimport stdnum\nimport httpx\n"})
    assert found == [
        (
            "table",
            "pii/masking.py:3 imports httpx: "
            f"the package table does not give pii the library httpx ({DOC})",
        )
    ]


def test_flows_take_only_the_vocabulary_from_wire(tmp_path: Path) -> None:
    found = _report(
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
    found = _report(
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
    found = _report(
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
    assert _report(tmp_path, {"tests/test_x.py": anything, "bench/bench_x.py": anything}) == []


# --- rule "devkit" ------------------------------------------------------------------------


@pytest.mark.parametrize("package", sorted(PRODUCT))
def test_a_product_package_importing_devkit_is_refused(tmp_path: Path, package: str) -> None:
    found = _report(
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
    found = _report(
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


# --- rule "codec-io" ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "statement", "imported", "why"),
    [
        ("drivers/idcard/protocol.py", "import serial", "serial", "(serial: serial ports)"),
        (
            "drivers/printer/protocol.py",
            "import threading",
            "threading",
            "(threading: processes and threads)",
        ),
        (
            "drivers/socialcard/apdu.py",
            "import smartcard.scard",
            "smartcard.scard",
            "(smartcard: PC/SC readers)",
        ),
        ("drivers/socialcard/ssse.py", "import socket", "socket", "(socket: the network)"),
        ("drivers/printer/escpos_decode.py", "import time", "time", "(time: the clock)"),
        ("drivers/idcard/card.py", "import os", "os", "(os: files and terminals)"),
        ("drivers/newdevice/protocol.py", "import usb.core", "usb.core", "(usb: USB devices)"),
    ],
)
def test_a_codec_importing_an_io_library_is_refused(
    tmp_path: Path, codec: str, statement: str, imported: str, why: str
) -> None:
    found = _report(tmp_path, {codec: f"import enum\n{statement}\n"})
    assert found == [
        (
            "codec-io",
            f"{codec}:2 imports {imported}: a codec module imports no I/O library {why} ({DOC})",
        )
    ]


def test_a_codec_may_use_the_escpos_encoder_but_no_escpos_connection(tmp_path: Path) -> None:
    found = _report(
        tmp_path,
        {
            "drivers/printer/escpos_render.py": """\
                import qrcode

                def render():
                    from escpos.printer import Dummy
                    from escpos.printer import Usb
            """,
        },
    )
    assert found == [
        (
            "codec-io",
            "drivers/printer/escpos_render.py:5 imports escpos.printer "
            "(from escpos.printer import Usb): a codec module imports no I/O library "
            "(escpos.printer.Usb: a python-escpos connection; its Dummy encoder is not one) "
            f"({DOC})",
        )
    ]


def test_a_codec_reaching_io_through_a_drivers_module_is_refused(tmp_path: Path) -> None:
    found = _report(
        tmp_path,
        {
            "drivers/errors.py": "",
            "drivers/socialcard/errors.py": "from drivers.errors import DriverError\n",
            "drivers/socialcard/pcsc.py": "from drivers.socialcard.errors import NoCard\n"
            "from smartcard import scard\n",
            "drivers/socialcard/apdu.py": "from drivers.socialcard.errors import ApduError\n"
            "from drivers.socialcard import pcsc\n",
        },
    )
    assert found == [
        (
            "codec-io",
            "drivers/socialcard/apdu.py:2 imports drivers.socialcard.pcsc "
            "(from drivers.socialcard import pcsc): a codec module imports no I/O library, "
            "not even through drivers code: drivers/socialcard/pcsc.py:2 imports smartcard "
            f"(PC/SC readers) ({DOC})",
        )
    ]


def test_a_driver_module_that_is_no_codec_may_do_io(tmp_path: Path) -> None:
    found = _report(
        tmp_path,
        {
            "drivers/idcard/protocol.py": "import enum\n",
            "drivers/idcard/reader.py": "import serial\nimport threading\n"
            "from drivers.idcard import protocol\n",
        },
    )
    assert found == []


# --- rule "driver-folders" ----------------------------------------------------------------


def test_a_driver_folder_importing_another_is_refused(tmp_path: Path) -> None:
    found = _report(
        tmp_path,
        {
            "drivers/errors.py": "",
            "drivers/ptypair.py": "",
            "drivers/printer/__init__.py": "",
            "drivers/printer/device.py": "",
            "drivers/idcard/reader.py": """\
                from drivers.errors import DriverError
                from drivers.ptypair import RawPty
                from drivers.printer.device import ReceiptPrinter
                from drivers import printer
            """,
        },
    )
    why = (
        "drivers/idcard/ does not import another driver folder (drivers/printer/); "
        f"shared code lives in a drivers/*.py module ({DOC})"
    )
    assert found == [
        (
            "driver-folders",
            "drivers/idcard/reader.py:3 imports drivers.printer.device "
            f"(from drivers.printer.device import ReceiptPrinter): {why}",
        ),
        (
            "driver-folders",
            "drivers/idcard/reader.py:4 imports drivers.printer "
            f"(from drivers import printer): {why}",
        ),
    ]


# --- rule "kiosk-ui" ----------------------------------------------------------------------

_UI = {"kiosk/ui/__init__.py": "", "kiosk/ui/bridge.py": "", "kiosk/ui/app.py": ""}
_NOT_UI = f"kiosk code outside kiosk/ui/ never imports kiosk.ui ({DOC})"


def test_kiosk_code_outside_the_ui_importing_it_is_refused(tmp_path: Path) -> None:
    found = _report(
        tmp_path,
        {**_UI, "kiosk/outbox.py": "import sqlite3\nfrom kiosk.ui.bridge import UiBridge\n"},
    )
    assert found == [
        (
            "kiosk-ui",
            "kiosk/outbox.py:2 imports kiosk.ui.bridge "
            f"(from kiosk.ui.bridge import UiBridge): {_NOT_UI}",
        )
    ]


def test_an_import_inside_a_function_counts(tmp_path: Path) -> None:
    found = _report(
        tmp_path,
        {**_UI, "kiosk/sync.py": "def run():\n    if True:\n        import kiosk.ui.app\n"},
    )
    assert found == [("kiosk-ui", f"kiosk/sync.py:3 imports kiosk.ui.app: {_NOT_UI}")]


def test_the_ui_may_import_itself_kivy_and_the_kiosk(tmp_path: Path) -> None:
    found = _report(
        tmp_path,
        {
            **_UI,
            "kiosk/outbox.py": "",
            "kiosk/ui/screens/home.py": "import kivy.uix.screenmanager\n"
            "from kiosk.ui.bridge import UiBridge\nfrom kiosk.outbox import Outbox\n",
        },
    )
    assert found == []


def test_an_allowed_exception_covers_exactly_that_one_import(tmp_path: Path) -> None:
    """The real tree needs no exception today; the mechanism still admits one import only."""
    found = _report(
        tmp_path,
        {
            **_UI,
            "kiosk/main.py": "def main():\n    from kiosk.ui.app import run_kiosk_app\n"
            "    from kiosk.ui.bridge import UiBridge\n",
        },
        exceptions={("kiosk/main.py", "kiosk.ui.app"): "an entry point, for this test"},
    )
    assert found == [
        (
            "kiosk-ui",
            "kiosk/main.py:3 imports kiosk.ui.bridge "
            f"(from kiosk.ui.bridge import UiBridge): {_NOT_UI}",
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
    found = _report(tmp_path, {module: f"import logging\n{statement}\n"})
    said = "" if statement == f"import {imported}" else f" ({statement})"
    assert found == [
        (
            "kivy",
            f"{module}:2 imports {imported}{said}: only kiosk/ui/ and devkit/ import kivy ({DOC})",
        )
    ]


# --- relative imports ---------------------------------------------------------------------


def test_a_relative_import_is_resolved_before_the_rules(tmp_path: Path) -> None:
    found = _report(
        tmp_path,
        {
            **_UI,
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
            f"(from .ui.bridge import UiBridge): {_NOT_UI}",
        )
    ]


def test_a_relative_import_climbing_above_its_package_is_refused(tmp_path: Path) -> None:
    found = _report(tmp_path, {"flows/engine.py": "from .. import controller\n"})
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
    found = _report(tmp_path, {"kiosk/outbox.py": source})
    assert found == [
        ("dynamic", f"kiosk/outbox.py:2 imports {imported} ({written}): {why} ({DOC})")
    ]


def test_a_dynamic_import_of_a_library_is_checked_like_an_import(tmp_path: Path) -> None:
    found = _report(
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
    found = _report(tmp_path, {**_LAZY_TREE, "flows/__init__.py": _LAZY_FLOWS})
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
    found = _report(tmp_path, {**_LAZY_TREE, "flows/__init__.py": source})
    assert [(rule, message.split(" (")[0]) for rule, message in found] == [
        ("table", "flows/__init__.py:5 imports kiosk.service")
    ]


def test_a_hook_handed_anything_but_the_literal_table_is_refused(tmp_path: Path) -> None:
    source = _LAZY_FLOWS.replace("(__name__, _HOME)", "(__name__, dict(_HOME))")
    found = _report(tmp_path, {**_LAZY_TREE, "flows/__init__.py": source})
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
    found = _report(tmp_path, {**_LAZY_TREE, "flows/__init__.py": source})
    assert found == [
        (
            "dynamic",
            "flows/__init__.py:9 imports a computed name (importlib.import_module(_HOME[name])): "
            f"a dynamic import with a computed name cannot be checked ({DOC})",
        )
    ]


def test_the_hooks_computed_import_is_allowed_in_its_own_file_only(tmp_path: Path) -> None:
    found = _report(tmp_path, {**_LAZY_TREE, "pii/loader.py": _LAZY_HOOK})
    assert found == [
        (
            "dynamic",
            "pii/loader.py:6 imports a computed name (importlib.import_module(homes[name])): "
            f"a dynamic import with a computed name cannot be checked ({DOC})",
        )
    ]


def test_the_hook_imports_nothing_of_ours(tmp_path: Path) -> None:
    found = _report(tmp_path, {**_LAZY_TREE, "pii/lazy.py": "import pii.masking\n" + _LAZY_HOOK})
    assert found == [
        (
            "table",
            "pii/lazy.py:1 imports pii.masking: the package table lets pii.lazy import only "
            f"nothing of ours ({DOC})",
        )
    ]
