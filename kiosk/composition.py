"""The composition root: builds the kiosk from its configuration and nothing else does.

Real or simulated devices are chosen here, by configuration, so every other module is
the same on a bench and in a township hall.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

from drivers.camera import FrameSource
from drivers.camera.scenes import blank_scene, place, schematic_face
from drivers.camera.simulator import SimulatedCamera
from drivers.idcard import IdCardReader
from drivers.idcard.fixtures import fixture_by_name
from drivers.idcard.simulator import IdCardSimulator
from drivers.manager import Health
from drivers.printer import ReceiptPrinter, open_transport, profile_by_name
from drivers.printer.simulator import PrinterSimulator
from drivers.socialcard import SocialCardError, SocialCardReader
from drivers.socialcard.fixtures import FIXTURES as SOCIAL_FIXTURES
from drivers.socialcard.fixtures import fixture_by_name as social_fixture_by_name
from drivers.socialcard.service import ensure_pcscd
from drivers.socialcard.virtual_card import VirtualCard
from flows import Flow, FlowRun, load_builtin_catalog
from kiosk.actions import RunActions, Station
from kiosk.config import KioskConfig
from kiosk.controller_client import ControllerClient, ControllerError
from kiosk.enrollment import EnrollmentStore
from kiosk.health import CameraScanner, PrinterScanner, heartbeat_devices, kiosk_devices
from kiosk.outbox import Outbox
from kiosk.ports import CardTapper
from kiosk.presence import PresenceWatch
from kiosk.receipts import FolderOutput, PrinterOutput, ReceiptOutput
from kiosk.sync import Enroller, SyncLoop
from pii import Sealer
from wire import DeviceKind, Heartbeat, KioskStatus, RegisterRequest

log = logging.getLogger(__name__)

SOFTWARE_VERSION = "0.1.0"


class SimulatedCardTapper:
    """Puts the simulator's fixture cards on the simulated reader (demo and tests)."""

    def __init__(self, simulator: IdCardSimulator) -> None:
        self._sim = simulator

    def card_names(self) -> Sequence[str]:
        """Names printed on the synthetic cards."""
        return [card.name for card in self._sim.cards]

    def present(self, name: str) -> None:
        """Lay the named card on the reader."""
        self._sim.present(fixture_by_name(name))

    def remove(self) -> None:
        """Take the card away."""
        self._sim.remove()


class SimulatedSocialCardTapper:
    """Inserts the virtual social security cards into vpcd's reader (demo and tests)."""

    def __init__(self) -> None:
        self._card: VirtualCard | None = None

    def card_names(self) -> Sequence[str]:
        """Names of the synthetic cardholders."""
        return [holder.name for holder in SOCIAL_FIXTURES]

    def present(self, name: str) -> None:
        """Insert the named holder's card (taking out any card already in)."""
        self.remove()
        self._card = VirtualCard(social_fixture_by_name(name))
        self._card.insert()

    def remove(self) -> None:
        """Take the card out."""
        card, self._card = self._card, None
        if card is not None:
            card.remove()


