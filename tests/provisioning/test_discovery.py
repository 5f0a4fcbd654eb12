"""Discovery on loopback with real zeroconf: a kiosk's advertiser and the technician's browser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from kiosk.advertising import Advertiser, Announcement
from provisioning.discovery import Change, Discovery, FoundKiosk, KioskTable

LOOPBACK = ["127.0.0.1"]


def _announcement(serial: str = "SN-2026-000123", state: str = "unprovisioned") -> Announcement:
    return Announcement(serial=serial, model="ES-300", version="0.1.0", state=state, name="")


@pytest.fixture
def discovery() -> Iterator[Discovery]:
    with Discovery(interfaces=LOOPBACK) as found:
        yield found


def test_a_kiosk_is_found_with_its_serial_model_version_state_and_port(
    discovery: Discovery,
) -> None:
    advertiser = Advertiser(_announcement(), 8471, addresses=LOOPBACK, allow_loopback=True)
    advertiser.start()
    try:
        kiosk = discovery.find("SN-2026-000123", timeout=10)
    finally:
        advertiser.stop()
    assert kiosk is not None
    assert (kiosk.model, kiosk.version, kiosk.state) == ("ES-300", "0.1.0", "unprovisioned")
    assert kiosk.url == "http://127.0.0.1:8471"


def test_a_state_change_is_seen_and_a_stopped_kiosk_leaves_the_table(
    discovery: Discovery,
) -> None:
    advertiser = Advertiser(_announcement(), 8472, addresses=LOOPBACK, allow_loopback=True)
    advertiser.start()
    try:
        assert discovery.find("SN-2026-000123", timeout=10) is not None
        advertiser.update(state="active", name="东区大厅")
        assert discovery.table.wait(
            lambda t: (k := t.get("SN-2026-000123")) is not None and k.state == "active", 10
        )
        found = discovery.table.get("SN-2026-000123")
        assert found is not None
        assert found.name == "东区大厅"
    finally:
        advertiser.stop()
    assert discovery.table.wait(lambda t: t.get("SN-2026-000123") is None, 10)


def test_a_kiosk_that_comes_back_on_a_new_port_is_updated_not_duplicated(
    discovery: Discovery,
) -> None:
    first = Advertiser(_announcement(), 8473, addresses=LOOPBACK, allow_loopback=True)
    first.start()
    try:
        assert discovery.find("SN-2026-000123", timeout=10) is not None
    finally:
        # A kiosk rebooting onto another address sends no goodbye: its old record is
        # simply superseded by the new announcement.
        first.stop()
    second = Advertiser(_announcement(), 8474, addresses=LOOPBACK, allow_loopback=True)
    second.start()
    try:
        assert discovery.table.wait(
            lambda t: (k := t.get("SN-2026-000123")) is not None and k.port == 8474, 10
        )
        assert [k.serial for k in discovery.table.rows()] == ["SN-2026-000123"]
    finally:
        second.stop()


def _row(address: str, state: str = "unprovisioned") -> FoundKiosk:
    return FoundKiosk(
        serial="SN-1",
        model="ES-300",
        version="0.1.0",
        state=state,
        name="",
        address=address,
        port=8470,
        instance="e-station SN-1._estation._tcp.local.",
        seen_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
    )


def test_the_table_updates_a_known_serial_at_a_new_address_instead_of_adding_a_twin() -> None:
    table = KioskTable()
    assert table.see(_row("192.168.1.20")) is Change.ADDED
    assert table.see(_row("192.168.1.20")) is Change.UNCHANGED
    assert table.see(_row("192.168.1.57")) is Change.UPDATED
    assert [(k.serial, k.address) for k in table.rows()] == [("SN-1", "192.168.1.57")]


def test_a_loopback_address_is_refused_unless_asked_for() -> None:
    with pytest.raises(ValueError, match="loopback"):
        Advertiser(_announcement(), 8470, addresses=["127.0.0.1"])
