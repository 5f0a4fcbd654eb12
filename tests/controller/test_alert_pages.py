"""The alert pages: /alerts and its forms, header counts, health on the fleet and kiosk pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from controller.auth.access import ROUTES, Role
from controller.models import Alert, AuditEntry
from controller.services.alert_lifecycle import raise_alert
from controller.services.alert_rules import AlertKind
from controller.services.audit import AuditAction
from controller.settings import Settings
from tests.controller.controller_testkit import (
    csrf_token,
    heartbeat,
    post_json,
    register,
    signed_in_as,
)
from tests.support.clock import FakeClock

ALERT_ROUTES = [
    ("GET", "/alerts"),
    ("POST", "/alerts/{alert_id}/acknowledge"),
    ("POST", "/alerts/{alert_id}/clear"),
]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The controller's settings with the sweeper thread off: only the test moves health."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        sweeper_enabled=False,
    )


def _raise(client: TestClient, kiosk_id: str, kind: AlertKind, detail: str = "") -> int:
    """Raise an alert through the service, as other parts of the controller do; its id."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        kiosk = runtime.fleet.find(session, kiosk_id)
        alert = raise_alert(session, kiosk, kind, detail, now=runtime.clock())
        session.commit()
        return int(alert.id)


def _alert(client: TestClient, alert_id: int) -> Alert:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        session.expunge(alert)
        return alert


def _audit(client: TestClient, action: AuditAction) -> list[tuple[str, str, str]]:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action.value))
        return [(e.actor, e.role, e.target) for e in rows]


@pytest.fixture
def alerted(client: TestClient) -> dict[str, int]:
    """KA01 (a heartbeat, printer degraded) with a critical and a major alert; their ids."""
    kiosk_id, token = register(client)
    assert post_json(client, "/heartbeat", heartbeat(), token).status_code == 200
    return {
        "critical": _raise(client, kiosk_id, AlertKind.IDENTITY_CONFLICT, "two kiosks, one id"),
        "major": _raise(client, kiosk_id, AlertKind.STAFF_CALLED, "button pressed"),
    }


def _body(page: str) -> str:
    """The page's main content, without the header's counts."""
    return page.split("<main>", 1)[1]


def test_every_alert_route_is_in_the_route_table_with_who_may_act() -> None:
    for route in ALERT_ROUTES:
        assert route in ROUTES
    assert ROUTES[("GET", "/alerts")] == {Role.OPS_VIEWER, Role.OPS_ADMIN, Role.TECHNICIAN}
    for route in ALERT_ROUTES[1:]:
        assert ROUTES[route] == {Role.OPS_ADMIN, Role.TECHNICIAN}


def test_the_alerts_page_lists_raised_alerts_worst_first_with_their_kiosk(
    ops: TestClient, alerted: dict[str, int]
) -> None:
    page = ops.get("/alerts")
    assert page.status_code == 200
    body = _body(page.text)
    assert 'href="/kiosks/KA01"' in body
    assert "two kiosks, one id" in body
    assert "button pressed" in body
    assert body.index("two kiosks, one id") < body.index("button pressed")
    assert "紧急" in body
    assert "Critical" in body
    assert "重要" in body
    # A viewer looks and does not act: no forms to acknowledge or clear.
    assert "/acknowledge" not in body
    assert "/clear" not in body


def test_the_alerts_page_filters_by_severity_and_kind(
    ops: TestClient, alerted: dict[str, int]
) -> None:
    critical = _body(ops.get("/alerts", params={"severity": "critical"}).text)
    assert "two kiosks, one id" in critical
    assert "button pressed" not in critical
    staff = _body(ops.get("/alerts", params={"kind": "staff_called"}).text)
    assert "button pressed" in staff
    assert "two kiosks, one id" not in staff
    none = _body(ops.get("/alerts", params={"severity": "minor", "kind": "staff_called"}).text)
    assert "button pressed" not in none
    assert "No open alerts match the filter" in none
    # An unknown value is no filter, not an error.
    everything = ops.get("/alerts", params={"severity": "nonsense", "kind": "x"})
    assert everything.status_code == 200
    assert "button pressed" in everything.text
    assert "two kiosks, one id" in everything.text


@pytest.mark.parametrize("role", [Role.OPS_ADMIN, Role.TECHNICIAN])
def test_acknowledge_and_clear_through_the_forms_change_the_alert_and_are_audited(
    client: TestClient, alerted: dict[str, int], role: Role
) -> None:
    staff = signed_in_as(client, role, "alice")
    alert_id = alerted["major"]
    page = staff.get("/alerts").text
    assert f'action="/alerts/{alert_id}/acknowledge"' in page
    token = csrf_token(staff, "/alerts")

    answer = staff.post(f"/alerts/{alert_id}/acknowledge", data={"csrf_token": token})
    assert answer.status_code == 200
    assert f"Alert #{alert_id} acknowledged" in answer.text
    alert = _alert(staff, alert_id)
    assert (alert.state, alert.acknowledged_by) == ("acknowledged", "alice")
    assert _audit(staff, AuditAction.ALERT_ACKNOWLEDGED) == [("alice", role.value, str(alert_id))]
    # An acknowledged alert offers Clear only.
    assert f'action="/alerts/{alert_id}/acknowledge"' not in answer.text
    assert f'action="/alerts/{alert_id}/clear"' in answer.text

    answer = staff.post(f"/alerts/{alert_id}/clear", data={"csrf_token": token})
    assert answer.status_code == 200
    assert f"Alert #{alert_id} cleared" in answer.text
    alert = _alert(staff, alert_id)
    assert (alert.state, alert.cleared_by) == ("cleared", "alice")
    assert _audit(staff, AuditAction.ALERT_CLEARED) == [("alice", role.value, str(alert_id))]
    assert "button pressed" not in _body(answer.text)


