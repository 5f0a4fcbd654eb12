"""岗位找人 at the kiosk: after a 求职登记 sent through the outbox, a job county staff publish
that fits it is in 我的办件 at the citizen's next visit, through the kiosk's own client
against a real controller on a real socket, as an item the kiosk's list accepts."""

from __future__ import annotations

from pathlib import Path

from controller.auth.access import Role
from flows.content import parse_items
from kiosk.controller_client import ControllerClient
from kiosk.outbox import Outbox
from tests.controller.controller_testkit import (
    ID_NUMBER,
    csrf_token,
    transaction,
)
from tests.controller.inbox_testkit import staff
from tests.kiosk.sync_testkit import placed_kiosk
from tests.support.clock import FakeClock
from wire import TransactionIn, validate

WISHES = {
    "phone": "13812345678",
    "industry": "manufacturing",
    "area": "huzhen",
    "work_type": "full_time",
    "salary_range": "from_5000",
}


def test_a_new_job_that_fits_a_registration_shows_in_my_applications_at_the_kiosk(
    tmp_path: Path, port: int, client: ControllerClient, outbox: Outbox, clock: FakeClock
) -> None:
    with placed_kiosk(tmp_path, port, client, outbox, clock, "hw-push") as kiosk:
        sync, token, kiosk_id, pages = kiosk.sync, kiosk.token, kiosk.kiosk_id, kiosk.pages
        number = f"{kiosk_id}-2611260001"
        registration = transaction(
            key="f" * 32, number=number, service="job_seeker_registration", fields=WISHES
        )
        outbox.add(validate(TransactionIn, registration))
        assert sync.drain() == 1
        before = client.my_applications("resident", ID_NUMBER, token, identity_method="id_card")
        clerk = staff(pages, "clerk", role=Role.COUNTY_STAFF)
        for code, industry in (("J1", "manufacturing"), ("J2", "retail")):
            form = {"csrf_token": csrf_token(clerk, "/content"), "id": code,
                    "title_zh": "数控车床操作工", "area": "huzhen", "industry": industry,
                    "work_type": "full_time", "salary_min": "5000",
                    "salary_max": "7000"}  # fmt: skip
            assert clerk.post("/content/jobs", data=form).status_code == 200
        after = client.my_applications("resident", ID_NUMBER, token, identity_method="id_card")
    assert [item["id"] for item in before] == [number]
    # The job that fits first, the other left out, the registration still there.
    assert [item["id"] for item in after] == ["job:J1", number]
    [pushed, _] = parse_items(after)  # what the kiosk's list step would show
    assert pushed.title.zh == "数控车床操作工"
    assert pushed.status is not None
    assert pushed.status.zh == "为您推荐的新岗位：符合意向行业、工作地点、用工形式、期望月薪"
    assert (
        pushed.status.en
        == "A new job for you: fits Industry, Where, Full or part time, Monthly pay"
    )
    assert [(label.zh, value.zh) for label, value in pushed.rows] == [
        ("岗位编号", "J1"),
        ("发布日期", "2026-11-26"),
    ]
