"""Technicians' self-test reports: the latest one is kept on the kiosk and shown on its page."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.logs import event
from controller.models import Kiosk
from wire import SelfTestAck, SelfTestReport

log = logging.getLogger(__name__)


def record_selftest(
    session: Session, kiosk: Kiosk, report: SelfTestReport, *, clock: Clock = utc_now
) -> SelfTestAck:
    """Keep `report` as the kiosk's latest self-test (replacing the one before) and commit."""
    kiosk.selftest_report = report.model_dump(mode="json")
    kiosk.selftest_at = clock()
    session.commit()
    failed = [c.device for c in report.checks if not c.ok]
    event(log, "selftest_received", kiosk_id=kiosk.kiosk_id, ok=report.ok, failed=",".join(failed))
    return SelfTestAck(ok=report.ok)
