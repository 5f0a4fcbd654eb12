"""The composition root's own duties: what it does before the kiosk is handed out."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from devkit.demo import write_kiosk_config
from kiosk.composition import build_kiosk, outbox_key_file
from kiosk.config import load_config
from kiosk.outbox import Outbox
from pii import Sealer
from pii.sealing import begin_rotation, old_key_path
from tests.controller.controller_testkit import transaction
from tests.kiosk.speech.recording_voice import RecordingVoice
from tests.support.clock import FakeClock
from wire import TransactionIn, validate


def test_a_key_rotation_cut_short_is_finished_when_the_kiosk_is_built(tmp_path: Path) -> None:
    config = load_config(
        write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    )
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


def test_a_factory_reset_stops_the_writers_before_it_wipes_the_data_folder(
    tmp_path: Path,
) -> None:
    path = write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    with path.open("a", encoding="utf-8") as toml:
        toml.write('[provisioning]\nenabled = true\nhost = "127.0.0.1"\nport = 0\n')
        toml.write("advertise = false\n")
    config = load_config(path)
    kiosk = build_kiosk(config)
    kiosk.start()  # the sync loop and the content refresher run, as on a kiosk in service
    try:
        kiosk.outbox.add(validate(TransactionIn, transaction(key=uuid.uuid4().hex)))
        assert kiosk.provisioning is not None
        kiosk.provisioning.provisioning.reset(config.hardware_id)
        assert list(config.data_dir.iterdir()) == []
        # Nothing is left to write personal data into a deleted file until the restart:
        # the loops have stopped and the outbox refuses rows instead of taking them.
        assert kiosk.sync._thread is None or not kiosk.sync._thread.is_alive()
        with pytest.raises(sqlite3.ProgrammingError):
            kiosk.outbox.add(validate(TransactionIn, transaction(key=uuid.uuid4().hex)))
    finally:
        kiosk.close()  # still closes cleanly after the reset closed the databases
    assert list(config.data_dir.iterdir()) == []


def test_a_kiosk_started_again_on_the_same_catalog_does_not_validate_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows import catalog_cache

    config = load_config(
        write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    )
    first = build_kiosk(config)
    first.close()

    def validated(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the catalog was validated on the second start")

    monkeypatch.setattr(catalog_cache, "parse_catalog", validated)
    again = build_kiosk(config)
    try:
        assert again.target is not None
        assert first.target is not None
        assert again.target.catalog == first.target.catalog
    finally:
        again.close()


def test_the_kiosks_voice_is_looked_for_by_the_start_behind_the_menu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kiosk.speech.choice

    looked: list[RecordingVoice] = []

    def build_speech(*_args: object) -> RecordingVoice:
        looked.append(RecordingVoice(enabled=False))
        return looked[-1]

    monkeypatch.setattr(kiosk.speech.choice, "build_speech", build_speech)
    url = "http://127.0.0.1:9"
    config = write_kiosk_config(tmp_path / "k.toml", url, social_card_reader="none")
    kiosk_ = build_kiosk(load_config(config))
    try:
        kiosk_.start_for_menu()
        assert looked == []  # not for the menu's first frame
        kiosk_.start_rest(sync=False)
        assert len(looked) == 1
        assert kiosk_.speech.voice is looked[0]
    finally:
        kiosk_.close()
    assert looked[0].closed
