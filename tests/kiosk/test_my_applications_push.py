"""岗位找人 at the kiosk: after a 求职登记 sent through the outbox, a job county staff publish
that fits it is in 我的办件 at the citizen's next visit, through the kiosk's own client
against a real controller on a real socket, as an item the kiosk's list accepts."""

from __future__ import annotations

import contextlib
from pathlib import Path

from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.access import Role
from controller.services import Conflict
from controller.settings import Settings
from flows import load_builtin_catalog
from flows.content import parse_items
from kiosk.controller_client import ControllerClient
from kiosk.enrollment import EnrollmentStore
from kiosk.outbox import Outbox
from kiosk.sync import Enroller, SyncLoop
from tests.controller.controller_testkit import (
    FAST_AUTH,
    ID_NUMBER,
    add_regions,
    csrf_token,
    preauthorise,
    transaction,
)
from tests.controller.inbox_testkit import MY_TOWNSHIP, place, staff
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import RegisterRequest, TransactionIn, validate

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
    settings = Settings(data_dir=tmp_path / "controller", sweeper_enabled=False)
    app = create_app(settings, clock=clock.wall, auth=FAST_AUTH)
    with contextlib.suppress(Conflict):
        preauthorise(app, "hw-push")
    enroller = Enroller(
        EnrollmentStore(tmp_path / "kiosk" / "enrollment.json"),
        client,
        RegisterRequest(hardware_id="hw-push", name="上城一号"),
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
