"""The hand-off of approved applications to a province webhook on 127.0.0.1: signed with a
timestamp, retried with back-off past a receiver that times out or answers 500, delivered
once by its transaction key even when the receiver sees it twice, dead letters sent again
from the dashboard. Each test on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.settings import HandoffSettings, Settings
from tests.controller.controller_testkit import FAST_AUTH, ID_NUMBER, NAME, csrf_token, rows
from tests.controller.inbox_testkit import Counties, move, staff, submit, two_counties
from tests.support.clock import FakeClock
from tests.support.servers import serve

SECRET = "province-secret"  # noqa: S105 - the test receiver's key


@dataclass
class Province:
    """A province system's receiver: keeps each application once, by its transaction key.

    `script` says how it answers each request in turn: "ok" (200), "500", or "slow" (it
    takes the application, then answers after the sender has stopped waiting).
    """

    script: list[str] = field(default_factory=list)
    url: str = ""
    requests: int = 0
    bad_signatures: int = 0
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    repeats: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/intake")
        async def intake(request: Request) -> Response:
            body = await request.body()
            stamp = request.headers.get("x-estation-timestamp", "")
            signed = f"{stamp}.".encode() + body
            expected = "sha256=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
            with self._lock:
                self.requests += 1
                turn = self.script.pop(0) if self.script else "ok"
                if not hmac.compare_digest(
                    expected, request.headers.get("x-estation-signature", "")
                ):
                    self.bad_signatures += 1
                    return Response(status_code=401)
                if turn == "500":
                    return Response(status_code=500)
                document = json.loads(body)
                key = request.headers["x-estation-delivery"]
                assert key == document["transaction_key"]
                if key in self.kept:
                    self.repeats += 1
                else:
                    self.kept[key] = document
            if turn == "slow":
                await asyncio.sleep(1.5)
            return Response(status_code=200)

        return app


@contextmanager
def province(*script: str) -> Iterator[Province]:
    receiver = Province(script=list(script))
    with serve(receiver.app()) as base:
        receiver.url = f"{base}/intake"
        yield receiver


@contextmanager
def controller(
    tmp_path: Path, database_url: str, clock: FakeClock, receiver: Province, attempts: int = 4
) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        sweeper_enabled=False,
        handoff=HandoffSettings(
            url=receiver.url, secret=SECRET, timeout_seconds=0.5, max_attempts=attempts
        ),
    )
    app = create_app(settings, clock=clock.wall, auth=FAST_AUTH)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        yield client


def sweep(client: TestClient) -> Any:
    return client.app.state.runtime.sweeper.run_once().handoff  # type: ignore[attr-defined]


def approved(client: TestClient, counties: Counties, serial: int = 1) -> str:
    number = submit(client, counties.mine, serial)
    clerk = staff(client, f"clerk{serial}")
    assert move(clerk, number, "reviewing").status_code == 200
    assert move(clerk, number, "approved").status_code == 200
    return number


def test_an_approved_application_reaches_the_province_once_signed_with_its_data(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    with province() as receiver, controller(tmp_path, database_url, clock, receiver) as client:
        number = approved(client, two_counties(client))
        assert len(sweep(client).sent) == 1
        clock.advance(3600)
        assert sweep(client).sent == []
    assert (receiver.requests, receiver.bad_signatures, receiver.repeats) == (1, 0, 0)
    [document] = receiver.kept.values()
    assert document["number"] == number
    assert document["event"] == "approved"
    assert document["citizen"] == {"id_number": ID_NUMBER, "name": NAME}
    assert document["fields"] == {"phone": "13812345678"}
    assert document["region_code"] == "330102001"


def test_the_outbox_row_holds_no_personal_data(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    with province() as receiver, controller(tmp_path, database_url, clock, receiver) as client:
        approved(client, two_counties(client))
        settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
        stored = rows(settings, "SELECT payload, subject, body FROM notifications")
    assert len(stored) == 1
    assert ID_NUMBER not in str(stored)
    assert NAME not in str(stored)


def test_a_receiver_that_answers_500_gets_it_after_backing_off(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    with (
        province("500", "500") as receiver,
        controller(tmp_path, database_url, clock, receiver) as client,
    ):
        approved(client, two_counties(client))
        assert len(sweep(client).retrying) == 1
        clock.advance(29)
        assert sweep(client).retrying == []  # not due before 30 s
        clock.advance(1)
        assert len(sweep(client).retrying) == 1
        clock.advance(60)
        assert len(sweep(client).sent) == 1
    assert (receiver.requests, len(receiver.kept), receiver.repeats) == (3, 1, 0)


def test_a_receiver_that_times_out_after_taking_it_sees_the_retry_as_a_repeat(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    with (
        province("slow") as receiver,
        controller(tmp_path, database_url, clock, receiver) as client,
    ):
        approved(client, two_counties(client))
        report = sweep(client)
        assert len(report.retrying) == 1
        settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
        [(error,)] = rows(settings, "SELECT last_error FROM notifications")
        assert error.startswith("webhook: webhook unreachable")
        clock.advance(30)
        assert len(sweep(client).sent) == 1
    # Sent twice, kept once: the delivery id (the transaction key) made the second a repeat.
    assert (receiver.requests, len(receiver.kept), receiver.repeats) == (2, 1, 1)


def test_approving_again_after_reopening_does_not_send_it_twice(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    with province() as receiver, controller(tmp_path, database_url, clock, receiver) as client:
        counties = two_counties(client)
        number = approved(client, counties)
        sweep(client)
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        with runtime.db.session() as session:  # reopened by hand, as a supervisor might
            row = runtime.inbox.find(session, None, number)
            row.status = "reviewing"
            session.commit()
        clerk = staff(client, "again")
        assert move(clerk, number, "approved").status_code == 200
        clock.advance(60)
        sweep(client)
    assert receiver.requests == 1


def test_given_up_hand_offs_are_dead_letters_staff_send_again(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    with (
        province("500", "500") as receiver,
        controller(tmp_path, database_url, clock, receiver, attempts=2) as client,
    ):
        number = approved(client, two_counties(client))
        sweep(client)
        clock.advance(30)
        assert len(sweep(client).failed) == 1
        clerk = staff(client, "retrier")
        page = clerk.get("/handoff").text
        assert number in page
        assert "webhook answered HTTP 500" in page
        other = staff(client, "elsewhere", region="330106")
        assert number not in other.get("/handoff").text
        letter = page.split('action="/handoff/', 1)[1].split("/", 1)[0]
        token = csrf_token(other, "/handoff")
        assert other.post(f"/handoff/{letter}/retry", data={"csrf_token": token}).status_code == 404
        token = csrf_token(clerk, "/handoff")
        answer = clerk.post(f"/handoff/{letter}/retry", data={"csrf_token": token})
        assert answer.status_code == 200
        assert "将重新发送" in answer.text
        assert len(sweep(client).sent) == 1
        settings = client.app.state.runtime.settings  # type: ignore[attr-defined]
        assert rows(
            settings, "SELECT actor, target FROM audit_log WHERE action = 'handoff.retried'"
        ) == [("retrier", number)]
    assert (receiver.requests, len(receiver.kept)) == (3, 1)


def test_handoff_settings_come_from_the_environment_and_need_a_secret() -> None:
    from controller.settings import load_settings

    loaded = load_settings(environ={
        "ESTATION_HANDOFF_URL": "https://province.example/intake",
        "ESTATION_HANDOFF_SECRET": "s", "ESTATION_HANDOFF_MAX_ATTEMPTS": "5"})  # fmt: skip
    assert (loaded.handoff.url, loaded.handoff.max_attempts, loaded.handoff.enabled) == (
        "https://province.example/intake", 5, True)  # fmt: skip
    with pytest.raises(ValueError, match="secret"):
        HandoffSettings(url="https://province.example/intake")
    assert not load_settings(environ={}).handoff.enabled
