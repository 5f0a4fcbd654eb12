"""The one exception root of pii/: the value a person or a device gave us was wrong."""

from __future__ import annotations


class PiiError(ValueError):
    """Root of every error raised by pii/."""


class InvalidIdNumber(PiiError):
    """An ID number failed a format, checksum, birth-date or region check.

    `reason` is a stable code (format, checksum, birth_date, region) so that callers can
    pick a message in the citizen's language; str() is an English sentence for logs that
    never repeats the number itself.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class InvalidPhone(PiiError):
    """A phone number is not an 11-digit mainland mobile number."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SealError(PiiError):
    """Sealed data could not be opened: wrong key, or the bytes were altered."""
