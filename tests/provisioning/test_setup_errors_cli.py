"""What `estation-provision enroll` says to a technician whose setup is wrong: the key, the
problem and what is allowed, against a real kiosk over HTTP; for an unreachable controller
URL, what the kiosk tried and what stopped it, against real sockets on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.kiosk_toml import Stage, write_kiosk_of_simulators
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from provisioning.cli import main
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e

SERIAL = "SN-SETUP-0001"


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    path = write_kiosk_of_simulators(tmp_path, SERIAL, Stage.UNPROVISIONED_UNANNOUNCED)
    kiosk = build_kiosk(load_config(path))
    kiosk.start(sync=False)
    yield kiosk
    kiosk.close()


def _enroll(kiosk: Kiosk, tmp_path: Path, setup: dict[str, Any]) -> int:
    """Run the CLI as the technician does, with the code on the kiosk's screen; its status."""
    side = kiosk.provisioning
    assert side is not None
    notice = side.notice()
    assert notice is not None
    path = tmp_path / "station.json"
    path.write_text(json.dumps(setup, ensure_ascii=False), encoding="utf-8")
    url = f"http://127.0.0.1:{side.api.port}"
    return main(["enroll", SERIAL, "--code", notice.shown, "--setup", str(path), "--url", url])


def _setup(url: str = "http://127.0.0.1:9", **station: Any) -> dict[str, Any]:
    return {"controller": {"url": url}, "station": {"name": "东区大厅", **station}}


def test_a_serial_port_the_kiosk_does_not_have_is_named_with_the_ports_it_has(
    kiosk: Kiosk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = {**_setup(), "devices": {"id_card_reader": "/dev/ttyUSB97"}}
    status = _enroll(kiosk, tmp_path, setup)
    err = capsys.readouterr().err
    assert status == 1
    assert (
        f"{SERIAL}: setup refused: devices.id_card_reader: /dev/ttyUSB97 is not a serial port"
        " of this kiosk\n    allowed: simulator" in err
    )
    assert "invalid_setup" not in err  # the API's code is for machines, not technicians
    assert err.count("allowed:") == 1
    assert kiosk.provisioning is not None
    assert kiosk.provisioning.provisioning.state() == "unprovisioned"


def test_an_invalid_region_code_is_named_with_what_is_allowed(
    kiosk: Kiosk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = _enroll(kiosk, tmp_path, _setup(region_code="999999001"))
    err = capsys.readouterr().err
    assert status == 1
    assert "station.region_code: county 999999 is not in GB/T 2260" in err
    assert "allowed: 12 digits down to the village (9: township)" in err


def test_a_controller_url_where_nothing_listens_says_the_connection_was_refused(
    kiosk: Kiosk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    status = _enroll(kiosk, tmp_path, _setup(url))
    err = capsys.readouterr().err
    assert status == 1
    port = url.rsplit(":", 1)[1]
    assert f"controller.url: {url} is unreachable from the kiosk" in err
    assert f"127.0.0.1 refused the connection on port {port} (nothing listens there)" in err
    assert "allowed: an http:// or https:// URL of a controller" in err


def test_a_controller_url_that_never_answers_says_it_timed_out(
    kiosk: Kiosk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A socket that listens and never answers: the kernel takes the connection, no reply.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        status = _enroll(kiosk, tmp_path, _setup(url))
    err = capsys.readouterr().err
    assert status == 1
    assert f"controller.url: {url} is unreachable from the kiosk" in err
    assert "took the connection but sent no answer in 5 s (timed out)" in err


def test_https_to_a_plain_http_server_says_tls_failed(
    kiosk: Kiosk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}"
        status = _enroll(kiosk, tmp_path, _setup(url))
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert status == 1
    assert "TLS: the secure connection to 127.0.0.1" in err
    assert "(it speaks http://, not https://?)" in err


def test_a_setup_file_that_is_not_json_is_named_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "station.json"
    path.write_text('{"controller": ', encoding="utf-8")
    assert main(["enroll", SERIAL, "--code", "ABC-DEF", "--setup", str(path),
                 "--url", "http://127.0.0.1:9"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert f"{SERIAL}: {path}: not JSON" in err
    assert "Traceback" not in err
    assert main(["enroll", SERIAL, "--code", "ABC-DEF", "--setup", str(tmp_path / "nope.json"),
                 "--url", "http://127.0.0.1:9"]) == 2  # fmt: skip
    assert "No such file or directory" in capsys.readouterr().err
