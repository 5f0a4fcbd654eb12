"""Controllers as real processes, and kiosks that talk to them over HTTP, as in the field.

For the tests that need more than the app in-process: a browser on the dashboard, two
replicas on one PostgreSQL. The first account is made by `estation-controller create-admin`
(the CLI an operator runs); kiosks enroll, beat and send transactions through the kiosk API
with httpx, each request to whichever controller URL the test names.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.controller.controller_testkit import heartbeat, transaction
from tests.support.servers import ControllerProcess, SharedController
from wire import API_PREFIX

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "ops-admin"
ADMIN_PASSWORD = "a long pass phrase for ops"  # noqa: S105 - a test account's password


def create_admin(data_dir: Path, database_url: str | None = None) -> None:
    """Make the ops admin account with the CLI, password on stdin, as a deploy script does."""
    done = subprocess.run(
        [sys.executable, "-m", "controller", "create-admin", "--username", ADMIN,
         "--password-stdin", "--data-dir", str(data_dir),
         *(["--db", database_url] if database_url else [])],
        input=ADMIN_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"created ops admin account {ADMIN!r}" in done.stdout


@contextmanager
def running_controller(
    data_dir: Path, *, database_url: str | None = None, env: Mapping[str, str] | None = None
) -> Iterator[ControllerProcess]:
    """A controller process on 127.0.0.1, ready; stopped on the way out. Its pairing codes
    are issued a batch at a time (tests here enroll up to four kiosks on one)."""
    process = SharedController(
        data_dir,
        seed_demo=False,
        database_url=database_url,
        env=env,
    )
    try:
        process.wait_ready(timeout=30)
        yield process
    finally:
        process.stop()


def now_iso() -> str:
    """The real time now, as a kiosk with a good clock stamps its messages."""
    return dt.datetime.now(dt.UTC).isoformat()


@dataclass
class HttpKiosk:
    """One enrolled kiosk: it sends to whichever controller URL each call names."""

    kiosk_id: str
    token: str
    sent: int = 0

    @classmethod
    def enroll(
        cls,
        controller: ControllerProcess,
        url: str,
        hardware_id: str,
        name: str,
        site: str = "朝阳区人社局大厅",
    ) -> HttpKiosk:
        """Enroll at `url` with a pairing code `controller` issues, as a technician would."""
        answer = _post(
            url,
            "/kiosks/register",
            {
                "hardware_id": hardware_id,
                "name": name,
                "site": site,
                "software_version": "0.1.0",
                "pairing_code": controller.pairing_code(f"for {hardware_id}"),
            },
        )
        assert answer.status_code in (200, 201), answer.text
        return cls(answer.json()["kiosk_id"], answer.json()["device_token"])

    def beat(self, url: str, **overrides: Any) -> httpx.Response:
        """A heartbeat stamped now; all devices fine unless `devices` is given."""
        body = heartbeat(
            sent_at=now_iso(),
            devices={"id_card_reader": {"state": "ok"}, "receipt_printer": {"state": "ok"}},
        )
        body.update(overrides)
        answer = _post(url, "/heartbeat", body, self.token)
        assert answer.status_code == 200, answer.text
        return answer

    def next_transaction(self) -> dict[str, Any]:
        """A new transaction of this kiosk (its own number, a fresh key), made now."""
        self.sent += 1
        day = dt.datetime.now(dt.UTC).strftime("%y%m%d")
        return transaction(
            key=f"{self.kiosk_id.encode().hex()}{self.sent:08x}".ljust(32, "0")[:32],
            number=f"{self.kiosk_id}-{day}{self.sent:04d}",
            created_at=now_iso(),
        )

    def send(self, url: str, body: dict[str, Any]) -> httpx.Response:
        """POST a transaction body to the controller at `url`."""
        return _post(url, "/transactions", body, self.token)


def _post(url: str, path: str, body: object, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{url}{API_PREFIX}{path}", json=body, headers=headers, timeout=10)
