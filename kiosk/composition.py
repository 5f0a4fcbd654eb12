"""The composition root: `build_kiosk(config)` assembles the kiosk, and nothing else does.

It only assembles. Which devices are real or simulated is kiosk/hardware.py's choice; what
the touchscreen can ask of the kiosk is kiosk/service.py; what each flow action does is
kiosk/actions/. The development tools (devkit/) build a kiosk through this function too, and
reach the simulators through `Kiosk.hardware.simulators`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flows import Flow, builtin_files
from flows.catalog_cache import CatalogCache
from kiosk import messages
from kiosk.actions.station import Station
from kiosk.attract import AttractContent
from kiosk.card_watch import CardWatch, card_probes
from kiosk.command_handlers import add_standard_handlers
from kiosk.commands import CommandBook, CommandRunner
from kiosk.config_model import KioskConfig
from kiosk.content_refresh import ContentRefresher, fetch_plans
from kiosk.content_store import ContentStore
from kiosk.controller_client import ControllerClient, ControllerError
from kiosk.employers import EmployerList
from kiosk.enroller import Enroller
from kiosk.enrollment import EnrollmentStore
from kiosk.hardware import Hardware, Simulators
from kiosk.outbox import Limits, Outbox
from kiosk.ports import HelpContacts
from kiosk.release_layout import takes_updates
from kiosk.service import SOFTWARE_VERSION, KioskService
from kiosk.speech.behind import SpeechBehind
from kiosk.starts import StartLog
from kiosk.sync import SyncLoop
from kiosk.target import TargetKeeper
from kiosk.vitals import VitalSigns
from pii import Sealer
from pii.sealing import begin_rotation, end_rotation
from wire import CAPABILITY_UPDATES

if TYPE_CHECKING:
    from kiosk.actions import RunActions
    from kiosk.provisioning import DeviceCheck
    from kiosk.provisioning_rig import ProvisioningSide
    from kiosk.speech import Speech
    from kiosk.updater import Updater
    from wire import Heartbeat, RegisterRequest, StaffCallIn

log = logging.getLogger(__name__)


@dataclass(eq=False)  # a running kiosk is itself, not its parts compared one by one
class Kiosk:
    """The assembled kiosk: its parts, and their start and stop in the right order."""

    config: KioskConfig
    hardware: Hardware
    outbox: Outbox
    client: ControllerClient
    enroller: Enroller
    sync: SyncLoop
    station: Station
    service: KioskService
    starts: StartLog
    # The voice the touchscreen speaks with (kiosk/speech/), found behind the first frame.
    speech: SpeechBehind
    # The pairing gate, local API and LAN announcement, when [provisioning] enables them.
    provisioning: ProvisioningSide | None = None
    attract: AttractContent | None = None
    # Remote commands (kiosk/commands.py): the UI adds its own handlers when it starts.
    commands: CommandRunner | None = None
    # The kept copy of the public content and its background refresh (kiosk/content_store.py).
    content_store: ContentStore | None = None
    content: ContentRefresher | None = None
    # Signed releases (kiosk/updater.py); None without a pinned key or an A/B installation.
    updater: Updater | None = None
    # The catalog and settings the controller wants run (kiosk/target.py).
    target: TargetKeeper | None = None
    # Wakes the attract loop on a card laid on a reader, and lets a card laid on an identity
    # chooser pick its method (kiosk/card_watch.py).
    card_watch: CardWatch | None = None
    _rest: threading.Thread | None = field(default=None, init=False, repr=False)
    _closing: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    @property
    def simulators(self) -> Simulators:
        """The simulated devices standing in for real ones (devkit and tests lay cards)."""
        return self.hardware.simulators

    def start(self, *, sync: bool = True) -> None:
        """Open devices, enroll if needed (offline start is fine once enrolled), start syncing."""
        self.start_for_menu()
        self.start_rest(sync=sync)

    def start_for_menu(self) -> None:
        """What the menu's first frame and first tap need: the outbox (open since
        `build_kiosk`), the card reader and printer with one device scan (opened on a thread
        of their own while the screen is set up: `Hardware.start_behind`; the menu waits for
        them when it first asks for the devices), the enrollment."""
        self.starts.record()
        if self.updater is not None:
            self.updater.started()
        self.hardware.start_behind()
        if self.provisioning is not None:
            self.provisioning.provisioning.before_wipe = self.stop_writers
            self.provisioning.start()
        if self.config.provisioned:
            try:
                self.enroller.ensure()
            except ControllerError as err:
                log.warning("controller not reachable at start: %s", err)

    def start_rest(self, *, sync: bool = True) -> None:
        """What can wait for the menu: the camera, device scans, sync, content, attract
        loop, card watch (an unprovisioned kiosk has no controller to sync with yet)."""
        steps: list[Callable[[], object]] = [
            self.hardware.wait_started,
            self.speech.find,
            self.hardware.open_camera,
        ]
        if self.hardware.presence is None and self.config.camera.kind != "none":
            steps.append(self.hardware.devices.scan_once)  # the camera's health at once
        if self.config.provisioned and sync:
            steps.append(partial(self.hardware.devices.start, interval=5.0))
            steps.append(self.sync.start)
            for part in (self.content, self.attract, self.card_watch):
                if part is not None:
                    steps.append(part.start)
        for step in steps:
            if self._closing.is_set():  # stopped while this ran behind the menu
                return
            step()

    def start_rest_behind(self) -> None:
        """`start_rest()` on a thread of its own, so the menu is up meanwhile; `close()`
        waits for it."""

        def run() -> None:
            try:
                self.start_rest()
            except Exception:  # the top of a worker thread: logged, the menu stays
                log.exception("kiosk_start_rest_failed")

        self._rest = threading.Thread(target=run, name="kiosk-start", daemon=True)
        self._rest.start()

    def stop_writers(self) -> None:
        """Stop everything that writes into the data folder and close its databases (a
        factory reset does this before it wipes the folder)."""
        self._closing.set()  # nothing the start behind the menu has not begun yet begins
        rest = self._rest
        if rest is not None and rest is not threading.current_thread():
            rest.join()
        if self.attract is not None:
            self.attract.stop()
        if self.card_watch is not None:
            self.card_watch.stop()
        if self.content is not None:
            self.content.stop()
        self.sync.stop()
        self.outbox.close()
        if self.commands is not None:
            self.commands.close()
        if self.content_store is not None:
            self.content_store.close()

    def close(self) -> None:
        """Stop syncing and speaking, and release devices."""
        self._closing.set()
        if self._rest is not None:
            self._rest.join()  # a part it started now is stopped below, none after
        if self.provisioning is not None:
            self.provisioning.stop()
        self.speech.close()
        self.stop_writers()
        self.hardware.close()
        self.client.close()


def _device_checks(hardware: Hardware, enrollments: EnrollmentStore) -> list[DeviceCheck]:
    """The unattended self-test's checks, imported when the command first runs."""
    from kiosk.provisioning_rig import device_checks

    return device_checks(hardware, enrollments)


