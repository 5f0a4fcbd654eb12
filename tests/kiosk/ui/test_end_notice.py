"""The end of a visit as the end screen shows it: the run record only, a receipt link only
where the end step shows one."""

from __future__ import annotations

from typing import Any

import pytest

from flows import FlowRun
from kiosk.ui.end_notice import end_notice
from tests.kiosk.ui.conftest import RECEIPT_URL


def _finished(port: Any, citizen: Any) -> FlowRun:
    run = port.new_run("identity_registration", "zh-CN")
    run.fire("typed")
    run.submit_form({"id_number": citizen.id_number, "name": citizen.name})
    period = "2026-06-01/2026-11-20"
    fields = {"phone": citizen.phone, "unemployed_period": period, "household_region": "331122"}
    assert run.submit_form(fields) == {}
    run.fire("confirm")
    while not run.done:
        run.run_action()
    return run


@pytest.mark.parametrize(
    ("devices", "url", "shown"),
    [
        ({"id_card_reader"}, RECEIPT_URL, RECEIPT_URL),  # no printer: the e-receipt step
        ({"id_card_reader"}, "", ""),  # no link given: no code
        (None, RECEIPT_URL, ""),  # printed: the step shows no code
    ],
)
def test_the_end_notice_carries_the_receipt_link_only_where_the_step_shows_it(
    make_port: Any, identity_flow, citizen: Any, devices: Any, url: str, shown: str
) -> None:
    port = make_port(demo=False, flow=identity_flow, devices=devices, receipt_url=url)
    notice = end_notice(_finished(port, citizen))
    assert notice.receipt_url == shown
    assert notice.transaction_number == citizen.transaction
    assert notice.outcome == "completed"
    assert ("扫" in notice.title) == bool(shown)  # no talk of a code that is not there
