"""A citizen at a kiosk asked for a person: stored once, and a staff_called alert for ops.

A call comes through the kiosk's outbox like a transaction, so it may arrive late (the
network was down) or twice (the answer was lost). Every call is stored once by its key; one
made recently raises (or adds to) the kiosk's staff_called alert, which ops acknowledge and
clear when someone has gone. A call made long ago is stored for the record but raises
nothing: the citizen has long left, and an alert would send staff to an empty kiosk.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.clock import Clock, as_utc, utc_now
from controller.logs import event
from controller.models import Kiosk, StaffCall
from controller.services.alert_lifecycle import raise_alert
from controller.services.alert_rules import AlertKind
from controller.services.errors import KeyConflict
from controller.services.kiosktime import CREATED_AT
from controller.services.once import insert_once
from wire import StaffCallAck, StaffCallIn

log = logging.getLogger(__name__)

# A call older than this when it arrives is history, not a person waiting.
STILL_WAITING = dt.timedelta(minutes=30)

REASON_WORDS = {
    "help_key": "一键求助 help key",
    "error_screen": "出错页面求助 from an error screen",
}


class StaffCalls:
    """Records staff calls and raises the alert for the recent ones."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock

    def record(
        self, session: Session, kiosk: Kiosk, call: StaffCallIn
    ) -> tuple[StaffCallAck, bool]:
        """Store the call (True) or recognise a retry (False); commits.

        BadMessage / TooEarly for a `created_at` outside the window (kiosktime.CREATED_AT),
        KeyConflict for a key another kiosk or another call used.
        """
        now = self._clock()
        CREATED_AT.check("StaffCallIn", "created_at", call.created_at, now)
        created_at = as_utc(call.created_at)
        inserted = insert_once(
            session,
            StaffCall,
            {
                "key": call.key,
                "kiosk_pk": kiosk.id,
                "created_at": created_at,
                "reason": call.reason.value,
                "screen": call.screen,
                "received_at": now,
            },
        )
        if not inserted:
            stored = session.scalar(select(StaffCall).where(StaffCall.key == call.key))
            if stored is None or (stored.kiosk_pk, stored.reason, stored.screen) != (
                kiosk.id,
                call.reason.value,
                call.screen,
            ):
                raise KeyConflict(
                    f"staff call key {call.key} was already used for a different call;"
                    " a retry must resend the same body, a new call needs a new key"
                )
            session.commit()
            return StaffCallAck(key=call.key, duplicate=True), False
        waiting = now - created_at <= STILL_WAITING
        if waiting:
            detail = f"{REASON_WORDS[call.reason.value]} · {call.screen}"
            raise_alert(session, kiosk, AlertKind.STAFF_CALLED, detail, now=now)
        session.commit()
        event(
            log,
            "staff_called",
            kiosk_id=kiosk.kiosk_id,
            reason=call.reason.value,
            screen=call.screen,
            alerted=waiting,
        )
        return StaffCallAck(key=call.key, duplicate=False), True
