"""Domain logic of the controller. Routes call these; these never see HTTP."""

from __future__ import annotations

from controller.services.alert_lifecycle import acknowledge, clear, raise_alert
from controller.services.alert_rules import AlertKind, AlertState, Severity
from controller.services.alert_views import AlertView, alert_counts, open_alerts
from controller.services.alerts import Alerts
from controller.services.booking import Booking, Bookings
from controller.services.content import ContentStore
from controller.services.errors import (
    BadMessage,
    BookingUnavailable,
    Conflict,
    ControllerError,
    EnrollmentRefused,
    KeyConflict,
    NotAuthenticated,
    NotFound,
    Refused,
    TooLarge,
)
from controller.services.fleet import Fleet, kiosk_code
from controller.services.health_history import HealthBook, HealthPeriod
from controller.services.health_reasons import Health
from controller.services.intake import Intake
from controller.services.notify import Notifier, channels_from
from controller.services.ratings import Ratings, RatingSummary
from controller.services.sweeper import Sweeper
from controller.services.titles import UNKNOWN_SERVICE, ServiceName, ServiceTitles
from controller.services.transaction_views import TransactionView

__all__ = [
    "UNKNOWN_SERVICE",
    "AlertKind",
    "AlertState",
    "AlertView",
    "Alerts",
    "BadMessage",
    "Booking",
    "BookingUnavailable",
    "Bookings",
    "Conflict",
    "ContentStore",
    "ControllerError",
    "EnrollmentRefused",
    "Fleet",
    "Health",
    "HealthBook",
    "HealthPeriod",
    "Intake",
    "KeyConflict",
    "NotAuthenticated",
    "NotFound",
    "Notifier",
    "RatingSummary",
    "Ratings",
    "Refused",
    "ServiceName",
    "ServiceTitles",
    "Severity",
    "Sweeper",
    "TooLarge",
    "TransactionView",
    "acknowledge",
    "alert_counts",
    "channels_from",
    "clear",
    "kiosk_code",
    "open_alerts",
    "raise_alert",
]
