"""Domain logic of the controller. Routes call these; these never see HTTP."""

from __future__ import annotations

from controller.services.errors import (
    BadMessage,
    ControllerError,
    EnrollmentRefused,
    KeyConflict,
    NotAuthenticated,
    TooLarge,
)
from controller.services.fleet import Fleet, KioskSummary, kiosk_code
from controller.services.intake import Intake, TransactionView

__all__ = [
    "BadMessage",
    "ControllerError",
    "EnrollmentRefused",
    "Fleet",
    "Intake",
    "KeyConflict",
    "KioskSummary",
    "NotAuthenticated",
    "TooLarge",
    "TransactionView",
    "kiosk_code",
]
