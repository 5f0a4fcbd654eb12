"""The kiosk API's OpenAPI document, request bodies included, from the wire models.

Request bodies are parsed by `controller.deps.wire_body` (size limit first, then
`wire.parse`), not by FastAPI, so FastAPI's own document would show no body. Each such
dependency carries its model (`WIRE_MODEL`); this module adds the bodies to the generated
document, with every wire model (and what it refers to) under `components/schemas`. Only the
kiosk API (`/api/v1/...`) and the health endpoints are described: the dashboard is pages for
people, not an API.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import BaseRoute

from controller.deps import WIRE_MODEL
from wire import API_PREFIX, PROTOCOL_VERSION

_REF = "#/components/schemas/{model}"
DESCRIBED_PREFIXES = (API_PREFIX, "/healthz", "/readyz")


def _body_model(dependant: Dependant) -> type[BaseModel] | None:
    """The wire model a route's body is parsed into, found among its dependencies."""
    for dep in dependant.dependencies:
        model = getattr(dep.call, WIRE_MODEL, None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model
        found = _body_model(dep)
        if found is not None:
            return found
    return None


def _schemas(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s JSON schema and its definitions, each named once under components."""
    schema = model.model_json_schema(ref_template=_REF, mode="validation")
    defs = schema.pop("$defs", {})
    return {model.__name__: schema, **defs}


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (kept nested by this FastAPI release;
    ours are included without a prefix, so a route's path is its full path)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _api_routes(inner.routes)


def build(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of the kiosk API, with the bodies wire_body parses."""
    routes = [r for r in _api_routes(app.routes) if r.path.startswith(DESCRIBED_PREFIXES)]
    doc = get_openapi(
        title="e-station controller: kiosk API",
        version=str(PROTOCOL_VERSION),
        description="The wire v1 contract between kiosks and the controller (wire/v1.py).",
        routes=routes,
    )
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for route in routes:
        model = _body_model(route.dependant)
        if model is None:
            continue
        components.update(_schemas(model))
        for method in route.methods or ():
            operation = doc["paths"][route.path_format][method.lower()]
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": _REF.format(model=model.__name__)}}
                },
            }
    return doc


def install(app: FastAPI) -> None:
    """Serve the document at /api/v1/openapi.json (built once, on first request)."""
    cached: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not cached:
            cached.update(build(app))
        return cached

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
