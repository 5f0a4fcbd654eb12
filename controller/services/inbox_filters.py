"""Which applications a staff member sees: their scope (the region of their account) and
the filters of the inbox page and its export, as SQL conditions.

Where an application belongs is where it was filed (`transactions.county_code` and
`region_code`); a scope of None is everywhere (ops), "" nowhere. `in_scope` is also the
rule of the county figures and the hand-off, so all of them agree on what a county holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, true

from controller import region_codes
from controller.clock import CHINA_TIME
from controller.models import Transaction
from controller.services.inbox_errors import InboxRefused
from wire import ApplicationStatus


def _within(code: str, *, ordered: bool) -> ColumnElement[bool]:
    """Filed in region `code` or below it: a range on the region code.

    `ordered`: for a list newest first. The range is then written on an expression, which
    no index serves, so the database walks the county's newest-first index and stops at a
    page (a township is a tenth of its county) instead of reading the whole township
    through ix_transactions_county_region_status and sorting it; that index is for counts.
    """
    low, high = region_codes.prefix_bounds(code)
    region = Transaction.region_code.concat("") if ordered else Transaction.region_code
    return (region >= low) & (region < high)


def in_scope(scope: str | None, *, ordered: bool = False) -> ColumnElement[bool]:
    """The SQL condition "filed inside `scope`": None is everywhere (ops), "" nowhere.

    A county is an equality on the indexed county code; a township or village adds a range
    on the region code (see `_within` for `ordered`); a city or province is a range of
    county codes.
    """
    if scope is None:
        return true()
    if scope == "":
        return false()
    county = region_codes.county_of(scope)
    if county is None:
        low, high = region_codes.prefix_bounds(scope)
        return (Transaction.county_code >= low) & (Transaction.county_code < high)
    if county == scope:
        return Transaction.county_code == county
    return (Transaction.county_code == county) & _within(scope, ordered=ordered)


def scope_holds(scope: str | None, region_code: str | None) -> bool:
    """The same rule in Python, for one application's region."""
    if scope is None:
        return True
    if not scope or not region_code:
        return False
    return region_codes.contains(scope, region_code)


@dataclass(frozen=True)
class Filters:
    """What the inbox (and an export) is narrowed to; empty strings mean "any"."""

    service: str = ""
    status: str = ""
    township: str = ""  # a canonical region code inside the scope
    date_from: dt.date | None = None  # Beijing dates, both ends included
    date_to: dt.date | None = None
    assigned: str = ""  # a user name

    def conditions(
        self, *, with_status: bool = True, ordered: bool = False
    ) -> list[ColumnElement[bool]]:
        """The SQL conditions these filters make (`ordered`: for a list, see `_within`)."""
        found: list[ColumnElement[bool]] = []
        if self.service:
            found.append(Transaction.service == self.service)
        if self.status and with_status:
            found.append(Transaction.status == self.status)
        if self.township:
            found.append(_within(self.township, ordered=ordered))
        if self.date_from is not None:
            found.append(Transaction.created_at >= _beijing_midnight(self.date_from))
        if self.date_to is not None:
            found.append(
                Transaction.created_at < _beijing_midnight(self.date_to + dt.timedelta(days=1))
            )
        if self.assigned:
            found.append(Transaction.assigned_to == self.assigned)
        return found

    def describe(self) -> str:
        """The filters for the audit log: codes and dates only."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("service", self.service),
                ("status", self.status),
                ("township", self.township),
                ("from", self.date_from or ""),
                ("to", self.date_to or ""),
                ("assigned", self.assigned),
            )
            if value
        ]
        return " ".join(parts) or "all"


def _beijing_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA_TIME).astimezone(dt.UTC)


def parse_filters(
    scope: str | None,
    *,
    service: str = "",
    status: str = "",
    township: str = "",
    date_from: str = "",
    date_to: str = "",
    assigned: str = "",
) -> Filters:
    """Filters from query parameters; InboxRefused naming the one that does not fit.

    A township outside the scope is refused (the route audits it): county staff cannot
    widen their view by naming another county's township.
    """
    chosen_township = ""
    if township:
        if not region_codes.is_region_code(township):
            raise InboxRefused("乡镇代码不正确", "The township code is not a region code")
        chosen_township = region_codes.canonical(township)
        if not scope_holds(scope, chosen_township):
            raise InboxRefused("无权查看该地区的办件", "That region is outside yours")
    if status and status not in set(ApplicationStatus):
        raise InboxRefused("没有这种办理状态", "No such status")
    return Filters(
        service=service[:64],
        status=status,
        township=chosen_township,
        date_from=_date(date_from, "起始日期", "The start date"),
        date_to=_date(date_to, "截止日期", "The end date"),
        assigned=assigned[:64],
    )


def _date(raw: str, zh: str, en: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InboxRefused(f"{zh}应为 年-月-日", f"{en} must be YYYY-MM-DD") from None