def test_acting_on_a_cleared_alert_says_so_and_an_unknown_one_is_not_found(
    client: TestClient, alerted: dict[str, int]
) -> None:
    staff = signed_in_as(client, Role.OPS_ADMIN)
    alert_id = alerted["critical"]
    token = csrf_token(staff, "/alerts")
    assert staff.post(f"/alerts/{alert_id}/clear", data={"csrf_token": token}).status_code == 200
    for action in ("clear", "acknowledge"):
        again = staff.post(f"/alerts/{alert_id}/{action}", data={"csrf_token": token})
        assert again.status_code == 409
        assert "already been cleared" in again.text
    assert len(_audit(staff, AuditAction.ALERT_CLEARED)) == 1
    assert _audit(staff, AuditAction.ALERT_ACKNOWLEDGED) == []
    missing = staff.post("/alerts/99999/clear", data={"csrf_token": token})
    assert missing.status_code == 404
    assert "No such alert" in missing.text


def test_a_viewer_cannot_acknowledge_or_clear(ops: TestClient, alerted: dict[str, int]) -> None:
    alert_id = alerted["major"]
    token = csrf_token(ops, "/alerts")  # the sign-out form's: a real token of this session
    for action in ("acknowledge", "clear"):
        assert (
            ops.post(f"/alerts/{alert_id}/{action}", data={"csrf_token": token}).status_code == 403
        )
    assert _alert(ops, alert_id).state == "open"
    assert _audit(ops, AuditAction.ALERT_ACKNOWLEDGED) == []


def test_a_form_without_its_csrf_token_is_refused(
    client: TestClient, alerted: dict[str, int]
) -> None:
    staff = signed_in_as(client, Role.OPS_ADMIN)
    alert_id = alerted["major"]
    assert staff.post(f"/alerts/{alert_id}/clear", data={"csrf_token": "forged"}).status_code == 403
    assert _alert(staff, alert_id).state == "open"


def _header(page: str) -> str:
    return page.split("<main>", 1)[0]


@pytest.mark.parametrize("path", ["/", "/kiosks/KA01", "/alerts", "/password"])
def test_the_header_counts_open_alerts_by_severity_and_links_to_them(
    ops: TestClient, alerted: dict[str, int], path: str
) -> None:
    header = _header(ops.get(path).text)
    assert '<a href="/alerts"' in header
    counts = re.findall(r'severity-(\w+)[^"]*">\S+ (\d+)', header)
    # The kiosk's degraded printer adds no alert ("paper low" is not paper near end).
    assert counts == [("critical", "1"), ("major", "1"), ("minor", "0")]


def test_the_header_has_no_counts_for_whom_alerts_are_not_open(
    client: TestClient, alerted: dict[str, int]
) -> None:
    auditor = signed_in_as(client, Role.AUDITOR)
    header = _header(auditor.get("/audit").text)
    assert "alert-counts" not in header


def test_the_kiosk_page_shows_health_availability_timeline_and_alerts(
    ops: TestClient,
    alerted: dict[str, int],
    clock: FakeClock,
) -> None:
    # An hour since its first heartbeat (grey, never seen, before it), in steps the session
    # outlives.
    for _ in range(3):
        clock.advance(1200)
        assert ops.get("/alerts").status_code == 200
    page = _body(ops.get("/kiosks/KA01").text)
    assert "health-yellow" in page
    assert "需关注" in page
    assert "Needs attention" in page
    assert "打印机性能下降" in page
    assert "Printer degraded" in page
    # 1 h of 24 h, 1 h of 7 days.
    assert "4.2%" in page
    assert "0.6%" in page
    timeline = page.split('class="grid timeline"', 1)[1].split("</table>", 1)[0]
    assert timeline.index("Needs attention") < timeline.index("Never seen")
    assert "two kiosks, one id" in page
    assert "button pressed" in page


def test_the_fleet_page_shows_each_kiosks_health_in_words(
    ops: TestClient, alerted: dict[str, int]
) -> None:
    register(ops, hardware_id="hw-0002", name="二号机")  # never heard from: grey
    page = _body(ops.get("/").text)
    assert 'class="pill health-yellow">需关注<small>Needs attention</small>' in page
    assert 'class="pill health-grey">离线<small>Offline</small>' in page
