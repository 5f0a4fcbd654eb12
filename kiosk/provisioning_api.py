"""The kiosk's local provisioning API: a small HTTP server the technician's tool talks to.

stdlib `http.server` (threaded), not a web framework: the kiosk has six JSON endpoints to
serve to one laptop on its LAN, and FastAPI/uvicorn are the controller's dependencies, not
the kiosk's (a kiosk image carries none of them). Routes only translate; the work is in
kiosk/provisioning.py.

Open only while the kiosk is unprovisioned or in maintenance mode; a session paired
while it was open lives on until it expires, so the technician who just enrolled the kiosk
can still run its self-test. Every call but `pair` carries `Authorization: Bearer
<session token>`; the token comes from `POST /v1/pair {"code": "K7Q-M4Z"}` with the code
the kiosk shows on its screen and prints on its receipt printer.

    GET  /v1/state       serial, model, version, state (no session: the TXT facts only)
    POST /v1/pair        {"code"} -> {"token"}; 401 wrong/expired/used, 429 locked out
    PUT  /v1/config      the station setup (kiosk/station_setup.py) -> 200, or 422 naming
                         the key: {"error": {"code", "key", "problem", "allowed"}}
    PUT  /v1/release-key {"key": "<minisign .pub text>"} -> {"key_id"}: pins the key the
                         kiosk checks every release with (422 bad_release_key)
    POST /v1/enroll      enroll with the configured controller -> {"kiosk_id", "state",
                         "release_key", "restarting"}; the kiosk then restarts into its
                         setup (kiosk/provisioning.py `restart_due`)
    POST /v1/selftest    {"wait": seconds to wait for each card and the QR code} -> 202;
                         GET /v1/selftest: progress (the check running, what the
                         technician is asked to do, seconds left), then the report
    POST /v1/reset       {"confirm": "<serial>"}: factory reset; the kiosk then restarts,
                         unprovisioned, and announces itself with a new pairing code

Errors are `{"error": {"code": ..., "message": ...}}`; 409 `busy` when another
technician's operation is running.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kiosk.pairing import PairingError, PairingGate
from kiosk.provisioning import (
    DEFAULT_WAIT,
    UNPROVISIONED,
    KioskProvisioning,
    ProvisioningError,
)
from kiosk.station_setup import SetupError

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"code": code, "message": message, **extra}}
        self.headers: dict[str, str] = {}


class ProvisioningApi:
    """Serves the provisioning API on `host:port` (0: any free port) in a thread."""

    def __init__(
        self,
        provisioning: KioskProvisioning,
        gate: PairingGate,
        *,
        host: str = "0.0.0.0",  # noqa: S104 - the LAN is the point; the gate guards it
        port: int = 0,
        maintenance: Callable[[], bool] = lambda: False,
    ) -> None:
        """`maintenance`: True while the kiosk is in maintenance mode (the API opens)."""
        self.provisioning = provisioning
        self.gate = gate
        self.maintenance = maintenance
        api = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "estation-provisioning"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                log.debug("provisioning %s", format % args)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                api._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                api._handle(self, "POST")

            def do_PUT(self) -> None:  # noqa: N802
                api._handle(self, "PUT")

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._server.server_address[1])

    def is_open(self) -> bool:
        """True while new technicians may pair: unprovisioned or in maintenance."""
        return self.provisioning.state() == UNPROVISIONED or self.maintenance()

    def start(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="provisioning-api", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        status: int
        body: dict[str, Any]
        headers: dict[str, str] = {}
        try:
            status, body = self._route(request, method, request.path.split("?")[0])
        except _Refused as refused:
            status, body, headers = refused.status, refused.body, refused.headers
        except Exception:  # noqa: BLE001 - top of a request thread: logged, answered 500
            log.exception("provisioning request failed")
            status, body = 500, {"error": {"code": "internal", "message": "see the kiosk log"}}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    def _body(self, request: BaseHTTPRequestHandler) -> dict[str, Any]:
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise _Refused(413, "too_large", f"at most {MAX_BODY} bytes")
        try:
            data = json.loads(request.rfile.read(length) or b"{}")
        except ValueError as err:
            raise _Refused(400, "bad_json", f"the body is not JSON: {err}") from err
        if not isinstance(data, dict):
            raise _Refused(400, "bad_json", "the body is a JSON object")
        return data

    def _session(self, request: BaseHTTPRequestHandler) -> None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        if not token or not self.gate.session_valid(token):
            raise _Refused(401, "session_required", "pair with the code on the kiosk's screen")

    def _route(
        self, request: BaseHTTPRequestHandler, method: str, path: str
    ) -> tuple[int, dict[str, Any]]:
        kiosk = self.provisioning
        if (method, path) == ("GET", "/v1/state"):
            facts = {
                "serial": kiosk.serial,
                "model": kiosk.model,
                "version": kiosk.software_version,
                "state": kiosk.state(),
                "open": self.is_open(),
            }
            header = request.headers.get("Authorization", "")
            if header and self.gate.session_valid(header.removeprefix("Bearer ").strip()):
                facts |= kiosk.describe()
            return 200, facts
        if (method, path) == ("POST", "/v1/pair"):
            if not self.is_open():
                raise _Refused(
                    403,
                    "provisioning_closed",
                    "the kiosk is provisioned: open maintenance mode on its screen"
                    " (docs/technicians.md), then use the code it prints",
                )
            try:
                return 200, {"token": self.gate.redeem(str(self._body(request).get("code", "")))}
            except PairingError as err:
                if err.code == "pairing_locked":
                    refused = _Refused(429, err.code, str(err))
                    refused.headers["Retry-After"] = str(int(err.retry_after) + 1)
                    raise refused from err
                raise _Refused(401, err.code, str(err)) from err
        routes = {
            ("PUT", "/v1/config"): self._configure,
            ("PUT", "/v1/release-key"): self._pin_release_key,
            ("POST", "/v1/enroll"): self._enroll,
            ("POST", "/v1/selftest"): self._start_selftest,
            ("GET", "/v1/selftest"): self._selftest,
            ("POST", "/v1/reset"): self._reset,
        }
        handler = routes.get((method, path))
        if handler is None:
            raise _Refused(404, "not_found", f"{method} {path} is not an endpoint")
        self._session(request)
        try:
            return handler(request)
        except ProvisioningError as err:
            raise _Refused(err.status, err.code, str(err)) from err

    def _configure(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        try:
            setup = self.provisioning.configure(self._body(request))
        except SetupError as err:
            raise _Refused(
                422, "invalid_setup", str(err), key=err.key, problem=err.problem,
                allowed=err.allowed,
            ) from err  # fmt: skip
        return 200, {"setup": setup.as_json()}

    def _pin_release_key(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        key = self._body(request).get("key")
        if not isinstance(key, str):
            raise _Refused(400, "bad_release_key", "key is the text of a minisign .pub file")
        return 200, {"key_id": self.provisioning.pin_release_key(key)}

    def _enroll(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        try:
            enrollment = self.provisioning.enroll()
        except SetupError as err:  # the controller's tree has no such region
            raise _Refused(
                422, "invalid_setup", str(err), key=err.key, problem=err.problem,
                allowed=err.allowed,
            ) from err  # fmt: skip
        # All the tool needs, in this answer: the kiosk restarts into its setup right after.
        return 200, {
            "kiosk_id": enrollment.kiosk_id,
            "state": enrollment.state,
            "release_key": self.provisioning.release_key(),
            "restarting": True,
        }

    def _start_selftest(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        wait = self._body(request).get("wait", DEFAULT_WAIT)
        if not isinstance(wait, int | float) or isinstance(wait, bool):
            raise _Refused(400, "bad_wait", "wait is a number of seconds")
        return 202, self.provisioning.start_selftest(float(wait)).as_dict()

    def _selftest(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        run = self.provisioning.selftest_run
        if run is None:
            raise _Refused(404, "no_selftest", "no self-test has run since the kiosk started")
        return 200, run.as_dict()

    def _reset(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        self.provisioning.reset(str(self._body(request).get("confirm", "")))
        self.gate.end_sessions()
        return 200, {"state": UNPROVISIONED, "restarting": True}