class Kiosk:
    """The assembled kiosk; satisfies kiosk.ports.KioskPort for the UI."""

    def __init__(self, config: KioskConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        sealer = Sealer.from_key_file(config.data_dir / "keys" / "outbox.key")
        # Wall-clock time: retry times are stored on disk and must survive a reboot.
        self.outbox = Outbox(config.data_dir / "outbox.db", sealer, clock=clock)
        self.simulator = IdCardSimulator() if config.idcard.kind == "simulator" else None
        self._tapper = SimulatedCardTapper(self.simulator) if self.simulator else None
        self.reader: IdCardReader | None = None
        self.social: SocialCardReader | None = None
        self._pcscd: subprocess.Popen[bytes] | None = None
        self._social_tapper = (
            SimulatedSocialCardTapper() if config.socialcard.kind == "simulator" else None
        )
        self.printer_simulator: PrinterSimulator | None = None
        self.printer = self._make_printer()
        self.client = ControllerClient(config.controller_url)
        self.enroller = Enroller(
            EnrollmentStore(config.data_dir / "enrollment.json"),
            self.client,
            RegisterRequest(
                hardware_id=config.hardware_id,
                name=config.name,
                site=config.site,
                software_version=SOFTWARE_VERSION,
                enrollment_token=config.enrollment_token,
            ),
            config.controller_url,
        )
        self.sync = SyncLoop(
            self.outbox,
            self.client,
            self.enroller,
            status=self.heartbeat,
            catalog=lambda: self._catalog,
        )
        self.station = Station(
            kiosk_id=lambda: self.enroller.ensure().kiosk_id,
            name=config.name,
            controller_url=config.controller_url,
            timezone=ZoneInfo(config.timezone),
        )
        self.camera_simulator: SimulatedCamera | None = None
        self._camera_spec = config.camera.source
        self.presence = self._make_presence()
        self.devices = kiosk_devices(
            reader_url=lambda: self.simulator.url if self.simulator else config.idcard.url,
            reader=lambda: self.reader,
            printer_path=config.receipt_dir,
            printer=PrinterScanner(config.printer.path, self.printer.printer)
            if isinstance(self.printer, PrinterOutput)
            else None,
            social_reader=None if config.socialcard.kind == "none" else config.socialcard.reader,
            camera=CameraScanner(self._camera_spec, self.presence) if self.presence else None,
        )
        self._catalog = load_builtin_catalog()
        self._runs: dict[int, RunActions] = {}
        self._lock = threading.Lock()

    def _make_presence(self) -> PresenceWatch | None:
        camera = self.config.camera
        if camera.kind == "none":
            return None
        spec: int | str = int(camera.source) if camera.source.isdigit() else camera.source
        if camera.kind == "simulator":
            # A synthetic citizen standing in front; the demo can make them walk away.
            citizen = place(schematic_face(180), blank_scene(seed=1))
            self.camera_simulator = SimulatedCamera(
                [citizen], fps=10, directory=self.config.data_dir / "camera"
            )
            spec = self.camera_simulator.spec
        # What the device manager watches: the simulator's files, not the configured index.
        self._camera_spec = str(spec)
        return PresenceWatch(lambda **options: FrameSource(spec, fps=10, **options))

    def citizen_absent_for(self) -> float | None:
        """Seconds since the camera last saw someone in front; None when it cannot tell."""
        return self.presence.absent_for() if self.presence is not None else None

    @property
    def walk_away_seconds(self) -> float:
        """A session ends when nobody has been in front this long."""
        return self.config.camera.walk_away_seconds

    def _make_printer(self) -> ReceiptOutput:
        profile = profile_by_name(self.config.printer.profile)
        if self.config.printer.kind == "file":
            return FolderOutput(
                self.config.receipt_dir, profile, preview=self.config.printer.preview
            )
        # `path` is a transport URL: /dev/usb/lp0, serial:/dev/ttyS1?baud=19200, tcp://host:9100
        url = self.config.printer.path
        if self.config.printer.kind == "simulator":
            # A printer on a pty that answers DLE EOT and draws each receipt it cuts as a
            # PNG in the receipt folder. Started here: the transport needs its port name.
            self.printer_simulator = PrinterSimulator(self.config.receipt_dir, profile)
            self.printer_simulator.start()
            url = f"serial:{self.printer_simulator.url}"
        return PrinterOutput(
            ReceiptPrinter(
                open_transport(url),
                profile,
                journal_dir=self.config.data_dir / "printer",
            )
        )

    # KioskPort
    @property
    def catalog(self) -> Sequence[Flow]:
        """The services on the menu now: open at this hour, with the devices they need."""
        now = dt.datetime.now(self.station.timezone)
        offered = self._catalog.offered(now, self.devices_available())
        wanted = self.config.services
        return [s.flow for s in offered if not wanted or s.flow.id in wanted]

    @property
    def card_tapper(self) -> CardTapper | None:
        """The simulated reader's card tray, when the reader is simulated."""
        return self._tapper

    @property
    def social_card_tapper(self) -> CardTapper | None:
        """The virtual social security cards, when the social card reader is simulated."""
        return self._social_tapper

    @property
    def station_name(self) -> str:
        """This station's name."""
        return self.config.name

    def new_run(self, flow_id: str, lang: str) -> FlowRun:
        """Start a citizen's run of `flow_id` with actions bound to this kiosk's devices."""
        return self._run(self._catalog.flow(flow_id), lang)

    def new_follow_on_run(self, flow_id: str, lang: str, public: Mapping[str, str]) -> FlowRun:
        """Start the flow that follows a transaction (the rating), with what it hands over."""
        run = self._run(self._catalog.flow(flow_id), lang)
        run.session.public.update(public)
        return run

    def _run(self, flow: Flow, lang: str) -> FlowRun:
        actions = RunActions(
            flow,
            self.station,
            reader=self.reader,
            social=self.social,
            social_reader_name=self.config.socialcard.reader or None,
            printer=self.printer,
            outbox=self.outbox,
            controller=self.client,
            token=lambda: self.enroller.ensure().device_token,
            on_submitted=self.sync.wake,
        )
        run = FlowRun(
            flow,
            actions.bound(),
            guards={"controller_online": lambda session: self.sync.online},
            devices_available=self.devices_available(),
            lang=lang,
        )
        with self._lock:
            self._runs[id(run)] = actions
        return run

    def end_run(self, run: FlowRun) -> None:
        """Stop the run's device work and wipe what is left of it."""
        with self._lock:
            actions = self._runs.pop(id(run), None)
        if actions is not None:
            actions.cancelled.set()
        run.abort()

    def devices_available(self) -> set[DeviceKind]:
        """Flow device names whose device works now; a flow falls back for the others."""
        health = self.devices.health()
        working = {k for k, s in health.items() if s.health in (Health.OK, Health.DEGRADED)}
        return {DeviceKind(k) for k in working} - {DeviceKind.CAMERA}

    # Life cycle
    def start(self, *, sync: bool = True) -> None:
        """Open devices, enroll if needed (offline start is fine once enrolled), start syncing."""
        if self.simulator is not None:
            self.simulator.start()
        url = self.simulator.url if self.simulator else self.config.idcard.url
        self.reader = IdCardReader(url, baudrate=self.config.idcard.baudrate)
        try:
            self.reader.open()
        except Exception as err:  # an absent reader is a health state, not a crash
            log.error("id card reader not available: %s", type(err).__name__)
        self._start_social_card()
        if self.presence is not None:
            self.presence.start()
        try:
            self.enroller.ensure()
        except ControllerError as err:
            log.warning("controller not reachable at start: %s", err)
        self.devices.scan_once()
        if sync:
            self.devices.start(interval=5.0)
            self.sync.start()

    def _start_social_card(self) -> None:
        kind = self.config.socialcard.kind
        if kind == "none":
            return
        if kind == "simulator":
            try:
                self._pcscd = ensure_pcscd(self.config.data_dir / "pcscd.log")
            except SocialCardError as err:
                log.error("social card simulator not available: %s", err)
                return
        self.social = SocialCardReader()

    def close(self) -> None:
        """Stop syncing and release devices."""
        self.sync.stop()
        self.devices.stop()
        if self._social_tapper is not None:
            self._social_tapper.remove()
        if self.printer_simulator is not None:
            self.printer_simulator.stop()
        if self.presence is not None:
            self.presence.stop()
        if self.camera_simulator is not None:
            self.camera_simulator.close()
        if self._pcscd is not None:
            self._pcscd.terminate()
            self._pcscd.wait(10)
        if self.reader is not None:
            self.reader.close()
        if self.simulator is not None:
            self.simulator.stop()
        self.client.close()
        self.outbox.close()

    def heartbeat(self) -> Heartbeat:
        """How this kiosk feels right now, for the controller."""
        devices = heartbeat_devices(self.devices)
        with self._lock:
            busy = bool(self._runs)
        return Heartbeat(
            sent_at=dt.datetime.now(dt.UTC),
            status=KioskStatus.IN_SESSION if busy else KioskStatus.IDLE,
            software_version=SOFTWARE_VERSION,
            devices=devices,
            outbox_pending=self.sync.pending(),
        )
