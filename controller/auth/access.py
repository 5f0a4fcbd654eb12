"""Who may open which page: the one route table, read by `guard.authorize`.

Every route of the app is listed here by method and path template, or falls under a
prefix that is outside staff sign-in (the kiosk API authenticates devices itself; the
stylesheet is public). A route that is in neither is refused to everyone (fail closed),
and `tests/controller/test_auth_routes.py` fails naming it.
"""

from __future__ import annotations

from enum import Enum, StrEnum

from controller import region_codes


class Role(StrEnum):
    """What a staff account may do; stored in `users.role`."""

    OPS_VIEWER = "ops_viewer"
    OPS_ADMIN = "ops_admin"
    # Enrollment and devices only: the fleet's status and hardware, no personal data.
    TECHNICIAN = "technician"
    # Their own county only (`users.region_code`); `in_region` is the rule.
    COUNTY_STAFF = "county_staff"
    # The audit log, read-only.
    AUDITOR = "auditor"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.OPS_VIEWER: ("运维查看", "Ops viewer"),
    Role.OPS_ADMIN: ("运维管理员", "Ops admin"),
    Role.TECHNICIAN: ("技术人员", "Technician"),
    Role.COUNTY_STAFF: ("区县工作人员", "County staff"),
    Role.AUDITOR: ("审计员", "Auditor"),
}


class Open(Enum):
    """Routes that need no particular role."""

    # Outside staff sign-in: no session is looked up (kiosk API, public receipt, static).
    OUTSIDE = "outside"
    # Anyone, with a pre-session whose CSRF token guards the form (the login page).
    ANONYMOUS = "anonymous"
    # No route matched the table: nobody.
    DENIED = "denied"


Access = Open | frozenset[Role]

EVERY_ROLE: frozenset[Role] = frozenset(Role)
_OPS = frozenset({Role.OPS_VIEWER, Role.OPS_ADMIN})
_ADMIN = frozenset({Role.OPS_ADMIN})

# Who may see transactions (masked personal data) where a page shows them; county staff
# only within their region.
TRANSACTION_READERS: frozenset[Role] = _OPS | {Role.COUNTY_STAFF}
# Who handles applications (review, notes, assignment) and may see their personal data in
# full (unmasking a field, with a reason; exports with personal data), always audited:
# county staff, within their region. Ops run the fleet, not the casework.
APPLICATION_HANDLERS: frozenset[Role] = frozenset({Role.COUNTY_STAFF})
PERSONAL_DATA_READERS: frozenset[Role] = APPLICATION_HANDLERS

