"""The technician CLI's own behaviour: discover's two outputs, reset's double confirmation."""

from __future__ import annotations

import argparse
import csv
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import provisioning.cli as cli
from kiosk.advertising import Advertiser, Announcement
from provisioning.cli import main
from provisioning.setup_files import BULK_COLUMNS, setup_from_row
from tests.support.waiting import wait_until

SERIAL = "SN-CLI-000777"
LOOPBACK = ["127.0.0.1"]


@pytest.fixture
def advertised() -> Iterator[Advertiser]:
    announcement = Announcement(
        serial=SERIAL, model="ES-300", version="0.1.0", state="unprovisioned", name="东区大厅"
    )
    advertiser = Advertiser(announcement, 8475, addresses=LOOPBACK, allow_loopback=True)
    advertiser.start()
    yield advertiser
    advertiser.stop()


# At most this long: every discover below stops as soon as what it awaits answered, so a
# run that takes this long was waiting the window out (registering takes about 1.6 s).
WINDOW = ["--interface", "127.0.0.1", "--seconds", "30"]


def test_discover_piped_prints_one_tab_separated_table_without_colours(
    advertised: Advertiser, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["discover", *WINDOW, "--until", SERIAL]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out  # no colour or cursor codes in a pipe
    lines = out.splitlines()
    assert lines[0] == "serial\tstate\tname\tmodel\tversion\taddress"
    assert lines[1:] == [f"{SERIAL}\tunprovisioned\t东区大厅\tES-300\t0.1.0\thttp://127.0.0.1:8475"]


def test_discover_stops_as_soon_as_the_kiosks_awaited_answered(advertised: Advertiser) -> None:
    started = time.monotonic()
    assert main(["discover", *WINDOW, "--count", "1"]) == 0
    assert time.monotonic() - started < 25  # not the 30 s window


def test_discover_fails_when_a_kiosk_awaited_never_answered(
    advertised: Advertiser, capsys: pytest.CaptureFixture[str]
) -> None:
    # The one wait that runs to its end: proving nobody else answers takes the whole window.
    argv = ["discover", "--interface", "127.0.0.1", "--seconds", "2"]
    assert main([*argv, "--until", SERIAL, "--until", "SN-CLI-000778"]) == 1
    assert capsys.readouterr().out.startswith("serial\tstate")  # the table, as far as it got


def test_discover_counts_at_least_one_kiosk(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["discover", "--count", "0"])
    assert "at least 1, not 0" in capsys.readouterr().err


def test_discover_on_a_terminal_redraws_the_table_as_a_kiosk_appears(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=160, color_system="standard")
    monkeypatch.setattr(cli, "_console", lambda: console)
    announcement = Announcement(
        serial=SERIAL, model="ES-300", version="0.1.0", state="active", name="西区"
    )
    advertiser = Advertiser(announcement, 8476, addresses=LOOPBACK, allow_loopback=True)
    first_frame = "0 e-station kiosk(s), looking"

    def announce_once_drawn() -> None:
        # Announced once the empty table is on the screen: the same run must show it.
        if wait_until(lambda: first_frame in screen.getvalue(), timeout=30):
            advertiser.start()

    announcer = threading.Thread(target=announce_once_drawn)
    announcer.start()
    try:
        assert main(["discover", *WINDOW, "--until", SERIAL]) == 0
    finally:
        announcer.join()
        advertiser.stop()
    drawn = screen.getvalue()
    assert first_frame in drawn  # the first frame, before the kiosk
    assert "1 e-station kiosk(s)" in drawn  # redrawn in place once it is seen
    assert SERIAL in drawn
    assert "\x1b[2K" in drawn or "\x1b[1A" in drawn  # lines rewritten, not appended


class _FakeKiosk:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def pair(self, code: str) -> None:
        self.calls.append(("pair", code))

    def reset(self, serial: str) -> None:
        self.calls.append(("reset", serial))

    def close(self) -> None:
        pass


@pytest.fixture
def kiosk(monkeypatch: pytest.MonkeyPatch) -> _FakeKiosk:
    fake = _FakeKiosk()
    monkeypatch.setattr(cli, "_find", lambda args, serial: fake)
    return fake


def _args() -> argparse.Namespace:
    return argparse.Namespace(
        serial=SERIAL, code="ABC-DEF", yes=False, url=None, interface=None, seconds=1
    )


def _answers(*typed: str) -> tuple[list[str], Any]:
    asked: list[str] = []
    replies = iter(typed)

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(replies)

    return asked, ask


@pytest.mark.parametrize(
    "typed",
    [
        ("", ""),
        (SERIAL, ""),  # the first confirmation alone is not enough
        ("", "RESET"),  # nor the second alone
        ("SN-CLI-000778", "RESET"),  # another kiosk's serial
        (SERIAL, "reset"),  # the word exactly
    ],
)
def test_reset_is_refused_unless_confirmed_twice(
    kiosk: _FakeKiosk, typed: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    asked, ask = _answers(*typed)
    assert cli._reset(_args(), ask) == 1
    assert len(asked) == 2
    assert kiosk.calls == []  # the kiosk was never contacted
    assert "not reset" in capsys.readouterr().err


def test_reset_confirmed_twice_pairs_then_resets_that_kiosk(
    kiosk: _FakeKiosk, capsys: pytest.CaptureFixture[str]
) -> None:
    asked, ask = _answers(f" {SERIAL} ", "RESET")
    assert cli._reset(_args(), ask) == 0
    assert SERIAL in asked[0]
    assert "RESET" in asked[1]
    assert kiosk.calls == [("pair", "ABC-DEF"), ("reset", SERIAL)]
    assert "factory reset" in capsys.readouterr().out


def test_reset_with_yes_asks_nothing(kiosk: _FakeKiosk) -> None:
    asked, ask = _answers()
    assert cli._reset(argparse.Namespace(**{**vars(_args()), "yes": True}), ask) == 0
    assert asked == []
    assert kiosk.calls == [("pair", "ABC-DEF"), ("reset", SERIAL)]


def test_the_sample_csv_in_the_docs_gives_a_setup_for_every_row() -> None:
    sample = Path(__file__).parents[2] / "docs" / "samples" / "stations.csv"
    with sample.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == BULK_COLUMNS
    setups = [setup_from_row(row) for row in rows]
    assert len(setups) == 2
    assert setups[0]["devices"]["receipt_printer"] == {
        "kind": "device", "path": "/dev/usb/lp0", "profile": "kiosk-80"
    }  # fmt: skip
    assert setups[1]["controller"]["pairing_code"] == ""  # a pre-authorised serial


def test_the_progress_line_says_the_report_is_being_sent_after_the_last_check() -> None:
    from provisioning.cli import _step

    assert _step({"total": 9, "progress": 0, "current": ""}) == "starting"
    assert _step({"total": 9, "progress": 9, "current": ""}) == (
        "sending the report to the controller"
    )
    assert _step({"total": 9, "progress": 9, "done": True}) == "done"
    assert _step({"total": 9, "progress": 3, "current": "camera.qr", "prompt": "Show",
                  "seconds_left": 12.4}) == "camera.qr: Show (12 s left)"  # fmt: skip
