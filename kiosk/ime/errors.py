"""The input engines' errors: one root, and the one a technician fixes by installing."""

from __future__ import annotations


class ImeError(Exception):
    """An input engine failed."""


class ImeUnavailable(ImeError):
    """An engine's C library or data file is not installed: the message names the package."""

    def __init__(self, what: str, package: str, looked_at: list[str]) -> None:
        self.package = package
        self.looked_at = list(looked_at)
        where = ", ".join(looked_at) if looked_at else "nowhere"
        super().__init__(
            f"{what} not found (install the Debian package {package}); looked at: {where}"
        )
