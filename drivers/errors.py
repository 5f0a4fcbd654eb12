"""The exception root shared by every driver, so the kiosk can catch one type at its edge."""

from __future__ import annotations


class DriverError(Exception):
    """A device could not do what was asked. Subclasses say which device and who was wrong.

    `code` is a stable, dotted name of what went wrong ("printer.paper_out"); the kiosk
    turns it into zh-CN and en words for the citizen (kiosk/messages.yaml), so a driver
    holds no user-facing prose. A subclass without its own code says what its parent says.
    str() is an English sentence for logs and never contains personal data.
    """

    code: str = "device.error"