def outbox_key_file(config: KioskConfig) -> Path:
    """Where the outbox's sealing key is kept."""
    return config.data_dir / "keys" / "outbox.key"


def rotate_outbox_key(outbox: Outbox, key_file: Path) -> int:
    """Seal the outbox under a new key; safe to cut short at any point (the next start
    finishes it). Return how many rows were sealed again."""
    done = outbox.reseal(begin_rotation(key_file))
    end_rotation(key_file)
    return done


def enrollment_block(enroller: Enroller) -> str | None:
    """The message code of an enrollment that keeps the kiosk from serving, or None.

    Revoked or refused: the controller will take nothing from this kiosk. Awaiting
    approval: it is not yet one of the county's kiosks, so it takes no citizen's data.
    """
    if enroller.blocked is not None:
        return enroller.blocked.code
    current = enroller.current
    return "kiosk.awaiting_approval" if current is not None and current.pending else None


def build_kiosk(
    config: KioskConfig,
    *,
    clock: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
    log_lines: Callable[[int], list[str]] | None = None,
    wall: Callable[[], dt.datetime] | None = None,
) -> Kiosk:
    """The kiosk described by `config`, assembled and not yet started.

    `clock` is the time of day in seconds (the start log), `monotonic` what retry times
    and waits are measured on. `log_lines`: the recent redacted log lines (kiosk/journal.py
    RecentLines.lines), which the upload-logs command sends. `wall`: the aware time of day
    that transactions, acknowledgements, retention and the content copy's age are read on
    (the system's unless given: a test of a simulated day moves it with `monotonic`).
    """
    wall_now = wall or (lambda: dt.datetime.now(dt.UTC))
    config.data_dir.mkdir(parents=True, exist_ok=True)
    # The words of every screen, checked now (a malformed file stops the start here), kept
    # as JSON beside the catalog's cache so an unchanged file is not parsed again.
    messages.load(config.data_dir / "catalog-cache")
    key_file = outbox_key_file(config)
    sealer = Sealer.from_key_file(key_file)
    limits = Limits(capacity=config.sync.outbox_capacity, retention_days=config.sync.retention_days)
    outbox = Outbox(
        config.data_dir / "outbox.db", sealer, clock=monotonic, wall=wall_now, limits=limits
    )
    if sealer.previous is not None:  # a key rotation was cut short: finish it
        rotate_outbox_key(outbox, key_file)
    hardware = Hardware(config)
    client = ControllerClient(
        config.controller_url,
        timeout=config.sync.read_timeout,
        connect_timeout=config.sync.connect_timeout,
    )
    enroller_store = EnrollmentStore(config.data_dir / "enrollment.json")

    def register_request() -> RegisterRequest:
        from wire import RegisterRequest  # made when the kiosk first enrolls, not at start

        return RegisterRequest(
            hardware_id=config.hardware_id,
            name=config.name,
            site=config.site,
            software_version=SOFTWARE_VERSION,
            pairing_code=config.pairing_code or None,
            region_code=config.region_code or None,
            address=config.address,
            latitude=config.gps[0] if config.gps else None,
            longitude=config.gps[1] if config.gps else None,
            opening_hours=config.opening_hours,
            help_phone=config.help_phone,
        )

    enroller = Enroller(enroller_store, client, register_request, config.controller_url)
    station = Station(
        kiosk_id=lambda: enroller.ensure().kiosk_id,
        name=config.name,
        controller_url=config.controller_url,
        timezone=ZoneInfo(config.timezone),
        wall=wall_now,
    )
    # The sync loop reports the service's heartbeat and the service asks the loop whether
    # the controller was reached: each refers to the other through a late-bound lambda.
    # The shipped catalog, or the controller's target applied to it (kept on disk).
    target = TargetKeeper(
        config.data_dir / "target.json",
        builtin_files(),
        fetch=lambda: client.target(enroller.ensure().device_token),
        send=lambda report: client.send_target_report(report, enroller.ensure().device_token),
        apply=lambda new, phone: service.replace_catalog(new, phone),
        # Validated once per change of the files or the code, not on every start.
        parse=CatalogCache(config.data_dir / "catalog-cache").parse,
    )
    catalog = target.catalog
    commands = CommandRunner(
        CommandBook(config.data_dir / "commands.db"), busy=lambda: service.busy
    )
    updater: Updater | None = None
    if takes_updates(config.data_dir):
        # Imported here, as the provisioning side below: the updater and the release checks
        # behind it load only on a kiosk that takes updates.
        from kiosk.updater import build_updater

        updater = build_updater(
            config.data_dir,
            client,
            lambda: enroller.ensure().device_token,
            clock=monotonic,
            fallback_version=SOFTWARE_VERSION,
        )

    def status() -> Heartbeat:
        beat = service.heartbeat()
        if updater is None:
            return beat
        # The version that runs is the release folder's; the answer may offer a release.
        changes = {
            "software_version": updater.running_version,
            "capabilities": beat.capabilities | {CAPABILITY_UPDATES},
        }
        return beat.model_copy(update=changes)

    sync = SyncLoop(
        outbox,
        client,
        enroller,
        status=status,
        catalog=lambda: target.catalog,
        now=wall_now,
        clock=monotonic,
        pace=config.sync.drain_rows_per_second,
        commands=commands,
        on_ack=updater.heartbeat_answered if updater is not None else None,
        target=target,
    )

    content_store = ContentStore(
        config.data_dir / "content.db", now=wall_now, max_age_hours=config.content.max_age_hours
    )
    content = ContentRefresher(
        content_store,
        lambda source, filters: client.content(source, filters, enroller.ensure().device_token),
        fetch_plans(catalog),
        refresh_seconds=config.content.refresh_seconds,
        # The days it keeps (slots from "tomorrow") are the station's, as the forms' are.
        today=lambda: station.now().date(),
    )

    def actions_for(flow: Flow) -> RunActions:
        from kiosk.actions import RunActions  # its parts load with the first visit

        return RunActions(
            flow,
            station,
            reader=hardware.reader,
            social=hardware.social,
            social_reader_name=config.social_card_reader.reader or None,
            printer=hardware.printer,
            outbox=outbox,
            controller=client,
            token=lambda: enroller.ensure().device_token,
            content_store=content_store,
            # An open circuit: the controller is known to be away, so lists come from the
            # kept copy at once instead of after a timeout.
            reachable=lambda: not sync.circuit.is_open,
            on_submitted=sync.wake,
        )

    def queue_staff_call(call: StaffCallIn) -> None:
        outbox.add_staff_call(call)  # on disk first: a call survives a network gone
        sync.wake()

    # A local read: often, so the first refresh shows in the loop within a minute.
    attract = AttractContent(
        lambda: target.catalog,
        lambda source: content_store.items(source).items,
        refresh_seconds=60.0,
    )
    # Between visits it wakes the attract loop; on an identity chooser a card picks its method.
    card_watch = CardWatch(
        card_probes(hardware), idle=lambda: not service.busy, choosing=lambda: service.choosing()
    )
    employers = EmployerList(None, lambda: "", store=content_store)
    starts = StartLog(config.data_dir / "starts.json", clock=clock)
    vitals = VitalSigns(
        outbox,
        config.data_dir,
        catalog_version=lambda: target.catalog.version,
        config_version=config.config_version,
        clock_skew=lambda: sync.clock_skew,
        monotonic=monotonic,
    )
    service = KioskService(
        catalog=catalog,
        station=station,
        devices=hardware.devices,
        actions_for=actions_for,
        online=lambda: sync.online,
        outbox_pending=sync.pending,
        services=config.services,
        walk_away_seconds=config.camera.walk_away_seconds,
        # The camera opens after the menu's first frame (Kiosk.start_rest).
        citizen_absent_for=lambda: (
            hardware.presence.absent_for() if hardware.presence is not None else None
        ),
        starts_last_hour=starts.within_last_hour,
        help_contacts=HelpContacts(config.help_phone, config.hotline),
        staff_calls=queue_staff_call,
        enrollment_block=lambda: enrollment_block(enroller),
        attract=attract.cards,
        employers=employers.current,
        vitals=vitals.read,
        waiting=outbox.waiting,
        card_presented=card_watch.presented,
        card_watch=card_watch,
        devices_ready=hardware.wait_started,
    )
    service.replace_catalog(target.catalog, target.help_phone)  # the target's help phone
    add_standard_handlers(
        commands,
        set_out_of_service=service.set_out_of_service,
        checks=lambda: _device_checks(hardware, enroller_store),
        log_lines=log_lines,
    )
    side = None
    if config.provisioning.enabled:
        # Imported here: the provisioning side (zeroconf, its local API) is a sixth of the
        # kiosk's imports, and a kiosk without [provisioning] never needs it.
        from kiosk.provisioning_rig import build_provisioning, pairing_view

        side = build_provisioning(
            config,
            hardware,
            software_version=SOFTWARE_VERSION,
            # An unprovisioned kiosk serves nobody; its screen shows the pairing code.
            show=lambda words: service.set_out_of_service(True, words),
        )
        # The touchscreen's pairing screen (code, QR, time left) in place of those words.
        service.pairing_source = partial(pairing_view, side, config)

    def find_voice() -> Speech:
        # Imported here, on the start's thread behind the first frame: the synthesiser, its
        # text rules and the worker are no part of the menu.
        from kiosk.speech.choice import build_speech

        return build_speech(config.voice, config.voice_clips_dir)

    speech = SpeechBehind(find_voice, enabled=config.voice.enabled)
    return Kiosk(
        config,
        hardware,
        outbox,
        client,
        enroller,
        sync,
        station,
        service,
        starts,
        speech,
        provisioning=side,
        attract=attract,
        commands=commands,
        content_store=content_store,
        content=content,
        updater=updater,
        target=target,
        card_watch=card_watch,
    )
