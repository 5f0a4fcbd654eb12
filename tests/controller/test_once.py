"""services/once.insert_once: True exactly when this call inserted the row, on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from controller.db import Database
from controller.models import Kiosk, KioskHealthNow
from controller.services.once import insert_once

NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


def test_insert_once_says_true_for_the_first_row_and_false_for_its_twin(
    database_url: str,
) -> None:
    database = Database(database_url)
    database.migrate()
    try:
        with database.session() as session:
            kiosk = Kiosk(
                kiosk_id="KA01", hardware_id="hw", name="n", token_hash="h", registered_at=NOW
            )
            session.add(kiosk)
            session.commit()
            row = {"kiosk_pk": kiosk.id, "health": "grey", "reasons": [], "conditions": [],
                   "since": NOW, "version": 1}  # fmt: skip
            assert insert_once(session, KioskHealthNow, row) is True
            assert insert_once(session, KioskHealthNow, dict(row, health="green")) is False
            session.commit()
            stored = session.scalars(select(KioskHealthNow.health)).all()
        assert stored == ["grey"]
    finally:
        database.dispose()
