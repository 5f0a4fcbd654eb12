"""Kivy off-screen for UI tests, and a KioskPort whose runs are the real registration flow.

Kivy reads KIVY_* variables once, when first imported, so they are set here, before any test
module of this directory imports it. Kivy permits one window per process: it is created on
first use and shared; each test gets a fresh App on it (`ui` fixture).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

os.environ["KIVY_NO_ARGS"] = "1"
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="estation-kivy-"))
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

from flows import (  # noqa: E402
    ActionFailed,
    Flow,
    FlowRun,
    Identity,
    Session,
    Texts,
    load_builtin,
)
from pii import Sensitive, mask_name  # noqa: E402

TODAY = dt.date(2026, 11, 26)
ID_NUMBER = "11010519491231002X"
NAME = "测试甲"
PHONE = "13912345678"
TRANSACTION = "KA01-2611260001"
GOOD_FORM = {
    "phone": PHONE,
    "employment_type": "employed",
    "employer_name": "城关镇社区服务中心",
    "start_date": "2026-11-02",
}


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeTapper:
    """The demo card tray: a tap releases the read that waits for a card."""

    def __init__(self) -> None:
        self.card = threading.Event()
        self.presented: list[str] = []
        self.removed = 0

    def card_names(self) -> Sequence[str]:
        return [NAME]

    def present(self, name: str) -> None:
        self.presented.append(name)
        self.card.set()

    def remove(self) -> None:
        self.removed += 1
        self.card.clear()


class FakePort:
    """A KioskPort whose actions are plain functions over a synthetic identity."""

    def __init__(self, clock: FakeClock, *, demo: bool = True, services: int = 1) -> None:
        self.clock = clock
        self.flow: Flow = load_builtin("employment_registration")
        # More menu entries, for layout checks: the same flow under other ids and titles.
        self.extra = [
            replace(self.flow, id=f"service_{i}", title=Texts(f"服务事项{i}", f"Service {i}"))
            for i in range(2, services + 1)
        ]
        self.tapper = FakeTapper() if demo else None
        self.ended: list[FlowRun] = []
        self.failed_reads = 0  # the next N card reads fail
        self.submitted: list[dict[str, str]] = []
        self._closing = threading.Event()

    @property
    def catalog(self) -> Sequence[Flow]:
        return [self.flow, *self.extra]

    @property
    def card_tapper(self) -> FakeTapper | None:
        return self.tapper

    @property
    def station_name(self) -> str:
        return "城关镇就业服务e站"

    def new_run(self, flow_id: str, lang: str) -> FlowRun:
        assert flow_id == self.flow.id
        self._closing.clear()
        actions: dict[str, Callable[[Session], str | None]] = {
            "read_id_card": self._read_id_card,
            "submit": self._submit,
            "print_receipt": lambda _s: "ok",
        }
        return FlowRun(self.flow, actions, lang=lang, clock=self.clock, today=lambda: TODAY)

    def end_run(self, run: FlowRun) -> None:
        self._closing.set()  # a read still waiting for a card gives up
        self.ended.append(run)

    def _read_id_card(self, session: Session) -> str:
        if self.tapper is not None:
            while not self.tapper.card.wait(0.01):
                if self._closing.is_set():
                    raise ActionFailed("closed")
        if self.failed_reads:
            self.failed_reads -= 1
            raise ActionFailed("读卡失败，请将身份证重新放好")
        session.identity = Identity("id_card", Sensitive(ID_NUMBER), Sensitive(NAME, mask_name))
        return "ok"

    def _submit(self, session: Session) -> str:
        assert session.identity is not None
        record = {k: session.value(k) for k in session.values}
        record["id_number"] = session.identity.id_number.reveal()
        self.submitted.append(record)
        session.public["transaction_number"] = TRANSACTION
        return "ok"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass(frozen=True)
class Citizen:
    """The synthetic person of these tests and what they type."""

    name: str = NAME
    id_number: str = ID_NUMBER
    phone: str = PHONE
    transaction: str = TRANSACTION
    form: dict[str, str] = field(default_factory=lambda: dict(GOOD_FORM))

    def traces(self) -> list[str]:
        """Strings that must not be left on any screen after the visit."""
        return [self.name, self.id_number, self.phone, self.form["employer_name"]]


@pytest.fixture
def citizen() -> Citizen:
    return Citizen()


@pytest.fixture
def port(clock: FakeClock) -> FakePort:
    return FakePort(clock)


@pytest.fixture
def make_port(clock: FakeClock) -> Callable[..., FakePort]:
    return lambda **kw: FakePort(clock, **kw)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where a test saves its screenshots (ESTATION_UI_SHOTS keeps them, e.g. for docs)."""
    keep = os.environ.get("ESTATION_UI_SHOTS")
    return Path(keep) if keep else tmp_path / "shots"


@pytest.fixture
def ui(port: FakePort, clock: FakeClock) -> Iterator[object]:
    from kiosk.ui.headless import HeadlessUI

    headless = HeadlessUI(port, clock=clock, idle_return_seconds=10)
    headless.start()
    try:
        yield headless
    finally:
        headless.stop()
