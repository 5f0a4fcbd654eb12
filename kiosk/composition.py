"""The composition root: `build_kiosk(config)` assembles the kiosk, and nothing else does.

It only assembles. Which devices are real or simulated is kiosk/hardware.py's choice; what
the touchscreen can ask of the kiosk is kiosk/service.py; what each flow action does is
kiosk/actions/. The development tools (devkit/) build a kiosk through this function too, and
reach the simulators through `Kiosk.hardware.simulators`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flows import Flow, load_builtin_catalog
from kiosk.actions import RunActions, Station
from kiosk.config import KioskConfig
from kiosk.controller_client import ControllerClient, ControllerError
from kiosk.employers import EmployerList
from kiosk.enrollment import EnrollmentStore
from kiosk.hardware import Hardware, Simulators
from kiosk.outbox import Outbox
from kiosk.service import SOFTWARE_VERSION, KioskService
from kiosk.starts import StartLog
from kiosk.sync import Enroller, SyncLoop
from pii import Sealer
from wire import RegisterRequest

log = logging.getLogger(__name__)


@dataclass
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

    @property
    def simulators(self) -> Simulators:
        """The simulated devices standing in for real ones (devkit and tests lay cards)."""
        return self.hardware.simulators

    def start(self, *, sync: bool = True) -> None:
        """Open devices, enroll if needed (offline start is fine once enrolled), start syncing."""
        self.starts.record()
        self.hardware.start()
        try:
            self.enroller.ensure()
        except ControllerError as err:
            log.warning("controller not reachable at start: %s", err)
        self.hardware.devices.scan_once()
        if sync:
            self.hardware.devices.start(interval=5.0)
            self.sync.start()

    def close(self) -> None:
        """Stop syncing and release devices."""
        self.sync.stop()
        self.hardware.close()
        self.client.close()
        self.outbox.close()


def build_kiosk(config: KioskConfig, *, clock: Callable[[], float] = time.time) -> Kiosk:
    """The kiosk described by `config`, assembled and not yet started."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    sealer = Sealer.from_key_file(config.data_dir / "keys" / "outbox.key")
    # Wall-clock time: retry times are stored on disk and must survive a reboot.
    outbox = Outbox(config.data_dir / "outbox.db", sealer, clock=clock)
    hardware = Hardware(config)
    client = ControllerClient(config.controller_url)
    enroller = Enroller(
        EnrollmentStore(config.data_dir / "enrollment.json"),
        client,
        RegisterRequest(
            hardware_id=config.hardware_id,
            name=config.name,
            site=config.site,
            software_version=SOFTWARE_VERSION,
            pairing_code=config.pairing_code or None,
        ),
        config.controller_url,
    )
    station = Station(
        kiosk_id=lambda: enroller.ensure().kiosk_id,
        name=config.name,
        controller_url=config.controller_url,
        timezone=ZoneInfo(config.timezone),
    )
    # The sync loop reports the service's heartbeat and the service asks the loop whether
    # the controller was reached: each refers to the other through a late-bound lambda.
    catalog = load_builtin_catalog()
    sync = SyncLoop(
        outbox, client, enroller, status=lambda: service.heartbeat(), catalog=lambda: catalog
    )

    def actions_for(flow: Flow) -> RunActions:
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
            on_submitted=sync.wake,
        )

    presence = hardware.presence
    employers = EmployerList(client, lambda: enroller.ensure().device_token)
    starts = StartLog(config.data_dir / "starts.json", clock=clock)
    service = KioskService(
        catalog=catalog,
        station=station,
        devices=hardware.devices,
        actions_for=actions_for,
        online=lambda: sync.online,
        outbox_pending=sync.pending,
        services=config.services,
        walk_away_seconds=config.camera.walk_away_seconds,
        citizen_absent_for=presence.absent_for if presence is not None else lambda: None,
        starts_last_hour=starts.within_last_hour,
        employers=employers.current,
    )
    return Kiosk(config, hardware, outbox, client, enroller, sync, station, service, starts)
