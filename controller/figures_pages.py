"""The county's figures: a month's applications, the waiting list and 好差评, on a page, as a
printable page and as a CSV report.

County staff see their own region (their account's, `rendering.county_scope`); naming
another region in `region` is refused (403) and audited, as the inbox refuses it. Ops
(viewers and admins) choose a region, or see the whole fleet. Counts only: no personal data
on any of the three, so opening or downloading them is not audited (the inbox's exports of
applications are).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller import region_codes
from controller.auth.guard import ActorDep
from controller.deps import AuditDep, SessionDep, TitlesDep
from controller.figures_charts import (
    REPORT_COLUMNS,
    names_for,
    rated_rows,
    rating_figures,
    report_header,
    report_rows,
    transaction_figures,
    waiting_figures,
)
from controller.labels import Label
from controller.models import Region
from controller.rendering import county_scope, render
from controller.services import regions
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.county_figures import Month, month_figures
from controller.services.export import defuse
from controller.services.titles import ServiceTitles

router = APIRouter(default_response_class=HTMLResponse)

_NOT_YOURS: Label = ("无权查看该地区的统计", "That region is outside yours")
EVERYWHERE: Label = ("全部地区", "All regions")


def _chosen(
    request: Request, session: Session, audit: AuditLog, actor: Actor
) -> tuple[str | None, Month] | HTMLResponse:
    """(the region counted, the month), or the refusal of a region outside the user's."""
    scope = county_scope(request)
    q = request.query_params
    now = request.app.state.runtime.clock()
    month = Month.parse(q.get("month", "")) or Month.of(now)
    raw = q.get("region", "").strip()
    if not raw or not region_codes.is_region_code(raw):
        return scope, month
    region = region_codes.canonical(raw)
    if scope is not None and not (scope and region_codes.contains(scope, region)):
        audit.record(
            session,
            actor,
            AuditAction.APPLICATION_REFUSED,
            target="figures",
            detail=f"region={region}",
        )
        session.commit()
        return render(request, "forbidden.html", {"page": "figures", "why": _NOT_YOURS}, 403)
    return region, month


def _counties(session: Session) -> list[tuple[str, str]]:
    """The counties of the region tree, for ops to choose from."""
    found = session.execute(
        select(Region.code, Region.name).where(Region.level == region_codes.Level.COUNTY.value)
    )
    # A Row unpacks as the tuple it types (Result.tuples() is deprecated in SQLAlchemy 2.1).
    return sorted((code, name) for code, name in found)


def _context(
    request: Request, session: Session, titles: ServiceTitles, scope: str | None, month: Month
) -> dict[str, Any]:
    now = request.app.state.runtime.clock()
    figures = month_figures(session, scope, month, now)
    names = names_for(session, titles, figures)
    by_service, by_station = rated_rows(figures, names)
    place = regions.names(session, [scope]).get(scope, scope) if scope else None
    query = f"month={month}" + (f"&region={scope}" if scope else "")
    return {
        "page": "figures",
        "month": month,
        "region": scope,
        "region_name": (place, scope) if place is not None else EVERYWHERE,
        "county_staff": county_scope(request) is not None,
        "counties": _counties(session) if county_scope(request) is None else [],
        "figures": figures,
        "transactions": transaction_figures(figures, names),
        "waiting": waiting_figures(figures, names),
        "ratings": rating_figures(figures, names),
        "rated_services": by_service,
        "rated_stations": by_station,
        "report_columns": REPORT_COLUMNS,
        "report": report_rows(figures, names),
        "query": query,
        "previous": month.previous(),
        "next": month.next(),
    }


def _rendered(
    template: str,
    request: Request,
    session: Session,
    titles: ServiceTitles,
    audit: AuditLog,
    actor: Actor,
) -> HTMLResponse:
    chosen = _chosen(request, session, audit, actor)
    if isinstance(chosen, HTMLResponse):
        return chosen
    return render(request, template, _context(request, session, titles, *chosen))


@router.get("/figures")
def figures_page(
    request: Request, session: SessionDep, titles: TitlesDep, audit: AuditDep, actor: ActorDep
) -> HTMLResponse:
    """A month's figures of the user's county (`month`: YYYY-MM; ops: `region` too)."""
    return _rendered("figures.html", request, session, titles, audit, actor)


@router.get("/figures/print")
def figures_print(
    request: Request, session: SessionDep, titles: TitlesDep, audit: AuditDep, actor: ActorDep
) -> HTMLResponse:
    """The monthly report as a page to print: every chart with its table, the report rows."""
    return _rendered("figures_print.html", request, session, titles, audit, actor)


@router.get("/figures/report.csv")
def figures_csv(
    request: Request, session: SessionDep, titles: TitlesDep, audit: AuditDep, actor: ActorDep
) -> Response:
    """The monthly report: a row per service and township (UTF-8 with a BOM, for Excel)."""
    chosen = _chosen(request, session, audit, actor)
    if isinstance(chosen, HTMLResponse):
        return chosen
    scope, month = chosen
    figures = month_figures(session, scope, month, request.app.state.runtime.clock())
    names = names_for(session, titles, figures)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(report_header())
    # Titles come from kiosks and names from an imported file: no cell may run as a formula.
    writer.writerows([defuse(cell) for cell in row] for row in report_rows(figures, names))
    name = f"figures-{scope or 'all'}-{month}.csv"
    return Response(
        buffer.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def install(app: FastAPI) -> None:
    """Add the county's figures to `app`."""
    app.include_router(router)
