"""The e-receipt QR code on the end screen: drawn when the step shows it and there is a link.

The kiosk puts the link in `run.session.record.receipt_url`; an end step with
`show: [receipt_qr]` draws it. Decoding the screenshot with OpenCV's detector checks that
the code is really there and readable, not just that a texture exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.ui.conftest import NO_PRINTER, RECEIPT_URL
from tests.kiosk.ui.helpers import check_elderly_sizes, identify_by_typing, tap, visible_texts

pytestmark = pytest.mark.kivy

DETAILS = {
    "phone": "13912345678",
    "unemployed_period": "2026-06-01/2026-11-20",
    "household_region": "331122",
}


def walk_to_end(ui: Any, citizen: Any) -> None:
    """Through the flow by the session's calls: these tests are about the end screen."""
    identify_by_typing(ui, citizen)
    assert ui.session.submit(DETAILS) == {}
    ui.session.fire("confirm")
    ui.until(lambda: ui.root.current == "end")
    ui.frames(2)


def decode(path: Path) -> str:
    from tests.support.qr import read_qr

    text = read_qr(path)
    assert text is not None, "no QR code found on the screen"
    return text


@pytest.fixture
def no_printer_ui(make_port: Any, identity_flow: Any, clock: Any) -> Any:
    from devkit.headless import HeadlessUI

    port = make_port(flow=identity_flow, devices=NO_PRINTER)
    with HeadlessUI(port, clock=clock) as ui:
        yield ui


def test_without_a_printer_the_receipt_is_a_qr_code_a_phone_can_read(
    no_printer_ui: Any, citizen: Any, shots: Path
) -> None:
    ui = no_printer_ui
    walk_to_end(ui, citizen)
    end = ui.root.end
    assert end.ids.title.text == "办理成功，请扫码保存电子回执"
    assert end.ids.number.text == citizen.transaction
    assert end.ids.number.font_size >= 80  # the number stays huge beside the code
    assert end.receipt
    qr = end.ids.qr
    assert qr.payload == RECEIPT_URL
    assert qr.module_px >= 6  # even modules of whole pixels, about 7 cm across on the panel
    assert qr.side >= 270
    assert end.ids.qr_label.text == "用手机扫码保存电子回执"
    assert end.ids.qr_label.height < 2 * end.ids.qr_label.font_size  # one line
    # Side by side, all on the screen, nothing overlapping.
    box, panel = end.ids.number_box, end.ids.qr_panel
    assert box.right <= panel.x
    assert panel.right <= 1280
    assert panel.y >= end.ids.countdown.top
    assert end.ids.title.y >= panel.top
    assert end.ids.number.texture_size[0] <= box.width
    assert check_elderly_sizes(end) == []

    path = ui.screenshot(shots / "end-e-receipt.png")
    assert decode(path) == RECEIPT_URL


def test_a_failed_print_also_offers_the_qr_code(
    make_port: Any, identity_flow: Any, clock: Any, citizen: Any, shots: Path
) -> None:
    from devkit.headless import HeadlessUI

    port = make_port(flow=identity_flow)
    port.printer_fails = True
    with HeadlessUI(port, clock=clock) as ui:
        walk_to_end(ui, citizen)
        assert ui.root.end.ids.title.text == "办理成功（回执未能打印）"
        path = ui.screenshot(shots / "end-receipt-not-printed.png")
        assert decode(path) == RECEIPT_URL


def test_without_a_link_only_the_transaction_number_is_shown(
    make_port: Any, identity_flow: Any, clock: Any, citizen: Any, shots: Path
) -> None:
    from devkit.headless import HeadlessUI

    port = make_port(flow=identity_flow, devices=NO_PRINTER, receipt_url="")
    with HeadlessUI(port, clock=clock) as ui:
        walk_to_end(ui, citizen)
        end = ui.root.end
        assert end.ids.number.text == citizen.transaction
        # The flow's texts ask to scan a code that is not there: the screen says its own.
        assert end.ids.title.text == "办理成功，请记下办件编号"
        assert "二维码" not in end.ids.prompt.text
        assert not end.receipt
        assert end.ids.qr.texture is None
        assert end.ids.qr_panel.width == 0
        assert end.ids.qr_label.text == ""
        path = ui.screenshot(shots / "end-no-link.png")
        from tests.support.qr import read_qr

        assert read_qr(path) is None


def test_a_printed_receipt_needs_no_qr_code(identity_ui: Any, citizen: Any) -> None:
    ui = identity_ui
    walk_to_end(ui, citizen)
    end = ui.root.end
    assert end.ids.title.text == "办理成功，请取走回执"
    assert not end.receipt
    assert end.ids.qr.payload == ""


def test_the_qr_code_is_gone_once_welcome_is_back(no_printer_ui: Any, citizen: Any) -> None:
    ui = no_printer_ui
    walk_to_end(ui, citizen)
    tap(ui, ui.root.end.ids.finish)
    assert ui.root.current == "welcome"
    qr = ui.root.end.ids.qr
    assert (qr.payload, qr.texture, ui.root.end.receipt) == ("", None, False)
    texts = visible_texts(ui)
    assert not [t for t in texts if RECEIPT_URL in t or citizen.transaction in t]
