"""The kiosk as the touchscreen sees it: the menu, citizens' runs, and how the kiosk feels.

`KioskService` implements the UI's port (kiosk/ports.py `KioskPort`). It is handed its
parts by the composition root and builds none of them: the catalog, the device manager,
the station facts, a factory for the actions of one run, and whether the controller was
reached lately.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from drivers.manager import DeviceManager, Health
from flows import Catalog, Flow, Texts
from flows.actions import ACTION_DEVICES
from flows.progress import identity_methods
from kiosk.actions import UNSUPPORTED
from kiosk.card_watch import CardWatch
from kiosk.employers import Employer
from kiosk.health import heartbeat_devices
from kiosk.messages import catalog as message_catalog
from kiosk.messages import text
from kiosk.ports import AttractCard, HelpContacts, MenuEntry, PairingView
from wire import DeviceKind, KioskStatus, StaffCallReason

if TYPE_CHECKING:
    from flows import FlowRun, RunRecord
    from kiosk.actions import RunActions, Station
    from wire import Heartbeat, KioskVitals, StaffCallIn

log = logging.getLogger(__name__)

SOFTWARE_VERSION = "0.1.0"

# A device that works with a warning (paper near its end) still serves citizens.
_WORKING = (Health.OK, Health.DEGRADED)

# The words below are read from the catalog when a menu is made, not at import: the kiosk's
# start reads the catalog once, from its kept copy (kiosk/messages.py `load`).


def _down(kind: DeviceKind) -> Texts:
    """Why a service that cannot do without the device `kind` is greyed on the menu."""
    return {
        DeviceKind.ID_CARD_READER: text("kiosk.down.id_card_reader"),
        DeviceKind.SOCIAL_CARD_READER: text("kiosk.down.social_card_reader"),
        DeviceKind.CAMERA: text("kiosk.down.camera"),
        DeviceKind.RECEIPT_PRINTER: text("kiosk.down.receipt_printer"),
    }[kind]


# The devices a step falls back from (flows' `fallback:`), and the words for how a service
# is served without each.
_FALLBACK_NOTES: dict[DeviceKind, Callable[[], Texts]] = {
    DeviceKind.RECEIPT_PRINTER: lambda: text("kiosk.fallback.receipt_printer"),
    DeviceKind.ID_CARD_READER: lambda: text("kiosk.fallback.id_card_reader"),
}


def _fallback(kind: DeviceKind) -> Texts | None:
    """How a service is served without the device `kind` its steps fall back from."""
    note = _FALLBACK_NOTES.get(kind)
    return note() if note is not None else None


class KioskService:
    """Citizens' runs on this kiosk's devices; satisfies kiosk.ports.KioskPort."""

    def __init__(
        self,
        *,
        catalog: Catalog,
        station: Station,
        devices: DeviceManager,
        actions_for: Callable[[Flow], RunActions],
        online: Callable[[], bool],
        outbox_pending: Callable[[], int],
        services: Sequence[str] = (),
        walk_away_seconds: float = 30.0,
        citizen_absent_for: Callable[[], float | None] = lambda: None,
        starts_last_hour: Callable[[], int] = lambda: 0,
        help_contacts: HelpContacts | None = None,
        staff_calls: Callable[[StaffCallIn], None] = lambda call: None,
        enrollment_block: Callable[[], str | None] = lambda: None,
        attract: Callable[[], Sequence[AttractCard]] = lambda: (),
        card_presented: Callable[[], bool] = lambda: False,
        employers: Callable[[], Sequence[Employer]] = lambda: [],
        vitals: Callable[[], KioskVitals | None] = lambda: None,
        waiting: Callable[[str], bool] = lambda key: False,
        card_watch: CardWatch | None = None,
        devices_ready: Callable[[], object] = lambda: None,
    ) -> None:
        """`card_watch`: the readers' presence, for the identity chooser (card first);
        `enrollment_block`: the message code of an enrollment that keeps the kiosk from
        serving (kiosk.awaiting_approval, kiosk.credential_revoked), None when it may;
        `staff_calls` queues a call for the controller (the outbox); `waiting(key)`: the
        outbox still holds that transaction, unsent (Outbox.waiting). `devices_ready`
        returns once the devices are open and scanned (Hardware.wait_started)."""
        self._catalog = catalog
        self._station = station
        self._devices = devices
        self._actions_for = actions_for
        self._online = online
        self._outbox_pending = outbox_pending
        self._services = tuple(services)
        self._walk_away = walk_away_seconds
        self._absent_for = citizen_absent_for
        self._starts_last_hour = starts_last_hour
        self._help = help_contacts or HelpContacts()
        self._own_help = self._help
        self._staff_calls = staff_calls
        self._enrollment_block = enrollment_block
        self._attract = attract
        self._card_presented = card_presented
        self._vitals = vitals
        self._waiting = waiting
        self._devices_ready = devices_ready
        # Set by the composition root when a provisioning side is built (kiosk/composition.py).
        self.pairing_source: Callable[[], PairingView | None] = lambda: None
        self._maintenance: Texts | None = None
        self._technician = False
        self._employers = employers
        self._runs: dict[int, RunActions] = {}
        self._open: dict[int, FlowRun] = {}
        self._lock = threading.Lock()
        self._card_watch = card_watch
        # Card first: a card laid after this arrival number is the next visit's (the mark is
        # moved on at each visit's end, so a card forgotten by the last visitor is not).
        self._visit_mark = 0
        # Per run at a chooser: (how many steps it had gone through when it showed, the
        # arrival number after which a card counts for it).
        self._chooser_marks: dict[int, tuple[int, int]] = {}

    # KioskPort
    @property
    def catalog(self) -> Sequence[Flow]:
        """The services on the menu now: open at this hour, with the devices they need."""
        if self._maintenance is not None:
            return []
        offered = self._catalog.offered(self.now(), self.devices_available())
        wanted = self._services
        return [s.flow for s in offered if not wanted or s.flow.id in wanted]

    def menu(self) -> Sequence[MenuEntry]:
        """The services open at this hour: greyed with the reason when a device they cannot
        do without is down, with a note when a step falls back (no printer: e-receipt)."""
        have = self.devices_available()
        wanted = self._services
        entries = []
        for service in self._catalog.offered(self.now(), set(DeviceKind)):
            if wanted and service.flow.id not in wanted:
                continue
            missing = sorted(service.needs - have)
            if missing:
                entries.append(MenuEntry(service.flow, False, _down(DeviceKind(missing[0]))))
            elif service.needs_any and not service.needs_any & have:
                entries.append(MenuEntry(service.flow, False, text("kiosk.down.identify")))
            else:
                entries.append(MenuEntry(service.flow, note=_fallback_note(service.flow, have)))
        return entries

    def pairing(self) -> PairingView | None:
        """The technician's pairing screen while the kiosk is unprovisioned; None otherwise."""
        return self.pairing_source()

    def out_of_service(self) -> Texts | None:
        """Why the kiosk serves nobody now; None while it serves."""
        if self._maintenance is not None:
            return self._maintenance
        blocked = self._enrollment_block()
        if blocked is not None:
            return text(blocked)
        if not any(entry.available for entry in self.menu()):
            return text("kiosk.nothing_works")
        return None

    def set_out_of_service(self, on: bool, reason: str = "") -> None:
        """Maintenance: take the kiosk out of service (the screen says why) or back in.

        `reason` is a message code of kiosk/messages.yaml or a technician's own words
        (shown as written in both languages); empty: the catalog's out-of-service words.
        A visit in progress is finished first: the screen changes when it ends.
        """
        if not on:
            self._maintenance = None
        elif reason in message_catalog():
            self._maintenance = text(reason)
        else:
            self._maintenance = (
                Texts(reason, reason) if reason.strip() else text("kiosk.out_of_service")
            )
        log.info("out_of_service on=%s", on)

    def technician_in(self, on: bool) -> None:
        """Maintenance: a technician is at the maintenance screen (True) or has left it; the
        heartbeat says `maintenance` meanwhile, so ops see why nobody is served."""
        self._technician = on

    @property
    def help_contacts(self) -> HelpContacts:
        """The station's help phone and the hotline (kiosk.toml, or the controller's target)."""
        return self._help

    def replace_catalog(self, catalog: Catalog, help_phone: str = "") -> bool:
        """Run `catalog` from now on, unless a citizen is being served (then False).

        The menu reads the catalog on each look, so it follows; a run already started keeps
        the flow it started with. `help_phone` "" restores the station's own.
        """
        with self._lock:
            if self._runs:
                return False
            self._catalog = catalog
            self._help = replace(self._own_help, phone=help_phone or self._own_help.phone)
        log.info("catalog replaced version=%s services=%d", catalog.version, len(catalog.services))
        return True

    def call_staff(self, reason: str, screen: str) -> None:
        """Queue a staff call for the controller: where the citizen is, never who."""
        import uuid  # here, not at import: uuid loads platform, which no menu needs

        from wire import StaffCallIn

        call = StaffCallIn(
            key=uuid.uuid4().hex,
            created_at=self.now(),
            reason=StaffCallReason(reason),
            screen=screen,
        )
        self._staff_calls(call)
        log.info("staff_called reason=%s screen=%s", reason, screen)

    def attract_cards(self) -> Sequence[AttractCard]:
        """Public content for the attract loop (no personal data ever reaches it)."""
        return self._attract()

    def card_presented(self) -> bool:
        """A card was laid on or inserted into a reader while nobody was served."""
        return self._card_presented()

    def card_laid(self, run: FlowRun) -> str | None:
        """The identity method whose card was laid for the chooser `run` shows, once; None
        when no card was (or the run shows no chooser). Reads nothing: the watch's memory.

        Which cards count: on the visit's first chooser, a card that arrived since the last
        visit ended (laid on the menu, or the one that woke the attract loop) or while the
        chooser shows; back at the chooser (the citizen asked for another way), only a card
        laid after that. Never one that lay there through the last visit's end (forgotten),
        nor one first seen after a gap in watching (kiosk/card_watch.py).
        """
        watch = self._card_watch
        if watch is None or run.done:
            return None
        offered = set(run.buttons()) & watch.methods
        methods = [m for m in identity_methods(run.flow, run.step) if m in offered]
        if not methods:
            return None
        shown = len(run.history)
        with self._lock:
            if id(run) not in self._open:
                return None  # ended, or not this kiosk's run
            before = self._chooser_marks.get(id(run))
            if before is None:
                mark = self._visit_mark
            elif before[0] != shown:
                mark = watch.mark()  # back at the chooser: what lies there was seen already
            else:
                mark = before[1]
            if before is None or before[0] != shown:
                watch.poke()  # the readers are free again: seen now, a card laid next counts
            laid = watch.laid_since(mark, methods, in_gap=not _tried_a_method(run))
            if laid is not None:
                mark = laid[1]  # taken: the same card is not fired twice
            self._chooser_marks[id(run)] = (shown, mark)
        if laid is None:
            return None
        log.info("card_first method=%s", laid[0])
        return laid[0]

    def choosing(self) -> bool:
        """A visit is open and waits on an identity chooser: the card readers may be
        watched (the card watch asks them then; during any other step the run owns them)."""
        with self._lock:
            runs = list(self._open.values())
        return bool(runs) and all(
            not run.done and bool(identity_methods(run.flow, run.step)) for run in runs
        )

    @property
    def station_name(self) -> str:
        """This station's name."""
        return self._station.name

    def now(self) -> dt.datetime:
        """The station's time, in its configured time zone."""
        return self._station.now()

    @property
    def walk_away_seconds(self) -> float:
        """A session ends when nobody has been in front this long."""
        return self._walk_away

    def citizen_absent_for(self) -> float | None:
        """Seconds since the camera last saw someone in front; None when it cannot tell."""
        return self._absent_for()

    def new_run(self, flow_id: str, lang: str) -> FlowRun:
        """Start a citizen's run of `flow_id` with actions bound to this kiosk's devices."""
        return self._run(self._catalog.flow(flow_id), lang)

    def new_follow_on_run(self, flow_id: str, lang: str, record: RunRecord) -> FlowRun:
        """Start the flow that follows a transaction (the rating), with what it hands over."""
        return self._run(self._catalog.flow(flow_id), lang, record)

    def end_run(self, run: FlowRun) -> None:
        """Stop the run's device work and wipe what is left of it."""
        with self._lock:
            actions = self._runs.pop(id(run), None)
            self._open.pop(id(run), None)
            self._chooser_marks.pop(id(run), None)
            if self._card_watch is not None:
                # A card still lying there now was this visit's: not the next one's.
                self._visit_mark = self._card_watch.mark()
                self._card_watch.visit_ended()
        if actions is not None:
            actions.cancelled.set()
        run.abort()

    def awaiting_delivery(self, record: RunRecord) -> bool:
        """The run's transaction is saved on this kiosk but not yet with the controller."""
        key = record.transaction_key
        return bool(key) and self._waiting(key or "")

    def employers(self) -> Sequence[Employer]:
        """The employer list kept from the controller ([] offline: free entry only)."""
        return self._employers()

    # The rest of the kiosk
    def devices_available(self) -> set[DeviceKind]:
        """Device kinds that work now; a flow falls back for the others."""
        self._devices_ready()
        health = self._devices.health()
        return {DeviceKind(kind) for kind, s in health.items() if s.health in _WORKING}

    @property
    def busy(self) -> bool:
        """True while a citizen's run is open."""
        with self._lock:
            return bool(self._runs)

    def heartbeat(self) -> Heartbeat:
        """How this kiosk feels right now, for the controller."""
        from wire import Heartbeat

        return Heartbeat(
            sent_at=self.now(),
            status=self._status(),
            software_version=SOFTWARE_VERSION,
            devices=heartbeat_devices(self._devices),
            outbox_pending=self._outbox_pending(),
            starts_last_hour=self._starts_last_hour(),
            vitals=self._vitals(),
        )

    def _status(self) -> KioskStatus:
        if self._technician:
            return KioskStatus.MAINTENANCE
        if self._maintenance is not None:
            return KioskStatus.OUT_OF_SERVICE
        return KioskStatus.IN_SESSION if self.busy else KioskStatus.IDLE

    def _run(self, flow: Flow, lang: str, record: RunRecord | None = None) -> FlowRun:
        from flows import FlowRun  # the engine loads with the first visit, not for the menu

        self._devices_ready()  # the actions take the devices as they are opened
        actions = self._actions_for(flow)
        run = FlowRun(
            flow,
            actions.bound(),
            guards={"controller_online": lambda session: self._online()},
            devices_available=self.devices_available(),
            lang=lang,
            record=record,
            unsupported=UNSUPPORTED,
            # The station's date, as the date picker and the receipt have it: the process
            # runs in UTC, and from 00:00 to 08:00 Beijing time its date is yesterday's.
            today=lambda: self.now().date(),
        )
        with self._lock:
            self._runs[id(run)] = actions
            self._open[id(run)] = run
        return run


def _fallback_note(flow: Flow, have: set[DeviceKind]) -> Texts | None:
    """How the flow is served today when one of its steps uses a device that is down."""
    if have.issuperset(_FALLBACK_NOTES):
        return None  # every device a step falls back from is up (the menu asks every second)
    for step in flow.steps.values():
        action_device = ACTION_DEVICES.get(step.action or "")
        used = {*step.needs, *([action_device] if action_device else [])}
        for kind in sorted(used):
            note = _fallback(DeviceKind(kind)) if DeviceKind(kind) not in have else None
            if note is not None:
                return note
    return None


def _tried_a_method(run: FlowRun) -> bool:
    """The visit has been at an identity method's step (a card read, typing the number):
    a card seen after that step is the one it used, not one laid for the chooser."""
    steps = run.flow.steps
    return any(
        name in steps and steps[name].identity_method is not None and steps[name] is not run.step
        for name in run.history
    )
