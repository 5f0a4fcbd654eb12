"""The kiosk as the touchscreen sees it: the menu, citizens' runs, and how the kiosk feels.

`KioskService` implements the UI's port (kiosk/ports.py `KioskPort`). It is handed its
parts by the composition root and builds none of them: the catalog, the device manager,
the station facts, a factory for the actions of one run, and whether the controller was
reached lately.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence

from drivers.manager import DeviceManager, Health
from flows import Catalog, Flow, FlowRun, RunRecord
from kiosk.actions import UNSUPPORTED, RunActions, Station
from kiosk.employers import Employer
from kiosk.health import heartbeat_devices
from wire import DeviceKind, Heartbeat, KioskStatus

SOFTWARE_VERSION = "0.1.0"

# A device that works with a warning (paper near its end) still serves citizens.
_WORKING = (Health.OK, Health.DEGRADED)


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
        employers: Callable[[], Sequence[Employer]] = lambda: [],
    ) -> None:
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
        self._employers = employers
        self._runs: dict[int, RunActions] = {}
        self._lock = threading.Lock()

    # KioskPort
    @property
    def catalog(self) -> Sequence[Flow]:
        """The services on the menu now: open at this hour, with the devices they need."""
        offered = self._catalog.offered(self.now(), self.devices_available())
        wanted = self._services
        return [s.flow for s in offered if not wanted or s.flow.id in wanted]

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
        if actions is not None:
            actions.cancelled.set()
        run.abort()

    def employers(self) -> Sequence[Employer]:
        """The employer list kept from the controller ([] offline: free entry only)."""
        return self._employers()

    # The rest of the kiosk
    def devices_available(self) -> set[DeviceKind]:
        """Device kinds that work now; a flow falls back for the others."""
        health = self._devices.health()
        return {DeviceKind(kind) for kind, s in health.items() if s.health in _WORKING}

    @property
    def busy(self) -> bool:
        """True while a citizen's run is open."""
        with self._lock:
            return bool(self._runs)

    def heartbeat(self) -> Heartbeat:
        """How this kiosk feels right now, for the controller."""
        return Heartbeat(
            sent_at=dt.datetime.now(dt.UTC),
            status=KioskStatus.IN_SESSION if self.busy else KioskStatus.IDLE,
            software_version=SOFTWARE_VERSION,
            devices=heartbeat_devices(self._devices),
            outbox_pending=self._outbox_pending(),
            starts_last_hour=self._starts_last_hour(),
        )

    def _run(self, flow: Flow, lang: str, record: RunRecord | None = None) -> FlowRun:
        actions = self._actions_for(flow)
        run = FlowRun(
            flow,
            actions.bound(),
            guards={"controller_online": lambda session: self._online()},
            devices_available=self.devices_available(),
            lang=lang,
            record=record,
            unsupported=UNSUPPORTED,
        )
        with self._lock:
            self._runs[id(run)] = actions
        return run
