"""Each driver package lends its public names from their modules on first use (PEP 562), so
a kiosk asking for one part loads not the others (cold start, issue 8)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("drivers.camera", "drivers.idcard", "drivers.printer", "drivers.socialcard")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_its_modules_own(package: str) -> None:
    module = importlib.import_module(package)
    assert set(module._HOME) == set(module.__all__)
    for name, home in module._HOME.items():
        assert getattr(module, name) is getattr(importlib.import_module(home), name), name


@pytest.mark.parametrize("package", PACKAGES)
def test_a_name_the_package_does_not_have_is_an_attribute_error(package: str) -> None:
    with pytest.raises(AttributeError, match="NoSuchPart"):
        _ = importlib.import_module(package).NoSuchPart


PROBE = """
import sys
from drivers.printer import PROFILES, ReceiptPrinter, profile_by_name
print(sorted(m for m in ("qrcode", "PIL", "drivers.printer.escpos_render") if m in sys.modules))
from drivers.printer import render
print(sorted(m for m in ("qrcode", "drivers.printer.escpos_render") if m in sys.modules))
"""


def test_the_printers_profiles_and_device_load_no_renderer_until_asked() -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.split("\n")[:2] == ["[]", "['drivers.printer.escpos_render', 'qrcode']"]
