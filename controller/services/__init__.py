"""Domain logic of the controller. Routes call these; these never see HTTP."""

from __future__ import annotations

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
from controller.services.fleet import Fleet, KioskSummary, kiosk_code
from controller.services.intake import Intake, TransactionView
from controller.services.ratings import Ratings, RatingSummary
from controller.services.titles import UNKNOWN_SERVICE, ServiceName, ServiceTitles

__all__ = [
    "UNKNOWN_SERVICE",
    "BadMessage",
    "Booking",
    "BookingUnavailable",
    "Bookings",
    "Conflict",
    "ContentStore",
    "ControllerError",
    "EnrollmentRefused",
    "Fleet",
    "Intake",
    "KeyConflict",
    "KioskSummary",
    "NotAuthenticated",
    "NotFound",
    "RatingSummary",
    "Ratings",
    "Refused",
    "ServiceName",
    "ServiceTitles",
    "TooLarge",
    "TransactionView",
    "kiosk_code",
]
