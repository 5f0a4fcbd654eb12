"""The statistics page: the fleet's use, ratings, health and paper over a chosen period.

For ops (viewers and admins) it counts across the whole fleet; for county staff, across the
kiosks of their region only. No personal data is on it (counts, service titles, kiosk ids),
so opening it is not audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.deps import SessionDep, TitlesDep
from controller.models import Kiosk
from controller.rendering import county_scope, render
from controller.services.regions import kiosks_inside
from controller.services.stats import Scope
from controller.stats_charts import (
    SPANS,
    Span,
    health_figure,
    paper_figures,
    rating_figures,
    service_figure,
    transaction_figures,
    window_of,
)

router = APIRouter(default_response_class=HTMLResponse)
DEFAULT_SPAN = Span.WEEK


@router.get("/stats")
def stats_page(
    request: Request,
    session: SessionDep,
    titles: TitlesDep,
    period: Annotated[str, Query(alias="range")] = "",
) -> HTMLResponse:
    """Charts of the last 24 h, 7 or 30 days (`range`: 24h, 7d, 30d; 7d when unknown)."""
    span = Span(period) if period in set(Span) else DEFAULT_SPAN
    now = request.app.state.runtime.clock()
    window = window_of(span, now)
    kiosks = _kiosks_of(session, county_scope(request))
    health, history = health_figure(session, span, window, now, kiosks)
    context = {
        "span": span.value,
        "span_label": SPANS[span][0],
        "spans": [(s.value, SPANS[s][0]) for s in Span],
        "window": window,
        "transactions": transaction_figures(session, span, window, kiosks),
        "services": service_figure(session, titles, window, kiosks),
        "ratings": rating_figures(session, titles, window, kiosks),
        "health": health,
        "paper": paper_figures(session, window, history, kiosks),
        "page": "stats",
    }
    return render(request, "stats.html", context)


def _kiosks_of(session: Session, scope: str | None) -> Scope:
    """The kiosks a county staff account counts (theirs; none without a region)."""
    if scope is None:
        return None
    if not scope:
        return []
    return list(session.scalars(select(Kiosk.id).where(kiosks_inside(scope))))


def install(app: FastAPI) -> None:
    """Add the statistics page to `app`."""
    app.include_router(router)
