"""What the county inbox refuses: a change that cannot be made, and a change made on a
version someone else has already moved on (controller/services/inbox.py)."""

from __future__ import annotations

from controller.services.errors import Conflict, ControllerError
from controller.services.status_words import status_text


class InboxRefused(ControllerError):
    """A change staff asked for that cannot be made; `zh` and `en` say why to them."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en, zh)
        self.zh = zh
        self.en = en


class StaleVersion(Conflict):
    """Someone else changed the application since this staff member saw it."""

    def __init__(self, number: str, status: str, version: int) -> None:
        words = status_text(status)
        super().__init__(
            f"application {number} was changed by someone else (now {words.en}, version"
            f" {version}); nothing was saved",
            f"办件 {number} 已被他人修改（现为{words.zh}），本次操作未保存，请刷新后再办理。",
        )
        self.status = status
        self.version = version
