"""Rules "codec-io" and "driver-folders": a codec does no I/O, a driver folder keeps to itself.

Every rule has a negative test: a small module tree written to tmp_path that breaks it, on
which the checker must report exactly that import, by file, line, name and rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.checker import DOC
from tests.architecture.trees import report

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
    found = report(tmp_path, {codec: f"import enum\n{statement}\n"})
    assert found == [
        (
            "codec-io",
            f"{codec}:2 imports {imported}: a codec module imports no I/O library {why} ({DOC})",
        )
    ]


def test_a_codec_may_use_the_escpos_encoder_but_no_escpos_connection(tmp_path: Path) -> None:
    found = report(
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
    found = report(
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
    found = report(
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
    found = report(
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
