"""Schemathesis over the kiosk API's own OpenAPI document: generated bodies, valid and not,
sent by an enrolled kiosk; the controller answers every one with something other than a 5xx.

Bounded: 25 examples per operation (about 1,000 requests), no deadline per example (the
machine is shared), derandomised so a failure repeats; the file takes seconds. The app is
built when the module loads because schemathesis reads the document at collection
(its fixture loader does not run under this pytest); its folder goes when the process ends.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.settings import Settings
from tests.controller.controller_testkit import register

_DATA = tempfile.TemporaryDirectory(prefix="estation-fuzz-")
APP = create_app(Settings(data_dir=Path(_DATA.name)))
with TestClient(APP) as _client:
    _KIOSK, _TOKEN = register(_client)

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@hypothesis.settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
)
def test_no_generated_request_gets_a_server_error(case: Any) -> None:
    # The kiosk's own header carries the device token; a generated one would be refused
    # before the body is read, and the bodies are what this test is about.
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {_TOKEN}"}
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
