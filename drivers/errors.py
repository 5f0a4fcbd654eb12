"""The exception root shared by every driver, so the kiosk can catch one type at its edge."""

from __future__ import annotations


class DriverError(Exception):
    """A device could not do what was asked. Subclasses say which device and who was wrong.

    `user_message` is a short zh-CN sentence a citizen can act on; str() is for logs and
    never contains personal data.
    """

    user_message: str = "设备暂时无法使用，请联系工作人员。"
