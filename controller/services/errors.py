"""The one exception root of controller/: each subclass says which caller was wrong.

str() of every error is a sentence for the kiosk or technician; it never holds personal data.
Where a citizen at the kiosk may be shown why, `user_message` says it in zh-CN.
"""

from __future__ import annotations


class ControllerError(Exception):
    """Root of every error the controller answers a caller with."""

    def __init__(self, message: str, user_message: str | None = None) -> None:
        super().__init__(message)
        self.user_message = user_message


class BadMessage(ControllerError):
    """The kiosk sent a body that does not match the wire contract."""


class TooLarge(ControllerError):
    """The kiosk sent a body larger than any valid message."""


class NotAuthenticated(ControllerError):
    """The device token is missing, malformed or not the current one of any kiosk."""


class EnrollmentRefused(ControllerError):
    """The enrollment token given at registration is not the controller's."""


class Refused(ControllerError):
    """The kiosk may not ask this, however well formed the message is."""


class NotFound(ControllerError):
    """The message names something the controller does not have (yet)."""


class Conflict(ControllerError):
    """The message contradicts what the controller already holds."""


class KeyConflict(Conflict):
    """An idempotency key was reused for a different message."""


class BookingUnavailable(Conflict):
    """The item to book is full or closed; `user_message` tells the citizen."""
