"""The composition root's own duties: what it does before the kiosk is handed out."""

from __future__ import annotations

import uuid
from pathlib import Path

from devkit.demo import write_kiosk_config
from kiosk.composition import build_kiosk, outbox_key_file
from kiosk.config import load_config
from kiosk.outbox import Outbox
from pii import Sealer
from pii.sealing import begin_rotation, old_key_path
from tests.controller.controller_testkit import transaction
from tests.support.clock import FakeClock
from wire import TransactionIn, validate


def test_a_key_rotation_cut_short_is_finished_when_the_kiosk_is_built(tmp_path: Path) -> None:
    config = load_config(write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9"))
    key_file = outbox_key_file(config)
    box = Outbox(config.data_dir / "outbox.db", Sealer.from_key_file(key_file), clock=FakeClock())
    waiting = validate(TransactionIn, transaction(key=uuid.uuid4().hex))
    box.add(waiting)
    box.close()
    begin_rotation(key_file)  # ... and the power went: the row is still under the old key
    assert old_key_path(key_file).exists()
    kiosk = build_kiosk(config)
    try:
        assert not old_key_path(key_file).exists()
        assert kiosk.outbox.claim_due() == [waiting]  # sealed again, under the new key
    finally:
        kiosk.close()
    # Only the new key is left, and it opens the row.
    again = Outbox(config.data_dir / "outbox.db", Sealer.from_key_file(key_file), clock=FakeClock())
    assert again.claim_due() == [waiting]
    again.close()
