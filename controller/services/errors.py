"""The one exception root of controller/: each subclass says which caller was wrong.

str() of every error is a sentence for the kiosk or technician; it never holds personal data.
"""

from __future__ import annotations


class ControllerError(Exception):
    """Root of every error the controller answers a caller with."""


class BadMessage(ControllerError):
    """The kiosk sent a body that does not match the wire contract."""


class TooLarge(ControllerError):
    """The kiosk sent a body larger than any valid message."""


class NotAuthenticated(ControllerError):
    """The device token is missing, malformed or not the current one of any kiosk."""


class EnrollmentRefused(ControllerError):
    """The enrollment token given at registration is not the controller's."""


class KeyConflict(ControllerError):
    """An idempotency key was reused for a different transaction."""
