"""The help key's staff call, end to end: the kiosk service queues it in the outbox, the
sync loop delivers it to a real controller on a real socket, which raises staff_called.
Also the kiosk side of the live menu and of out of service (KioskService)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from zoneinfo import ZoneInfo

from controller.app import create_app
from controller.services import Conflict
from controller.settings import Settings
from drivers.manager import DeviceManager
from flows import load_builtin_catalog
from kiosk.actions import Station
from kiosk.composition import enrollment_block
from kiosk.enroller import Enroller
from kiosk.enrollment import Enrollment, EnrollmentStore
from kiosk.outbox import Outbox, State
from kiosk.ports import HelpContacts
from kiosk.service import KioskService
from kiosk.sync import SyncLoop
from tests.controller.controller_testkit import preauthorise, rows
from tests.kiosk.sync_testkit import RecordingClient
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import RegisterRequest


def make_service(
    clock: FakeClock, outbox: Outbox | None = None, devices: DeviceManager | None = None
) -> KioskService:
    station = Station(
        kiosk_id=lambda: "KA01",
        name="一号机",
        controller_url="http://127.0.0.1:1",
        timezone=ZoneInfo("Asia/Shanghai"),
        wall=clock.wall,
    )
    return KioskService(
        catalog=load_builtin_catalog(),
        station=station,
        devices=devices or DeviceManager([]),
        actions_for=lambda flow: None,  # type: ignore[arg-type,return-value]
        online=lambda: True,
        outbox_pending=lambda: 0,
        help_contacts=HelpContacts("0578-3123456"),
        staff_calls=outbox.add_staff_call if outbox is not None else lambda call: None,
    )


def test_a_help_key_call_reaches_the_controller_as_a_staff_called_alert(
    tmp_path: Path, clock: FakeClock, outbox: Outbox
) -> None:
    settings = Settings(data_dir=tmp_path / "controller")
    app = create_app(settings, clock=clock.wall)
    with contextlib.suppress(Conflict):
        preauthorise(app, "hw-help")
    with serve(app) as url:
        client = RecordingClient(url)
        enroller = Enroller(
            EnrollmentStore(tmp_path / "kiosk" / "enrollment.json"),
            client,
            RegisterRequest(hardware_id="hw-help", name="一号机"),
            url,
        )
        sync = SyncLoop(outbox, client, enroller, now=clock.wall)
        service = make_service(clock, outbox)
        service.call_staff("help_key", "employment_registration:form")
        assert outbox.counts()[State.PENDING] == 1  # on disk before any network
        assert sync.drain() == 1
        assert outbox.counts()[State.ACKED] == 1
        client.close()
    alerts = rows(settings, "SELECT kind, state, detail FROM alerts")
    assert [(kind, state) for kind, state, _ in alerts] == [("staff_called", "open")]
    assert "employment_registration:form" in alerts[0][2]


def test_out_of_service_is_set_and_cleared_by_name_or_by_a_technicians_words(
    clock: FakeClock,
) -> None:
    service = make_service(clock)
    assert service.out_of_service() is None
    service.set_out_of_service(True, "")
    assert service.out_of_service() is not None
    assert service.out_of_service().get("zh-CN") == "本机正在维护，暂停服务。"  # type: ignore[union-attr]
    service.set_out_of_service(True, "kiosk.nothing_works")
    assert "设备故障" in service.out_of_service().get("zh-CN")  # type: ignore[union-attr]
    service.set_out_of_service(True, "换纸中")
    assert service.out_of_service().get("en") == "换纸中"  # type: ignore[union-attr]
    service.set_out_of_service(False, "")
    assert service.out_of_service() is None


def test_a_kiosk_awaiting_approval_or_revoked_says_so_on_the_out_of_service_screen(
    tmp_path: Path,
) -> None:
    store = EnrollmentStore(tmp_path / "enrollment.json")
    enroller = Enroller(
        store,
        RecordingClient("http://127.0.0.1:1"),
        RegisterRequest(hardware_id="hw-block", name="x"),
        "",
    )
    assert enrollment_block(enroller) is None
    enroller.current = Enrollment("KA01", "t", "", state="pending")
    assert enrollment_block(enroller) == "kiosk.awaiting_approval"
    from kiosk.controller_client import CredentialRevoked

    enroller.blocked = CredentialRevoked(403, "revoked")
    assert enrollment_block(enroller) == "kiosk.credential_revoked"


def test_a_service_whose_device_is_down_is_listed_greyed_with_the_reason(clock: FakeClock) -> None:
    service = make_service(clock)  # no device at all is healthy
    entries = {e.flow.id: e for e in service.menu()}
    registration = entries["employment_registration"]
    assert not registration.available
    assert registration.reason is not None
    assert registration.reason.get("zh-CN") == "身份证读卡器暂停使用"
    assert entries["job_search"].available
    assert not entries["difficulty_identification"].available  # no card reader of any kind
    # Browsing needs no device: the kiosk still serves, so it is not out of service.
    assert service.out_of_service() is None
