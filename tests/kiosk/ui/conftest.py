"""Kivy off-screen for UI tests, and a KioskPort whose runs are real flows.

The port runs the built-in employment registration, or (`identity_port`) the test flow
flows/identity_registration.yaml: the shared identity step with every method, a date range,
a region code and e-receipt end steps; or any flow given (`load_ui_flow`: the test flows
here, then the catalog). Every action of flows/actions.py is bound to a plain function:
the fetching ones write the sample items of content.py, as a controller would send them.
The follow-on flow after a transaction (the rating) starts through `new_follow_on_run`,
which the UI uses when the port has it.

Kivy reads KIVY_* variables and its Config once, when first imported, so they are set here,
before any test module of this directory imports it. Kivy permits one window per process: it
is created on first use and shared; each test gets a fresh App on it (`ui` fixture).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from copy import deepcopy
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

os.environ["KIVY_NO_ARGS"] = "1"
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="estation-kivy-"))
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

from kiosk.ui.kivy_setup import configure_kivy  # noqa: E402

# The kiosk's Kivy settings (its own keyboard only, no multitouch emulation, no pacing of
# headless frames) before any test module here imports a screen: importing one creates
# Kivy's window module, after which HeadlessUI no longer configures (a module importing
# kiosk.ui.screens.form at its top ran every later test with Kivy's VKeyboard mode).
configure_kivy(False, (1280, 800), None, maxfps=0)

from flows import (  # noqa: E402
    ActionFailed,
    Flow,
    FlowRun,
    Identity,
    RunRecord,
    Session,
    Texts,
    load_builtin,
    load_flow,
)
from flows.actions import CONTENT_SOURCES  # noqa: E402
from flows.loader import FlowFiles  # noqa: E402
from flows.progress import identity_methods  # noqa: E402
from flows.submission import Submission, build_submission  # noqa: E402
from kiosk.employers import Employer  # noqa: E402
from kiosk.ports import AttractCard, HelpContacts, MenuEntry  # noqa: E402
from pii import Sensitive, mask_name  # noqa: E402
from tests.kiosk.ui.content import CONTENT, FACETS, Node  # noqa: E402
from tests.support.clock import FakeClock  # noqa: E402

TODAY = dt.date(2026, 11, 26)
STATION_TIMEZONE = ZoneInfo("Asia/Shanghai")
ID_NUMBER = "11010519491231002X"
NAME = "测试甲"
PHONE = "13912345678"
BANK_ACCOUNT = "6217001234567890123"
TRANSACTION = "KA01-2611260001"
# What the kiosk puts in the session for the e-receipt QR code: a public, unguessable link.
RECEIPT_URL = "https://estation.example.gov.cn/r/KA01-2611260001?k=7Q2M9X4PZC"
FLOWS = Path(__file__).parent / "flows"
IDENTITY_FLOW = FLOWS / "identity_registration.yaml"
CATALOG = Path(__file__).resolve().parents[3] / "flows" / "catalog"
# Every device but the receipt printer: receipts and slips become QR codes on screen.
NO_PRINTER = frozenset({"id_card_reader", "social_card_reader", "camera"})
# Job filters that leave a job in: not set, or wider than any one place.
ANY_FILTER = frozenset({"", "any", "county", "city", "province"})
GOOD_FORM = {
    "phone": PHONE,
    "employment_type": "employed",
    "employer_name": "城关镇社区服务中心",
    "start_date": "2026-11-02",
}

# The county's employer list as the controller sends it (KioskPort.employers).
EMPLOYERS = (
    Employer("缙云县城关镇社区服务中心", "12331122MB1234567X", "jyxcgzsqfwzx"),
    Employer("顺泽家园物业管理有限公司", "91331122MA2ABCDE1K", "szjywyglyxgs"),
    Employer("缙云县双洲机械制造有限公司", "91331122MA2FGHJK2L", "jyxszjxzzyxgs"),
)


def _flow_file(flow_id: str) -> bytes | None:
    for folder in (FLOWS, CATALOG):
        path = folder / f"{flow_id}.yaml"
        if path.is_file():
            return path.read_bytes()
    return None


def load_ui_flow(flow_id: str) -> Flow:
    """A test flow of this folder, or a catalog flow; `use:` and `then:` reach both."""
    flow = FlowFiles(_flow_file)(flow_id)
    assert flow is not None, flow_id
    return flow


class FakeTapper:
    """The demo card tray: a tap releases the read that waits for a card."""

    def __init__(self, names: Sequence[str] = (NAME,)) -> None:
        self.card = threading.Event()
        self.presented: list[str] = []
        self.removed = 0
        self.names = list(names)
        self.on_present: Callable[[], None] = lambda: None  # the port's card watch

    def card_names(self) -> Sequence[str]:
        return self.names

    def present(self, name: str) -> None:
        self.presented.append(name)
        self.card.set()
        self.on_present()

    def remove(self) -> None:
        self.removed += 1
        self.card.clear()


class FakePort:
    """A KioskPort whose actions are plain functions over a synthetic identity."""

    def __init__(
        self,
        clock: FakeClock,
        *,
        demo: bool = True,
        services: int = 1,
        flow: Flow | None = None,
        devices: Collection[str] | None = None,
        receipt_url: str = RECEIPT_URL,
        more: Sequence[Flow] = (),
    ) -> None:
        self.clock = clock
        self.flow: Flow = flow or load_builtin("employment_registration")
        self.devices = devices  # None: every device is there (FlowRun's default)
        self.receipt_url = receipt_url  # "" puts no e-receipt link in the session
        # More menu entries, for layout checks: the same flow under other ids and titles.
        self.extra = [
            replace(self.flow, id=f"service_{i}", title=Texts(f"服务事项{i}", f"Service {i}"))
            for i in range(2, services + 1)
        ]
        self.more = list(more)  # further services on the menu (the whole catalog)
        self.tapper = FakeTapper() if demo else None
        self.social_tapper = FakeTapper() if demo else None
        # Card first (KioskPort.card_laid): the methods of the cards laid on a tray while the
        # latest run showed its identity chooser, not yet taken.
        self.laid: list[str] = []
        self.latest: FlowRun | None = None
        for method, tray in (("id_card", self.tapper), ("social_card", self.social_tapper)):
            if tray is not None:
                tray.on_present = lambda method=method: self._card_watched(method)
        self.e_social_qr = threading.Event()  # the QR code is held up to the camera
        self.ended: list[FlowRun] = []
        self.failed_reads = 0  # the next N card reads fail
        self.printer_fails = False
        self.submitted: list[dict[str, str]] = []
        self.submissions: list[Submission] = []  # what `submit` sent, bundle items included
        self.content: dict[str, list[Node]] = deepcopy(CONTENT)  # what the controller holds
        self.slips: list[str] = []  # ids of the items printed on a slip
        self.taken: set[str] = set()  # items whose last place has just gone (hold_place)
        self.ratings: list[dict[str, str]] = []
        self._closing = threading.Event()
        self.absent_for: float | None = None  # what the camera says; None: cannot tell
        self.walk_away_seconds = 30.0
        self.help_contacts = HelpContacts("0578-3123456", "12333")
        self.staff_calls: list[tuple[str, str]] = []  # (reason, screen) of each call
        self.down: dict[str, Texts] = {}  # services greyed on the menu, with the reason
        self.notes: dict[str, Texts] = {}  # services served differently today
        self.closed: Texts | None = None  # out of service, and why
        self.card_in = False  # a card lies on a reader
        self.cards = [
            AttractCard(
                "job", Texts("招聘：保洁员", "Hiring: cleaner"), Texts("月薪3500元", "3500 a month")
            )
        ]
        self.employer_list: list[Employer] = list(EMPLOYERS)  # [] as a kiosk offline

    @property
    def catalog(self) -> Sequence[Flow]:
        return [self.flow, *self.extra, *self.more]

    def tappers(self) -> dict[str, FakeTapper]:
        """The fake is the demo port too (kiosk.ports.DemoPort): its trays by action."""
        trays = {"read_id_card": self.tapper, "read_social_card": self.social_tapper}
        return {action: tray for action, tray in trays.items() if tray is not None}

    @property
    def station_name(self) -> str:
        return "城关镇就业服务e站"

    def now(self) -> dt.datetime:
        """The station's time: the fake clock's wall, in the kiosk's time zone."""
        return self.clock.wall().astimezone(STATION_TIMEZONE)

    def citizen_absent_for(self) -> float | None:
        return self.absent_for

    def menu(self) -> list[MenuEntry]:
        return [
            MenuEntry(f, f.id not in self.down, self.down.get(f.id), self.notes.get(f.id))
            for f in self.catalog
        ]

    def out_of_service(self) -> Texts | None:
        return self.closed

    def call_staff(self, reason: str, screen: str) -> None:
        self.staff_calls.append((reason, screen))

    def attract_cards(self) -> list[AttractCard]:
        return self.cards

    def card_presented(self) -> bool:
        return self.card_in

    def card_laid(self, run: FlowRun) -> str | None:
        """The fake's card watch: a card laid on a tray while the chooser showed, once."""
        if run is not self.latest or not self.laid:
            return None
        return self.laid.pop(0)

    def _card_watched(self, method: str) -> None:
        run = self.latest
        if run is not None and not run.done and identity_methods(run.flow, run.step):
            self.laid.append(method)

    def employers(self) -> list[Employer]:
        return list(self.employer_list)

    def new_run(self, flow_id: str, lang: str) -> FlowRun:
        return self._run(next(f for f in self.catalog if f.id == flow_id), lang)

    def new_follow_on_run(self, flow_id: str, lang: str, record: RunRecord) -> FlowRun:
        """A flow that follows a transaction (the rating): not on the menu, started with
        the record the engine hands over (FlowRun.follow_on)."""
        return self._run(load_ui_flow(flow_id), lang, record)

    def _run(self, flow: Flow, lang: str, record: RunRecord | None = None) -> FlowRun:
        self._closing.clear()
        self.laid.clear()
        actions: dict[str, Callable[[Session], str | None]] = {
            "read_id_card": lambda s: self._read_card(s, self.tapper),
            "read_social_card": lambda s: self._read_card(s, self.social_tapper),
            "scan_e_social_card": self._scan_e_social_card,
            "submit": lambda s: self._submit(flow, s),
            "print_receipt": self._print_receipt,
            "print_slip": self._print_slip,
            "hold_place": self._hold_place,
            "submit_rating": self._submit_rating,
        }
        for action, source in CONTENT_SOURCES.items():
            actions[action] = lambda s, source=source: self._fetch(source, s)
        run = self.latest = FlowRun(
            flow,
            actions,
            devices_available=self.devices,
            lang=lang,
            clock=self.clock,
            today=lambda: TODAY,
            record=record,
        )
        return run

    def end_run(self, run: FlowRun) -> None:
        self._closing.set()  # a read still waiting for a card gives up
        self.ended.append(run)

    def _wait(self, event: threading.Event) -> None:
        while not event.wait(0.01):
            if self._closing.is_set():
                raise ActionFailed("closed")

    def _read_card(self, session: Session, tapper: FakeTapper | None) -> str:
        if tapper is not None:
            self._wait(tapper.card)
        if self.failed_reads:
            self.failed_reads -= 1
            raise ActionFailed("读卡失败，请将身份证重新放好")
        session.identity = Identity("id_card", Sensitive(ID_NUMBER), Sensitive(NAME, mask_name))
        return "ok"

    def _scan_e_social_card(self, session: Session) -> str:
        self._wait(self.e_social_qr)
        session.identity = Identity(
            "e_social_card", Sensitive(ID_NUMBER), Sensitive(NAME, mask_name)
        )
        return "ok"

    def _print_receipt(self, _session: Session) -> str:
        if self.printer_fails:
            raise ActionFailed("打印机缺纸")
        return "ok"

    def _fetch(self, source: str, session: Session) -> str:
        """The controller's answer: the source's items, jobs filtered as the citizen asked."""
        items = deepcopy(self.content[source])
        if source == "jobs":
            asked = {k: v for k, v in session.values.items() if isinstance(v, str)}
            items = [
                item
                for item in items
                if all(
                    asked.get(name, "") in ANY_FILTER or asked.get(name) == value
                    for name, value in FACETS.get(str(item["id"]), {}).items()
                )
            ]
        session.content[source] = items
        return "ok"

    def _print_slip(self, session: Session) -> str:
        if self.printer_fails:
            raise ActionFailed("打印机缺纸")
        item = session.current_item()
        if item is None:
            raise ActionFailed("没有选中的项目")
        self.slips.append(item.id)
        return "ok"

    def _hold_place(self, session: Session) -> str:
        item = session.current_item()
        if item is None:
            raise ActionFailed("没有选中的项目")
        if item.id in self.taken:
            raise ActionFailed("名额已满", event="taken")
        source = session.current_source()
        assert source is not None
        session.record.holds[source] = f"H-{item.id}"
        return "ok"

    def _submit_rating(self, session: Session) -> str:
        number = session.record.transaction_number
        if not number:
            raise ActionFailed("没有可评价的办件")
        rating = {k: session.value(k) for k in session.values}
        self.ratings.append(
            {**rating, "transaction_number": number, "service": session.record.service or ""}
        )
        return "ok"

    def _submit(self, flow: Flow, session: Session) -> str:
        assert session.identity is not None
        record = {k: session.value(k) for k in session.values}
        record["id_number"] = session.identity.id_number.reveal()
        self.submitted.append(record)
        self.submissions.append(build_submission(flow, session))
        session.record.transaction_number = TRANSACTION
        if self.receipt_url:
            session.record.receipt_url = self.receipt_url
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


@pytest.fixture(scope="session")
def identity_flow() -> Flow:
    return load_flow(IDENTITY_FLOW)


@pytest.fixture
def identity_port(clock: FakeClock, identity_flow: Flow) -> FakePort:
    """A kiosk offering the identity test flow, with every device."""
    return FakePort(clock, flow=identity_flow)


@pytest.fixture
def identity_ui(identity_port: FakePort, clock: FakeClock) -> Iterator[object]:
    from devkit.headless import HeadlessUI

    with HeadlessUI(identity_port, clock=clock, idle_return_seconds=10) as headless:
        yield headless


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where a test saves its screenshots (ESTATION_UI_SHOTS keeps them, e.g. for docs)."""
    keep = os.environ.get("ESTATION_UI_SHOTS")
    return Path(keep) if keep else tmp_path / "shots"


@pytest.fixture
def ui(port: FakePort, clock: FakeClock) -> Iterator[object]:
    from devkit.headless import HeadlessUI

    headless = HeadlessUI(port, clock=clock, idle_return_seconds=10)
    headless.start()
    try:
        yield headless
    finally:
        headless.stop()
