"""Shared receipts for the printer tests: what a kiosk would print after a registration."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drivers.printer import (
    Cut,
    KeyValue,
    Line,
    QrCode,
    Receipt,
    Rule,
    Title,
)
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
