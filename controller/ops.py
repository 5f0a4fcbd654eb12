"""Endpoints for supervisors and scrapers: readiness and Prometheus metrics.

`/healthz` (controller/api.py) says the process is alive and reaches its database;
`/readyz` says it can take traffic now (a load balancer sends kiosks elsewhere until it
does). `/metrics` is for Prometheus: with `ESTATION_METRICS_TOKEN` set, a scraper sends it as
a bearer token; without one, only clients on this machine are answered.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from controller.deps import RuntimeDep
from controller.metrics import Metrics, MetricsMiddleware
from controller.services.alert_views import alert_counts

router = APIRouter()


@router.get("/readyz")
def readyz(runtime: RuntimeDep) -> JSONResponse:
    """200 once the database answers; 503 (with the reason) while it does not."""
    try:
        ready = runtime.db.ping()
    except (SQLAlchemyError, OSError):
        ready = False
    body = {"ready": ready, "database": "ok" if ready else "unreachable"}
    return JSONResponse(body, status_code=200 if ready else 503)


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, runtime: RuntimeDep) -> Response:
    """The metrics in Prometheus' text format, for a scraper allowed to read them."""
    token = runtime.settings.metrics_token
    if token:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return JSONResponse({"error": "a metrics token is needed"}, status_code=401)
    elif not _loopback(request):
        return JSONResponse({"error": "metrics are served to this machine only"}, 403)
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI) -> None:
    """Add the endpoints and count every request."""

    def fleet_states() -> dict[str, int]:
        runtime = app.state.runtime
        with runtime.db.session() as session:
            states: dict[str, int] = runtime.fleet.states(session)
        return states

    def open_alerts() -> dict[str, int]:
        with app.state.runtime.db.session() as session:
            return {str(severity): n for severity, n in alert_counts(session).items()}

    app.state.metrics = Metrics(fleet_states, open_alerts)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.include_router(router)
