"""我的办件 at the kiosk after county staff returned an application: the kiosk's own client,
against a real controller on a real socket, shows the status with the reason in words."""

from __future__ import annotations

from pathlib import Path

from controller.auth.access import Role
from kiosk.controller_client import ControllerClient
from kiosk.outbox import Outbox
from tests.controller.controller_testkit import (
    ID_NUMBER,
    transaction,
)
from tests.controller.inbox_testkit import move, staff
from tests.kiosk.sync_testkit import placed_kiosk
from tests.support.clock import FakeClock
from wire import TransactionIn, validate


def test_a_returned_application_shows_its_reason_in_my_applications_at_the_kiosk(
    tmp_path: Path, port: int, client: ControllerClient, outbox: Outbox, clock: FakeClock
) -> None:
    with placed_kiosk(tmp_path, port, client, outbox, clock, "hw-review") as kiosk:
        sync, token, kiosk_id, pages = kiosk.sync, kiosk.token, kiosk.kiosk_id, kiosk.pages
        number = f"{kiosk_id}-2611260001"
        outbox.add(validate(TransactionIn, transaction(key="e" * 32, number=number)))
        assert sync.drain() == 1
        before = client.my_applications("resident", ID_NUMBER, token, identity_method="id_card")
        clerk = staff(pages, "clerk", role=Role.COUNTY_STAFF)
        assert move(clerk, number, "reviewing").status_code == 200
        returned = move(clerk, number, "returned", reason_code="missing_document",
                        reason_text="请补交劳动合同")  # fmt: skip
        assert returned.status_code == 200
        after = client.my_applications("resident", ID_NUMBER, token, identity_method="id_card")
    assert [item["status"]["zh-CN"] for item in before] == ["已受理"]
    [item] = after
    assert item["id"] == number
    assert item["status"] == {
        "zh-CN": "退回补正：缺少所需材料，请带齐材料到服务大厅补交。请补交劳动合同",
        "en": "Returned for completion: A required document is missing; please bring it to"
        " the service hall. 请补交劳动合同",
    }
