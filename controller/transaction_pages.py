"""The latest transactions (`/transactions`) and the public receipt page (`/r/{number}`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from controller.auth.guard import ActorDep
from controller.deps import AuditDep, IntakeDep, SessionDep
from controller.rendering import county_scope, render
from controller.services.audit import AuditAction
from controller.services.ratelimit import RateLimited

router = APIRouter(default_response_class=HTMLResponse)

RECENT_ON_FLEET_PAGE = 100


@router.get("/transactions")
def transactions_page(
    request: Request, session: SessionDep, intake: IntakeDep, audit: AuditDep, actor: ActorDep
) -> HTMLResponse:
    """The latest transactions across the fleet, or a county staff's region (audited)."""
    scope = county_scope(request)
    transactions = (
        [] if scope == "" else intake.recent(session, limit=RECENT_ON_FLEET_PAGE, region=scope)
    )
    audit.record(
        session, actor, AuditAction.VIEWED_TRANSACTIONS, detail=f"transactions={len(transactions)}"
    )
    session.commit()
    context = {
        "transactions": transactions,
        "limit": RECENT_ON_FLEET_PAGE,
        "page": "transactions",
    }
    return render(request, "transactions.html", context)


@router.get("/r/{number}")
def receipt_page(
    request: Request, number: str, session: SessionDep, intake: IntakeDep, k: str = ""
) -> HTMLResponse:
    """What a citizen sees after scanning a receipt's QR: received or not, nothing personal.

    The QR's link carries the receipt key (`?k=`); without the right key the page is the
    same 404 as for an unknown number, so numbers cannot be walked. Limited per client
    address (429).
    """
    asker = request.client.host if request.client else "unknown"
    context: dict[str, Any] = {"number": number, "txn": None, "page": "receipt"}
    try:
        found = intake.receipt(session, number, k, asker)
    except RateLimited as err:
        response = render(request, "receipt.html", context | {"retry_after": err.retry_after}, 429)
        response.headers["Retry-After"] = str(err.retry_after)
        return response
    return render(request, "receipt.html", context | {"txn": found}, 200 if found else 404)


def install(app: FastAPI) -> None:
    """Add the transaction list and the receipt page to `app`."""
    app.include_router(router)
