"""The statistics page: the fleet's use, ratings, health and paper over a chosen period.

For ops (viewers and admins): it counts across the whole fleet. No personal data is on it
(counts, service titles, kiosk ids), so opening it is not audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from controller.dashboard import render
from controller.deps import SessionDep, TitlesDep
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
    health, history = health_figure(session, span, window, now)
    context = {
        "span": span.value,
        "span_label": SPANS[span][0],
        "spans": [(s.value, SPANS[s][0]) for s in Span],
        "window": window,
        "transactions": transaction_figures(session, span, window),
        "services": service_figure(session, titles, window),
        "ratings": rating_figures(session, titles, window),
        "health": health,
        "paper": paper_figures(session, window, history),
        "page": "stats",
    }
    return render(request, "stats.html", context)


def install(app: FastAPI) -> None:
    """Add the statistics page to `app`."""
    app.include_router(router)
