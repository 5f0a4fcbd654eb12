"""The ops pages: what they show, what they never show, and when a kiosk counts as offline."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.labels import APPLICATION_STATUS_NOTES, DEVICE_NAMES, device_name, time_ago
from controller.settings import Settings
from pii import mask_id_number
from tests.controller.controller_testkit import (
    ID_NUMBER,
    NAME,
    PHONE,
    heartbeat,
    post_json,
    receipt,
    register,
    rows,
    signed_in_as,
    teach_catalog,
    transaction,
)
from tests.support.clock import FakeClock
from wire import ApplicationStatus, DeviceKind


@pytest.fixture
def busy(client: TestClient, device: tuple[str, str]) -> str:
    """A kiosk that sent a heartbeat and one transaction; returns its id."""
    kiosk_id, token = device
    teach_catalog(client, token)
    assert post_json(client, "/heartbeat", heartbeat(outbox_pending=2), token).status_code == 200
    assert post_json(client, "/transactions", transaction(), token).status_code == 201
    return kiosk_id


@pytest.mark.parametrize("path", ["/", "/kiosks/KA01", "/transactions"])
def test_pages_render_masked_values_and_never_clear_personal_data(
    ops: TestClient, busy: str, path: str
) -> None:
    page = ops.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert busy in page.text
    for secret in (ID_NUMBER, NAME, PHONE):
        assert secret not in page.text


def test_a_technician_sees_a_kiosks_health_but_not_its_transactions(
    client: TestClient, busy: str, settings: Settings
) -> None:
    signed_in_as(client, Role.TECHNICIAN)
    page = client.get(f"/kiosks/{busy}")
    assert page.status_code == 200
    assert "健康变化" in page.text
    assert "仅运维人员可查看" in page.text
    assert "KA01-2611260001" not in page.text
    assert mask_id_number(ID_NUMBER) not in page.text
    # Nothing personal was shown, so nothing to audit.
    assert rows(settings, "SELECT action FROM audit_log WHERE action = 'viewed.kiosk'") == []


@pytest.mark.parametrize("path", ["/kiosks/KA01", "/transactions"])
def test_transaction_lists_show_the_masked_id_and_name(
    ops: TestClient, busy: str, path: str
) -> None:
    page = ops.get(path).text
    assert mask_id_number(ID_NUMBER) in page
    assert "测**" in page
    assert "KA01-2611260001" in page
    # 10:00 Beijing time as sent by the kiosk, shown back in Beijing time.
    assert "2026-11-26 10:00:00" in page


def test_fleet_page_shows_status_devices_outbox_and_count(ops: TestClient, busy: str) -> None:
    page = ops.get("/").text
    assert "朝阳区一号机" in page
    assert "status-idle" in page
    assert "device-degraded" in page
    assert "paper low" in page
    assert "刚刚" in page


def test_kiosk_goes_offline_after_three_missed_heartbeats(
    ops: TestClient, busy: str, clock: FakeClock
) -> None:
    clock.advance(3 * 60)
    assert "status-offline" not in ops.get("/").text
    clock.advance(1)
    page = ops.get("/").text
    assert "status-offline" in page
    assert "离线" in page
    assert "3 分钟前" in page


def test_a_kiosk_that_never_sent_a_heartbeat_is_shown_as_never_seen(
    client: TestClient, ops: TestClient
) -> None:
    register(client, hardware_id="hw-silent", name="静默机")
    page = ops.get("/").text
    assert "status-registered" in page
    assert "未上线" in page


def test_unknown_kiosk_page_is_404(ops: TestClient) -> None:
    page = ops.get("/kiosks/KZZ99")
    assert page.status_code == 404
    assert "未找到终端" in page.text


def test_empty_fleet_page_says_so(ops: TestClient) -> None:
    page = ops.get("/")
    assert page.status_code == 200
    assert "尚无终端注册" in page.text


def test_stylesheet_is_served_locally(client: TestClient) -> None:
    assert client.get("/static/controller.css").status_code == 200


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (5, ("刚刚", "just now")),
        (59, ("刚刚", "just now")),
        (60, ("1 分钟前", "1 min ago")),
        (3 * 3600 + 5, ("3 小时前", "3 h ago")),
        (2 * 86400, ("2 天前", "2 d ago")),
    ],
)
def test_time_ago_reads_naturally(seconds: int, expected: tuple[str, str]) -> None:
    now = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    assert time_ago(now - dt.timedelta(seconds=seconds), now) == expected


def test_a_late_upload_is_flagged_and_lists_follow_creation_time(
    client: TestClient, ops: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    # The clock stands at 02:00:30 UTC; this one was made two hours earlier, offline.
    late = transaction(key="b" * 32, number="KA01-2611250001", created_at="2026-11-26T00:00:00Z")
    assert post_json(client, "/transactions", late, token).status_code == 201
    assert post_json(client, "/transactions", transaction(), token).status_code == 201
    page = ops.get("/transactions").text
    assert page.count("迟 2 小时上传") == 1
    assert page.index("KA01-2611260001") < page.index("KA01-2611250001")


def test_kiosk_supplied_text_is_escaped(client: TestClient, ops: TestClient) -> None:
    register(client, hardware_id="hw-xss", name="<script>alert(1)</script>")
    page = ops.get("/").text
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_a_scanned_receipt_shows_its_state_and_nothing_personal(
    client: TestClient, busy: str
) -> None:
    page = client.get(receipt("KA01-2611260001"))
    assert page.status_code == 200
    assert "已收到" in page.text
    assert "就业登记" in page.text
    for shown in (ID_NUMBER, NAME, PHONE, mask_id_number(ID_NUMBER), "测**"):
        assert shown not in page.text


def test_an_unknown_receipt_number_says_so(client: TestClient, busy: str) -> None:
    page = client.get(receipt("KA01-2611269999"))
    assert page.status_code == 404
    assert "暂未查到" in page.text


@pytest.mark.parametrize("kind", list(DeviceKind))
def test_every_device_kind_has_a_chinese_name_for_ops(kind: DeviceKind) -> None:
    name = DEVICE_NAMES.get(kind, "")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in name), f"{kind} has no zh-CN name"
    assert device_name(kind.value) == name


def test_a_device_kind_this_release_does_not_know_is_shown_by_its_key() -> None:
    assert device_name("thermal_camera") == "thermal_camera"


def test_the_fleet_page_names_each_reported_device(
    client: TestClient, ops: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    devices = {kind.value: {"state": "ok"} for kind in DeviceKind}
    assert post_json(client, "/heartbeat", heartbeat(devices=devices), token).status_code == 200
    page = ops.get("/").text
    for name in ("身份证读卡器", "社保卡读卡器", "打印机", "摄像头"):
        assert name in page


@pytest.mark.parametrize("status", list(ApplicationStatus))
def test_every_application_status_has_a_note_for_the_citizen(status: ApplicationStatus) -> None:
    zh, en = APPLICATION_STATUS_NOTES[status]
    assert zh
    assert en