# (method, path template as FastAPI declares it) -> who may call it.
ROUTES: dict[tuple[str, str], Access] = {
    # The fleet shows status and devices, no personal data: technicians need it. County
    # staff see the kiosks of their region only (rendering.county_scope).
    ("GET", "/"): _OPS | {Role.TECHNICIAN, Role.COUNTY_STAFF},
    # A kiosk's health, devices and alerts are what a technician mends it by. Its
    # transactions (masked ID numbers and names) are shown to TRANSACTION_READERS only, and
    # every such view is audited; county staff see their region's kiosks only (another
    # county's kiosk is a 404, as if it did not exist).
    ("GET", "/kiosks/{kiosk_id}"): _OPS | {Role.TECHNICIAN, Role.COUNTY_STAFF},
    ("GET", "/transactions"): _OPS | {Role.COUNTY_STAFF},
    # Where a kiosk stands (region, site name, address): those who install and move
    # kiosks. No transactions on this page, so technicians may open it.
    ("GET", "/kiosks/{kiosk_id}/site"): _ADMIN | {Role.TECHNICIAN},
    ("POST", "/kiosks/{kiosk_id}/site"): _ADMIN | {Role.TECHNICIAN},
    # Commands change what a kiosk in service does (restart, out of service): ops admins,
    # who run the fleet. Their results (a menu screenshot, redacted log lines; never
    # personal data) help whoever mends the kiosk: ops and technicians.
    ("POST", "/kiosks/{kiosk_id}/commands"): _ADMIN,
    ("GET", "/kiosks/{kiosk_id}/commands/{command_id}/attachment"): _OPS | {Role.TECHNICIAN},
    # Counts, no personal data: the whole fleet's for ops, their region's for county staff.
    ("GET", "/stats"): _OPS | {Role.COUNTY_STAFF},
    # The county's figures and monthly report (controller/figures_pages.py): counts, no
    # personal data, as /stats. County staff see their own county (another region is
    # refused and audited); ops choose a region or see the whole fleet.
    ("GET", "/figures"): _OPS | {Role.COUNTY_STAFF},
    ("GET", "/figures/print"): _OPS | {Role.COUNTY_STAFF},
    ("GET", "/figures/report.csv"): _OPS | {Role.COUNTY_STAFF},
    # County content and employers (controller/content_pages.py): county staff manage
    # their own county's, ops admins any county's; ops viewers may look. No personal data
    # but employers' contacts, which those who manage the list need.
    ("GET", "/content"): _OPS | {Role.COUNTY_STAFF},
    ("GET", "/content/{kind}"): _OPS | {Role.COUNTY_STAFF},
    ("GET", "/content/{kind}/template.csv"): _OPS | {Role.COUNTY_STAFF},
    ("GET", "/content/{kind}/{code}"): _OPS | {Role.COUNTY_STAFF},
    ("POST", "/content/{kind}"): _ADMIN | {Role.COUNTY_STAFF},
    ("POST", "/content/{kind}/import"): _ADMIN | {Role.COUNTY_STAFF},
    # A series of appointment slots is many slot rows: who may save one may save these.
    ("POST", "/content/slots/series"): _ADMIN | {Role.COUNTY_STAFF},
    ("POST", "/content/{kind}/{code}/expire"): _ADMIN | {Role.COUNTY_STAFF},
    # Targeted push (controller/push_pages.py): who a county's job or policy fits shows
    # registered citizens masked, so TRANSACTION_READERS (county staff: their county's
    # items only, another's refused and audited); unmasking a field is for
    # PERSONAL_DATA_READERS and contacting citizens is casework, for APPLICATION_HANDLERS.
    ("GET", "/push/{kind}/{code}"): TRANSACTION_READERS,
    ("POST", "/push/{kind}/{code}/reveal"): PERSONAL_DATA_READERS,
    ("POST", "/push/{kind}/{code}/contacted"): APPLICATION_HANDLERS,
    # Catalog settings (controller/target_pages.py): a county's staff set what its kiosks
    # offer (their county only, checked in the route), ops admins any county's and one
    # kiosk's override; the settings hold no personal data, so ops viewers may look.
    ("GET", "/targets"): _OPS | {Role.COUNTY_STAFF},
    ("POST", "/targets"): _ADMIN | {Role.COUNTY_STAFF},
    ("GET", "/kiosks/{kiosk_id}/target"): _ADMIN,
    ("POST", "/kiosks/{kiosk_id}/target"): _ADMIN,
    # Kiosk groups cross counties (a pilot spans several), so ops admins make them, fill
    # them and set their targets; ops viewers may look (names and kiosk ids only).
    ("GET", "/groups"): _OPS,
    ("POST", "/groups"): _ADMIN,
    ("POST", "/groups/members"): _ADMIN,
    ("GET", "/groups/{group_pk}/target"): _ADMIN,
    ("POST", "/groups/{group_pk}/target"): _ADMIN,
    ("GET", "/audit"): frozenset({Role.AUDITOR, Role.OPS_ADMIN}),
    # The county inbox (controller/inbox_pages.py): the list, an application's page and the
    # exports show masked personal data, so TRANSACTION_READERS (county staff: their region
    # only, anything else refused and audited); full values only to PERSONAL_DATA_READERS.
    ("GET", "/inbox"): TRANSACTION_READERS,
    # One route for both formats (inbox_pages.EXPORT_FORMATS: csv, xlsx).
    ("GET", "/inbox/export.{fmt}"): TRANSACTION_READERS,
    ("GET", "/inbox/{number}"): TRANSACTION_READERS,
    # Changing an application, unmasking a field: its handlers only.
    ("POST", "/inbox/{number}/reveal"): PERSONAL_DATA_READERS,
    ("POST", "/inbox/{number}/status"): APPLICATION_HANDLERS,
    ("POST", "/inbox/{number}/assign"): APPLICATION_HANDLERS,
    ("POST", "/inbox/{number}/notes"): APPLICATION_HANDLERS,
    ("POST", "/inbox/bulk"): APPLICATION_HANDLERS,
    # Hand-offs to the province system that were given up on: application numbers and
    # errors, no personal data. Handlers send them again for their region; ops admins for
    # any (a receiver that was down for everyone).
    ("GET", "/handoff"): APPLICATION_HANDLERS | _ADMIN,
    ("POST", "/handoff/{letter_id}/retry"): APPLICATION_HANDLERS | _ADMIN,
    # Alerts name kiosks and devices, no personal data; those who act on the fleet's
    # hardware (admins, technicians) acknowledge and clear them, viewers only look.
    ("GET", "/alerts"): _OPS | {Role.TECHNICIAN},
    ("POST", "/alerts/{alert_id}/acknowledge"): _ADMIN | {Role.TECHNICIAN},
    ("POST", "/alerts/{alert_id}/clear"): _ADMIN | {Role.TECHNICIAN},
    # Enrollment (pairing codes, the serial list, approving, revoking, decommissioning) is
    # what technicians are for, besides admins; it shows hardware ids, no personal data.
    ("GET", "/enrollment"): _ADMIN | {Role.TECHNICIAN},
    ("POST", "/enrollment/codes"): _ADMIN | {Role.TECHNICIAN},
    ("POST", "/enrollment/serials"): _ADMIN | {Role.TECHNICIAN},
    ("POST", "/enrollment/serials/{serial_id}/remove"): _ADMIN | {Role.TECHNICIAN},
    ("POST", "/enrollment/kiosks/{kiosk_id}/approve"): _ADMIN | {Role.TECHNICIAN},
    ("POST", "/enrollment/kiosks/{kiosk_id}/reject"): _ADMIN | {Role.TECHNICIAN},
    ("POST", "/enrollment/revoke"): _ADMIN | {Role.TECHNICIAN},
    ("POST", "/enrollment/decommission"): _ADMIN | {Role.TECHNICIAN},
    # Software updates: releases and rollouts name versions and kiosk ids, no personal
    # data. Viewers watch a rollout; only admins upload, start, resume, abort, set rings:
    # a release runs on every kiosk.
    ("GET", "/updates"): _OPS,
    ("POST", "/updates/releases"): _ADMIN,
    ("POST", "/updates/rollouts"): _ADMIN,
    ("POST", "/updates/rollouts/{rollout_id}/resume"): _ADMIN,
    ("POST", "/updates/rollouts/{rollout_id}/abort"): _ADMIN,
    ("POST", "/updates/rings"): _ADMIN,
    ("GET", "/accounts"): _ADMIN,
    ("POST", "/accounts"): _ADMIN,
    ("POST", "/accounts/{user_id}"): _ADMIN,
    ("POST", "/accounts/{user_id}/unlock"): _ADMIN,
    ("POST", "/accounts/{user_id}/password"): _ADMIN,
    ("GET", "/login"): Open.ANONYMOUS,
    ("POST", "/login"): Open.ANONYMOUS,
    ("POST", "/logout"): EVERY_ROLE,
    ("GET", "/password"): EVERY_ROLE,
    ("POST", "/password"): EVERY_ROLE,
    # What a citizen's receipt QR opens: no personal data, no sign-in.
    ("GET", "/r/{number}"): Open.OUTSIDE,
    ("GET", "/healthz"): Open.OUTSIDE,
    # Supervisors and load balancers; /metrics checks its own bearer token or loopback
    # (controller/ops.py), since a scraper has no staff session.
    ("GET", "/readyz"): Open.OUTSIDE,
    ("GET", "/metrics"): Open.OUTSIDE,
}

