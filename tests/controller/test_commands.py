"""Commands at the controller: sent from the kiosk page, handed out in heartbeat answers to
kiosks that take them, closed by the kiosk's result, shown with their states (both
databases)."""

from __future__ import annotations

import base64
import re

from fastapi.testclient import TestClient

from controller.auth.access import Role
from tests.controller.controller_testkit import (
    csrf_token,
    heartbeat,
    post_json,
    rows,
    signed_in_as,
)
from tests.support.clock import FakeClock
from wire import CAPABILITY_COMMANDS


def send(client: TestClient, kiosk_id: str, kind: str, ttl_minutes: int = 30) -> None:
    token = csrf_token(client, f"/kiosks/{kiosk_id}")
    answer = client.post(
        f"/kiosks/{kiosk_id}/commands",
        data={"kind": kind, "ttl_minutes": str(ttl_minutes), "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def beat(client: TestClient, token: str, *, capable: bool = True) -> dict[str, object]:
    body = heartbeat(capabilities=[CAPABILITY_COMMANDS]) if capable else heartbeat()
    answer = post_json(client, "/heartbeat", body, token)
    assert answer.status_code == 200, answer.text
    data: dict[str, object] = answer.json()
    return data


def states(page: str) -> list[str]:
    return re.findall(r'data-state="(\w+)"', page)


def test_a_command_sent_from_the_page_reaches_the_kiosk_and_its_result_shows(
    client: TestClient, device: tuple[str, str], settings: object
) -> None:
    kiosk_id, token = device
    signed_in_as(client, Role.OPS_ADMIN)
    send(client, kiosk_id, "upload_logs")
    assert states(client.get(f"/kiosks/{kiosk_id}").text) == ["queued"]
    answer = beat(client, token)
    commands = answer["commands"]
    assert isinstance(commands, list)
    assert [c["kind"] for c in commands] == ["upload_logs"]
    assert answer["next_heartbeat_seconds"] == 5  # the nudge
    assert states(client.get(f"/kiosks/{kiosk_id}").text) == ["sent"]
    command_id = commands[0]["id"]
    result = {
        "ok": True,
        "detail": "3 lines",
        "finished_at": "2026-11-26T10:00:31+08:00",
        "attachment_type": "text/plain",
        "attachment": base64.b64encode(b"level=info msg=ok\n").decode(),
    }
    first = post_json(client, f"/commands/{command_id}/result", result, token)
    again = post_json(client, f"/commands/{command_id}/result", {**result, "ok": False}, token)
    assert first.json() == again.json() == {"id": command_id, "state": "succeeded"}
    page = client.get(f"/kiosks/{kiosk_id}").text
    assert states(page) == ["succeeded"]
    assert "3 lines" in page
    logs = client.get(f"/kiosks/{kiosk_id}/commands/{command_id}/attachment")
    assert logs.text == "level=info msg=ok\n"
    assert "commands" not in beat(client, token)  # nothing waits any more
    audit = rows(
        settings,
        "SELECT action, target FROM audit_log WHERE action = ?",  # type: ignore[arg-type]
        "kiosk.command_sent",
    )
    assert audit == [("kiosk.command_sent", kiosk_id)]


def test_a_kiosk_that_does_not_say_it_takes_commands_gets_the_answer_it_knows(
    client: TestClient, device: tuple[str, str]
) -> None:
    kiosk_id, token = device
    signed_in_as(client, Role.OPS_ADMIN)
    send(client, kiosk_id, "identify")
    answer = beat(client, token, capable=False)
    assert set(answer) == {"server_time", "rotate_credential"}
    assert states(client.get(f"/kiosks/{kiosk_id}").text) == ["queued"]


def test_a_command_nobody_fetched_expires_by_its_time_to_live(
    client: TestClient, device: tuple[str, str], clock: FakeClock
) -> None:
    kiosk_id, token = device
    signed_in_as(client, Role.OPS_ADMIN)
    send(client, kiosk_id, "restart_app", ttl_minutes=1)
    clock.advance(61)
    assert states(client.get(f"/kiosks/{kiosk_id}").text) == ["expired"]
    assert "commands" not in beat(client, token)


def test_only_ops_admins_send_commands_and_another_kiosks_result_is_a_404(
    client: TestClient, device: tuple[str, str]
) -> None:
    kiosk_id, token = device
    signed_in_as(client, Role.OPS_VIEWER, "viewer")
    page = client.get(f"/kiosks/{kiosk_id}").text
    assert 'action="/kiosks/' + kiosk_id + '/commands"' not in page
    refused = client.post(
        f"/kiosks/{kiosk_id}/commands",
        data={"kind": "identify", "csrf_token": csrf_token(client, f"/kiosks/{kiosk_id}")},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    result = {"ok": True, "finished_at": "2026-11-26T10:00:31+08:00"}
    assert post_json(client, f"/commands/{'a' * 32}/result", result, token).status_code == 404
