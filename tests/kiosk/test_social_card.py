"""The kiosk reading a social security card through pcscd, vpcd and a virtual card."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from devkit.demo import write_kiosk_config
from devkit.tappers import DemoRig
from drivers.socialcard.fixtures import FIXTURES
from flows import ActionFailed, Session, Texts, load_builtin
from kiosk.actions import RunActions
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from kiosk.config_model import SocialCardConfig
from pii import DocumentType


def make_kiosk(tmp_path: Path, reader: str = "") -> Kiosk:
    config = load_config(write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9"))
    config = dataclasses.replace(
        config, social_card_reader=SocialCardConfig(kind="simulator", reader=reader)
    )
    kiosk = build_kiosk(config)
    kiosk.start(sync=False)
    return kiosk


def social_actions(kiosk: Kiosk, card_wait: float = 55.0) -> RunActions:
    return RunActions(
        load_builtin("employment_registration"),
        kiosk.station,
        reader=None,
        social=kiosk.hardware.social,
        social_reader_name=kiosk.config.social_card_reader.reader or None,
        printer=None,
        outbox=kiosk.outbox,
        card_wait=card_wait,
    )


def test_a_social_card_in_the_slot_gives_the_holders_identity(tmp_path: Path) -> None:
    kiosk = make_kiosk(tmp_path)
    rig = DemoRig(kiosk.simulators)
    try:
        assert kiosk.hardware.social is not None
        assert "social_card_reader" in kiosk.service.devices_available()
        actions = social_actions(kiosk)
        holder = FIXTURES[0]
        tapper = rig.social_card_tapper
        assert tapper is not None
        tapper.present(holder.name)
        session = Session()
        assert actions.identity.read_social_card(session) == "ok"
        assert session.identity is not None
        assert session.identity.method == "social_card"
        assert session.identity.document is DocumentType.RESIDENT
        assert session.identity.id_number.reveal() == holder.id_number
        assert session.identity.name.reveal() == holder.name
    finally:
        rig.close()
        kiosk.close()


def test_without_a_card_the_wait_ends_as_a_timeout_with_advice(tmp_path: Path) -> None:
    # vpcd's second slot: no virtual card ever connects to it
    kiosk = make_kiosk(tmp_path, reader="Virtual PCD 00 01")
    try:
        actions = social_actions(kiosk, card_wait=0.5)
        with pytest.raises(ActionFailed) as caught:
            actions.identity.read_social_card(Session())
        assert caught.value.event == "timeout", caught.value.message
        assert isinstance(caught.value.message, Texts)
        assert "社保卡" in caught.value.message.zh
        assert "social security card" in caught.value.message.en
    finally:
        kiosk.close()


def test_a_social_card_inserted_on_the_identity_chooser_picks_the_social_card(
    tmp_path: Path,
) -> None:
    """Card first through pcscd: the watch sees the card from the reader's state alone, the
    chooser fires social_card, and the read step reads the card already in the slot."""
    import time

    from flows.progress import identity_methods

    kiosk = make_kiosk(tmp_path)
    rig = DemoRig(kiosk.simulators)
    try:
        watch, service = kiosk.card_watch, kiosk.service
        assert watch is not None
        assert "social_card" in watch.methods
        run = service.new_run("unemployment_registration", "zh-CN")
        assert "social_card" in identity_methods(run.flow, run.step)
        watch.check()
        assert service.card_laid(run) is None
        tapper = rig.social_card_tapper
        assert tapper is not None
        holder = FIXTURES[0]
        tapper.present(holder.name)
        laid = None
        deadline = time.monotonic() + 30  # vpcd connects the card when pcscd polls for it
        while laid is None and time.monotonic() < deadline:
            watch.check()
            laid = service.card_laid(run)
            if laid is None:
                time.sleep(0.05)  # between polls of pcscd, as the watch's own thread does
        assert laid == "social_card"
        run.fire("social_card")
        run.run_action()
        assert run.session.identity is not None
        assert run.session.identity.method == "social_card"
        assert run.session.identity.id_number.reveal() == holder.id_number
        service.end_run(run)
    finally:
        rig.close()
        kiosk.close()
