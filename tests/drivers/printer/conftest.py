"""Shared receipts for the printer tests: what a kiosk would print after a registration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drivers.printer import (
    Cut,
    KeyValue,
    Line,
    QrCode,
    Receipt,
    ReceiptPrinter,
    Rule,
    Title,
    open_transport,
    profile_by_name,
)
from drivers.printer.simulator import PrinterSimulator
from pii import mask_id_number, mask_name

CLEAR_ID = "11010519491231002X"  # a valid GB 11643 number (public test sample)
MASKED_ID = mask_id_number(CLEAR_ID)
URL = "https://e-station.example.cn/r/8F3K2Q"


def registration_receipt(job_id: str = "job-0001") -> Receipt:
    """A typical receipt: title, Chinese text, masked personal data, a QR code, a cut."""
    return Receipt(
        job_id,
        (
            Title("就业服务回执"),
            Line("欢迎使用24小时就业服务站", align="center"),
            Rule(),
            KeyValue("姓名", mask_name("张三丰")),
            KeyValue("身份证号", MASKED_ID),
            KeyValue("业务", "失业登记"),
            KeyValue("办理时间", "2024-05-01 10:32"),
            Line("请妥善保管本回执，扫描下方二维码可查询办理进度。"),
            QrCode(URL),
            Line("谢谢！", align="right"),
            Cut(),
        ),
    )


@pytest.fixture
def receipt() -> Receipt:
    """The registration receipt, job id "job-0001"."""
    return registration_receipt()


@pytest.fixture
def make_receipt() -> Callable[[str], Receipt]:
    """Build the registration receipt with another job id."""
    return registration_receipt


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[PrinterSimulator]:
    """A started printer simulator (kiosk-80) rendering into tmp_path/paper."""
    with PrinterSimulator(tmp_path / "paper", profile_by_name("kiosk-80")) as simulator:
        yield simulator
    assert simulator.error is None, f"simulator error: {simulator.error!r}"


@pytest.fixture
def journal_dir(tmp_path: Path) -> Path:
    """Where the printed-jobs journal lives (survives a ReceiptPrinter restart)."""
    return tmp_path / "journal"


@pytest.fixture
def sim_printer(sim: PrinterSimulator, journal_dir: Path) -> Iterator[ReceiptPrinter]:
    """The real driver on the simulator's pty via pyserial, short status timeout, no wait."""
    with open_transport(f"serial:{sim.url}?baud=115200") as transport:
        yield ReceiptPrinter(
            transport,
            profile_by_name("kiosk-80"),
            journal_dir=journal_dir,
            # Twice the reply time a loaded 2-core machine was seen to need (0.2 s once
            # missed a reply in a full run); a silent printer still costs well under 1 s.
            status_timeout=0.4,
            after_print_wait=0,
        )
