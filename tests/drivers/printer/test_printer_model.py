from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable

import pytest

from drivers.printer import (
    PROFILES,
    Feed,
    Line,
    PrinterProfile,
    QrCode,
    Receipt,
    UnknownPrinterProfile,
    profile_by_name,
)


def test_receipt_blocks_are_frozen() -> None:
    line = Line("你好")
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.text = "x"  # type: ignore[misc]


def test_receipt_without_job_id_is_refused() -> None:
    with pytest.raises(ValueError, match="job_id"):
        Receipt("", (Line("x"),))


def test_receipt_blocks_must_be_a_tuple() -> None:
    with pytest.raises(TypeError):
        Receipt("j", [Line("x")])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Line("x", align="justify"), "align"),  # type: ignore[arg-type]
        (lambda: QrCode(""), "needs data"),
        (lambda: QrCode("x", size=0), "1-16"),
        (lambda: QrCode("x", size=17), "1-16"),
        (lambda: Feed(-1), "0-255"),
        (lambda: Feed(256), "0-255"),
    ],
)
def test_out_of_range_block_parameters_are_refused(
    make: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_every_profile_has_font_a_geometry() -> None:
    for profile in PROFILES.values():
        assert profile.columns * 12 == profile.dots_width
        assert (profile.paper_width_mm, profile.columns) in ((58, 32), (80, 48))


def test_profile_with_inconsistent_geometry_is_refused() -> None:
    with pytest.raises(ValueError, match="columns"):
        PrinterProfile("bad", 80, 42, 576, "gb18030", native_qr=True, cutter=True)


def test_profile_by_name_returns_the_row_or_a_typed_error() -> None:
    assert profile_by_name("kiosk-58").dots_width == 384
    with pytest.raises(UnknownPrinterProfile, match="kiosk-80"):
        profile_by_name("no-such-printer")


def test_importing_the_driver_does_not_import_python_escpos() -> None:
    # python-escpos calls logging.basicConfig() and makes a temp directory on import.
    code = "import sys, drivers.printer; assert 'escpos' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
