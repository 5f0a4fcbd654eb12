"""Times a kiosk sends, held against the controller's clock: in a window, or refused.

A kiosk's clock is its own (an RTC, NTP when it has a network); the controller never trusts
it beyond these windows, and records how far it is off (Fleet.heartbeat) for ops to see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from controller.services.errors import BadMessage, ControllerError


class TooEarly(ControllerError):
    """A kiosk time ahead of the window: refused for now, acceptable once the controller's
    clock has caught up (425 with Retry-After). Never final: a kiosk whose clock runs fast
    must keep its citizens' applications and send them again, not drop them."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class TimeWindow:
    """How far before and after the controller's time a kiosk time may be."""

    past: dt.timedelta
    future: dt.timedelta

    def check(self, message: str, field: str, value: dt.datetime, now: dt.datetime) -> None:
        """Raise BadMessage naming `message`.`field` unless `value` is within the window."""
        if value.tzinfo is None:
            # The wire refuses naive times; this guards a caller that bypassed it.
            raise BadMessage(f"{message}: {field}: a time needs its UTC offset")
        offset = value - now
        if offset < -self.past:
            raise BadMessage(
                f"{message}: {field}: {_span(-offset)} before the controller's time;"
                f" at most {_span(self.past)} before is accepted"
            )
        if offset > self.future:
            wait = offset - self.future
            raise TooEarly(
                f"{message}: {field}: {_span(offset)} after the controller's time;"
                f" at most {_span(self.future)} after is accepted (is the kiosk's clock fast?)",
                retry_after=min(_DAY, int(wait.total_seconds()) + 1),
            )


# Retry-After is at most a day: a clock set years ahead is ops' to fix, not a date to wait for.
_DAY = 86400


def _span(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    if seconds >= 2 * 3600:
        return f"{seconds // 3600} hours"
    if seconds >= 120:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds"


# A transaction waits in the kiosk's outbox while the network is gone (a day must lose
# nothing, and a kiosk off over a long holiday comes back with a week's work), so the past
# reaches far; a time ahead of ours is a fast clock, not a delay, so the future is short.
CREATED_AT = TimeWindow(past=dt.timedelta(days=30), future=dt.timedelta(minutes=10))
# A heartbeat is sent when made and never queued, so its time differs from ours only by the
# kiosk clock's error. A day either way still arrives (and its skew is shown to ops); more
# is a clock nobody set, and refusing it says so in the kiosk's log.
SENT_AT = TimeWindow(past=dt.timedelta(days=1), future=dt.timedelta(days=1))
