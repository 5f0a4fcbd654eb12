"""What supervisors and scrapers read: the kiosk API's OpenAPI document, /metrics, /readyz."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from controller.app import create_app
from controller.settings import Settings
from tests.controller.controller_testkit import heartbeat, post_json
from tests.support.clock import FakeClock
from wire import (
    CatalogIn,
    ContentQuery,
    Heartbeat,
    HoldRequest,
    MyApplicationsRequest,
    RatingIn,
    RegisterRequest,
    TransactionIn,
)

BODIES = {
    ("post", "/api/v1/kiosks/register"): RegisterRequest,
    ("post", "/api/v1/heartbeat"): Heartbeat,
    ("post", "/api/v1/transactions"): TransactionIn,
    ("post", "/api/v1/content/{source}"): ContentQuery,
    ("post", "/api/v1/bookings/hold"): HoldRequest,
    ("post", "/api/v1/ratings"): RatingIn,
    ("post", "/api/v1/my-applications"): MyApplicationsRequest,
    ("post", "/api/v1/catalog"): CatalogIn,
}


def _document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    doc: dict[str, Any] = answer.json()
    return doc


def test_the_openapi_document_describes_every_request_body_by_its_wire_model(
    client: TestClient,
) -> None:
    doc = _document(client)
    schemas = doc["components"]["schemas"]
    for (method, path), model in BODIES.items():
        body = doc["paths"][path][method]["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}, path
        # The document says what the wire model accepts: same fields, same required ones.
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        assert schemas[model.__name__]["properties"] == schema["properties"], path
        assert schemas[model.__name__].get("required") == schema.get("required"), path


def test_the_openapi_document_lists_only_the_kiosk_api_and_health(client: TestClient) -> None:
    paths = set(_document(client)["paths"])
    assert {p for _, p in BODIES} <= paths
    assert all(p.startswith(("/api/v1/", "/healthz", "/readyz")) for p in paths)
    assert "/metrics" not in paths


def _sample(metrics_text: str, name: str, **labels: str) -> float | None:
    for line in metrics_text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if found == labels:
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_count_requests_by_route_and_kiosks_by_state(
    client: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    assert post_json(client, "/heartbeat", heartbeat(), token).status_code == 200
    text = client.get("/metrics").text
    route = {"route": "/api/v1/heartbeat", "method": "POST", "status": "200"}
    assert _sample(text, "estation_http_requests_total", **route) == 1.0
    assert _sample(text, "estation_kiosks", state="idle") == 1.0
    assert _sample(text, "estation_kiosks", state="offline") == 0.0


def test_a_kiosk_that_stops_beating_is_counted_offline(
    client: TestClient, device: tuple[str, str], clock: FakeClock
) -> None:
    post_json(client, "/heartbeat", heartbeat(), device[1])
    clock.advance(3600)
    text = client.get("/metrics").text
    assert _sample(text, "estation_kiosks", state="offline") == 1.0
    assert _sample(text, "estation_kiosks", state="idle") is None


def test_a_path_holding_an_id_is_labelled_by_its_route_template(client: TestClient) -> None:
    client.get("/r/KA01-2611260001")
    text = client.get("/metrics").text
    assert "KA01-2611260001" not in text


@pytest.mark.parametrize(
    ("sent", "status"),
    [(None, 401), ("Bearer wrong-token", 401), ("Bearer scrape-token-123", 200)],
)
def test_with_a_metrics_token_only_a_scraper_holding_it_reads_metrics(
    settings: Settings, clock: FakeClock, sent: str | None, status: int
) -> None:
    guarded = dataclasses.replace(settings, metrics_token="scrape-token-123")
    with TestClient(create_app(guarded, clock=clock.wall)) as client:
        headers = {"Authorization": sent} if sent else {}
        assert client.get("/metrics", headers=headers).status_code == status


def test_without_a_token_metrics_are_refused_to_another_machine(
    settings: Settings, clock: FakeClock
) -> None:
    app = create_app(settings, clock=clock.wall)
    with TestClient(app, client=("192.0.2.7", 40000)) as remote:
        assert remote.get("/metrics").status_code == 403
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200


def test_readyz_says_503_while_the_database_does_not_answer(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/readyz").json() == {"ready": True, "database": "ok"}
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    def down() -> bool:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(runtime.db, "ping", down)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"ready": False, "database": "unreachable"}


def test_metrics_count_unresolved_alerts_by_severity(
    client: TestClient, device: tuple[str, str]
) -> None:
    from controller.services.alert_lifecycle import raise_alert
    from controller.services.alert_rules import AlertKind

    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        kiosk = runtime.fleet.find(session, device[0])
        raise_alert(session, kiosk, AlertKind.STAFF_CALLED, "test", now=runtime.clock())
        session.commit()
    text = client.get("/metrics").text
    assert _sample(text, "estation_open_alerts", severity="major") == 1.0
    assert _sample(text, "estation_open_alerts", severity="critical") == 0.0
