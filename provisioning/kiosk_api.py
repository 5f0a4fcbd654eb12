"""The technician's side of a kiosk's local provisioning API (served by kiosk/provisioning_api.py).

HTTP and JSON only: provisioning never imports the kiosk. A kiosk that stops answering
(unplugged, rebooted, gone from the LAN mid-enrollment) is `KioskGone`; a kiosk that
refuses is `KioskRefused` with its stable code and, for a wrong setup, the key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


class KioskApiError(Exception):
    """Root of what talking to a kiosk can go wrong with."""


class KioskGone(KioskApiError):
    """The kiosk did not answer (off, rebooted, left the LAN)."""


class KioskRefused(KioskApiError):
    """The kiosk answered with an error: `code`, and `key`/`problem`/`allowed` for a wrong
    setup."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        self.status = status
        self.code = str(error.get("code", "error"))
        self.key = str(error.get("key", ""))
        self.problem = str(error.get("problem", ""))
        self.allowed = str(error.get("allowed", ""))
        self.message = str(error.get("message", ""))
        super().__init__(f"{self.code}: {self.message}")


class KioskApi:
    """One kiosk's API at `url` (http://address:port), paired or not."""

    def __init__(self, url: str, *, timeout: float = 15.0) -> None:
        self.url = url
        self._http = httpx.Client(base_url=url, timeout=timeout)
        self._token = ""

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        try:
            answer = self._http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as err:
            raise KioskGone(f"{self.url} did not answer: {type(err).__name__}") from err
        try:
            data = answer.json()
        except ValueError as err:
            raise KioskGone(f"{self.url} answered {answer.status_code}, not JSON") from err
        if answer.status_code >= 400:
            raise KioskRefused(answer.status_code, data.get("error", {}))
        return dict(data)

    def state(self) -> dict[str, Any]:
        """The kiosk's state (more of it once paired)."""
        return self._call("GET", "/v1/state")

    def pair(self, code: str) -> None:
        """Pair with the code the kiosk shows; later calls carry the session token."""
        self._token = str(self._call("POST", "/v1/pair", {"code": code})["token"])

    def configure(self, setup: dict[str, Any]) -> dict[str, Any]:
        """Send the station setup; KioskRefused names a wrong key."""
        return self._call("PUT", "/v1/config", setup)

    def pin_release_key(self, text: str) -> str:
        """Pin the release public key (a `.pub` file's text) on the kiosk; its key id."""
        return str(self._call("PUT", "/v1/release-key", {"key": text})["key_id"])

    def enroll(self) -> dict[str, Any]:
        """Have the kiosk enroll with its controller: {"kiosk_id", "state"}."""
        return self._call("POST", "/v1/enroll")

    def selftest(
        self,
        progress: Callable[[dict[str, Any]], None] = lambda run: None,
        *,
        wait: float = 60.0,
        poll: float = 0.3,
    ) -> dict[str, Any]:
        """Run the kiosk's self-test, reporting progress; the finished report.

        `wait`: how long the kiosk waits for each card and the QR code; the whole test
        is given up on when it runs three such waits and two minutes past that.
        """
        run = self._call("POST", "/v1/selftest", {"wait": wait})
        timeout = 3 * wait + 120.0
        deadline = time.monotonic() + timeout
        while not run.get("done"):
            progress(run)
            if time.monotonic() > deadline:
                raise KioskGone(f"{self.url}: self-test not done in {timeout:.0f} s")
            time.sleep(poll)
            run = self._call("GET", "/v1/selftest")
        progress(run)
        return run

    def reset(self, serial: str) -> dict[str, Any]:
        """Factory reset, confirmed with the kiosk's serial."""
        return self._call("POST", "/v1/reset", {"confirm": serial})
