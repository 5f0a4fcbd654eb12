"""Hot-plug: scan, diff, probe, debounce — against real paths and a real simulated reader."""

from __future__ import annotations

from pathlib import Path

from drivers.errors import DriverError
from drivers.idcard import IdCardReader
from drivers.idcard.simulator import IdCardSimulator
from drivers.manager import DeviceManager, EventKind, Health, PathScanner, ProbeResult


def idcard_probe(url: str) -> ProbeResult:
    try:
        with IdCardReader(url, timeout=0.5) as reader:
            reader.check_sam()
            return ProbeResult(Health.OK, identity=reader.sam_id())
    except DriverError as err:
        return ProbeResult(Health.FAULTED, f"{type(err).__name__}")


def test_a_reader_that_appears_is_added_and_probed() -> None:
    with IdCardSimulator() as sim:
        manager = DeviceManager([PathScanner("idcard", lambda: [sim.url], idcard_probe)])
        [event] = manager.scan_once()
        assert event.kind is EventKind.ADDED
        assert event.status.health is Health.OK
        assert event.status.identity.startswith("05.01-")
        assert manager.scan_once() == []  # nothing changed


def test_a_device_is_gone_only_after_three_missed_scans(tmp_path: Path) -> None:
    port = tmp_path / "ttyUSB0"
    port.touch()
    manager = DeviceManager(
        [PathScanner("printer", lambda: [str(port)], lambda a: ProbeResult(Health.OK))],
        expected=["printer"],
    )
    manager.scan_once()
    port.unlink()  # the cleaner bumped the cable
    assert manager.scan_once() == []
    assert manager.scan_once() == []
    assert manager.health()["printer"].health is Health.OK
    port.touch()  # back before the third scan: no event at all
    assert manager.scan_once() == []
    port.unlink()
    manager.scan_once()
    manager.scan_once()
    [gone] = manager.scan_once()
    assert gone.kind is EventKind.REMOVED
    assert manager.health()["printer"].health is Health.ABSENT
    assert manager.health()["printer"].reason == "not connected"


def test_a_silent_reader_is_present_but_faulted_then_recovers() -> None:
    with IdCardSimulator() as sim:
        sim.silent = True
        manager = DeviceManager([PathScanner("idcard", lambda: [sim.url], idcard_probe)])
        [added] = manager.scan_once()
        assert added.status.health is Health.FAULTED
        assert added.status.reason == "ReaderTimeout"
        sim.silent = False
        [changed] = manager.scan_once()
        assert changed.kind is EventKind.CHANGED
        assert changed.status.health is Health.OK


def test_an_expected_kind_with_no_device_is_absent() -> None:
    manager = DeviceManager([], expected=["idcard", "printer"])
    manager.scan_once()
    assert {k: s.health for k, s in manager.health().items()} == {
        "idcard": Health.ABSENT,
        "printer": Health.ABSENT,
    }


def test_a_probe_that_raises_is_a_faulted_device_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "dev").touch()

    def broken(address: str) -> ProbeResult:
        raise OSError("permission denied")

    manager = DeviceManager([PathScanner("camera", lambda: [str(tmp_path / "dev")], broken)])
    [event] = manager.scan_once()
    assert event.status.health is Health.FAULTED
    assert "permission denied" in event.status.reason


def test_listeners_hear_every_event(tmp_path: Path) -> None:
    (tmp_path / "lp0").touch()
    heard = []
    manager = DeviceManager(
        [PathScanner("printer", lambda: [str(tmp_path / "lp0")], lambda a: ProbeResult(Health.OK))]
    )
    manager.subscribe(heard.append)
    manager.scan_once()
    assert [e.kind for e in heard] == [EventKind.ADDED]