# Path prefixes outside staff sign-in, whatever the method.
OUTSIDE_PREFIXES: tuple[str, ...] = (
    # The kiosk API: each route authenticates a device token (enrollment: a pairing code); a
    # path of another protocol version is answered by the API's own "not this version" 404.
    "/api/",
    "/static",
)


def access_for(method: str, path: str) -> Access:
    """Who may call `method` on the route declared as `path`; DENIED when it is not listed."""
    listed = ROUTES.get((method, path))
    if listed is not None:
        return listed
    if any(path == p.rstrip("/") or path.startswith(p) for p in OUTSIDE_PREFIXES):
        return Open.OUTSIDE
    return Open.DENIED


def may(role: Role | None, method: str, path: str) -> bool:
    """True when a user in `role` (None: nobody signed in) may call the route."""
    access = access_for(method, path)
    if isinstance(access, frozenset):
        return role is not None and role in access
    return access in (Open.OUTSIDE, Open.ANONYMOUS)


def in_region(role: Role, user_region: str | None, kiosk_region: str | None) -> bool:
    """The county rule: may a user see something placed in `kiosk_region` (GB/T 2260)?

    County staff see only what lies in their own region (a code, or one below it, such as
    a township code under its county); every other role sees every region. County staff
    without a region see nothing, and nothing unplaced. The code structure is
    controller/region_codes.py's.
    """
    if role is not Role.COUNTY_STAFF:
        return True
    if not user_region or not kiosk_region:
        return False
    try:
        return region_codes.contains(
            region_codes.canonical(user_region), region_codes.canonical(kiosk_region)
        )
    except region_codes.BadRegionCode:
        return False
