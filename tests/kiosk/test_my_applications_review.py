"""我的办件 at the kiosk after county staff returned an application: the kiosk's own client,
against a real controller on a real socket, shows the status with the reason in words."""

from __future__ import annotations

import contextlib
from pathlib import Path

from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.access import Role
from controller.services import Conflict
from controller.settings import Settings
from flows import load_builtin_catalog
from kiosk.controller_client import ControllerClient
from kiosk.enrollment import EnrollmentStore
from kiosk.outbox import Outbox
from kiosk.sync import Enroller, SyncLoop
from tests.controller.controller_testkit import (
    FAST_AUTH,
    ID_NUMBER,
    add_regions,
    preauthorise,
    transaction,
)
from tests.controller.inbox_testkit import MY_TOWNSHIP, move, place, staff
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import RegisterRequest, TransactionIn, validate


def test_a_returned_application_shows_its_reason_in_my_applications_at_the_kiosk(
    tmp_path: Path, port: int, client: ControllerClient, outbox: Outbox, clock: FakeClock
) -> None:
    settings = Settings(data_dir=tmp_path / "controller", sweeper_enabled=False)
    app = create_app(settings, clock=clock.wall, auth=FAST_AUTH)
    with contextlib.suppress(Conflict):
        preauthorise(app, "hw-review")
    enroller = Enroller(
        EnrollmentStore(tmp_path / "kiosk" / "enrollment.json"),
        client,
        RegisterRequest(hardware_id="hw-review", name="上城一号"),
        f"http://127.0.0.1:{port}",
    )
    catalog = load_builtin_catalog()
    sync = SyncLoop(outbox, client, enroller, catalog=lambda: catalog, now=clock.wall)
    with serve(app, port):
        enrolled = enroller.ensure()
        token, kiosk_id = enrolled.device_token, enrolled.kiosk_id
        pages = TestClient(app, client=("127.0.0.1", 50002))
        add_regions(pages)
        place(pages, kiosk_id, MY_TOWNSHIP)
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
