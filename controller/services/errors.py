"""The one exception root of controller/: each subclass says which caller was wrong.

str() of every error is a sentence for the kiosk or technician; it never holds personal data.
Where a citizen at the kiosk may be shown why, `user_message` says it in zh-CN.
"""

from __future__ import annotations

from wire import ErrorCode


class ControllerError(Exception):
    """Root of every error the controller answers a caller with.

    `code` (a wire.ErrorCode) goes into the answer when the kiosk must act on the error
    differently from others of the same status.
    """

    code: ErrorCode | None = None

    def __init__(self, message: str, user_message: str | None = None) -> None:
        super().__init__(message)
        self.user_message = user_message


class BadMessage(ControllerError):
    """The kiosk sent a body that does not match the wire contract."""


class TooLarge(ControllerError):
    """The kiosk sent a body larger than any valid message."""


class NotAuthenticated(ControllerError):
    """The device token is missing, malformed or not the current one of any kiosk."""

    code = ErrorCode.CREDENTIAL_UNKNOWN


class CredentialRevoked(NotAuthenticated):
    """The device token was revoked by ops: the kiosk must wait for a technician."""

    code = ErrorCode.CREDENTIAL_REVOKED


class CredentialDecommissioned(NotAuthenticated):
    """The kiosk was decommissioned: its token is worth nothing any more."""

    code = ErrorCode.CREDENTIAL_DECOMMISSIONED


class EnrollmentRefused(ControllerError):
    """The pairing code is wrong, expired or used (the caller is not told which)."""

    code = ErrorCode.PAIRING_CODE_REFUSED


class PendingApproval(ControllerError):
    """The kiosk is enrolled but not approved yet: it may only ask for its state."""

    code = ErrorCode.PENDING_APPROVAL


class Refused(ControllerError):
    """The kiosk may not ask this, however well formed the message is."""


class NotFound(ControllerError):
    """The message names something the controller does not have (yet)."""


class Conflict(ControllerError):
    """The message contradicts what the controller already holds."""


class IdentityConflict(Conflict):
    """Known hardware enrolling without its credential or a fresh approval."""

    code = ErrorCode.IDENTITY_CONFLICT


class KeyConflict(Conflict):
    """An idempotency key was reused for a different message."""


class BookingUnavailable(Conflict):
    """The item to book is full or closed; `user_message` tells the citizen."""
