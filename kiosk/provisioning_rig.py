"""Assembles the kiosk's provisioning side: pairing gate, local API, LAN advertiser.

Kept out of kiosk/composition.py, which calls `build_provisioning` and starts and stops
what it returns. The pairing code is printed on the receipt printer with a QR of it and
offered to the touchscreen through `notice()` (the maintenance screen shows it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from drivers.manager import Health
from drivers.printer import Cut, Line, QrCode, Receipt, Title
from drivers.selftest import Check
from kiosk.advertising import Advertiser, Announcement
from kiosk.config import KioskConfig
from kiosk.controller_client import ControllerClient, ControllerError
from kiosk.enrollment import EnrollmentStore
from kiosk.hardware import Hardware
from kiosk.pairing import PairingGate, PairingNotice
from kiosk.provisioning import DeviceCheck, KioskProvisioning
from kiosk.provisioning_api import ProvisioningApi
from wire.vocabulary import DeviceKind

log = logging.getLogger(__name__)

_GOOD = (Health.OK, Health.DEGRADED)


def device_checks(hardware: Hardware, enrollments: EnrollmentStore) -> list[DeviceCheck]:
    """The self-test on a running kiosk: a test receipt, every configured device's probe
    through the open drivers, and a round trip to the controller."""

    def timed(device: str, work: Callable[[], tuple[bool, str]]) -> DeviceCheck:
        def check() -> Check:
            started = time.monotonic()
            try:
                ok, detail = work()
            except Exception as err:  # noqa: BLE001 - a device fault is a failed check
                ok, detail = False, f"{type(err).__name__}: {err}"
            return Check(device, ok, detail, int((time.monotonic() - started) * 1000))

        return check

    def test_receipt() -> tuple[bool, str]:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        receipt = Receipt(
            job_id=f"selftest-{stamp}",
            blocks=(Title("打印自检"), Line("Printer self-test"), Line(stamp), Cut()),
        )
        hardware.printer.print(receipt, f"selftest-{int(time.time())}")
        return True, "test receipt printed"

    config = hardware.config
    # Where each device was configured to be, so a missing one is named by its place.
    configured = {
        DeviceKind.ID_CARD_READER: hardware.reader_url(),
        DeviceKind.RECEIPT_PRINTER: config.receipt_printer.path,
        DeviceKind.CAMERA: config.camera.source,
        DeviceKind.SOCIAL_CARD_READER: config.social_card_reader.reader or "any PC/SC reader",
    }

    def probe(kind: str) -> Callable[[], tuple[bool, str]]:
        def work() -> tuple[bool, str]:
            hardware.devices.scan_once()
            status = hardware.devices.health()[kind]
            place = status.address or configured.get(DeviceKind(kind), "")
            where = f" at {place}" if place else ""
            facts = ", ".join(x for x in (status.reason, status.identity) if x)
            return status.health in _GOOD, f"{status.health.value}{where}: {facts or 'no detail'}"

        return work

    def controller() -> tuple[bool, str]:
        enrollment = enrollments.load()
        if enrollment is None:
            return False, "not enrolled: no controller to reach"
        client = ControllerClient(enrollment.controller_url, timeout=5.0)
        try:
            status = client.enrollment_status(enrollment.device_token)
        except ControllerError as err:
            return False, f"{enrollment.controller_url}: {err}"
        finally:
            client.close()
        return True, f"{enrollment.controller_url}: kiosk {status.kiosk_id} {status.state.value}"

    checks = [timed("receipt_printer.print", test_receipt)]
    checks += [timed(str(kind), probe(kind)) for kind in hardware.devices.expected]
    checks.append(timed("controller", controller))
    return checks


@dataclass
class ProvisioningSide:
    """The pairing gate, the API and the advertiser of one kiosk."""

    gate: PairingGate
    provisioning: KioskProvisioning
    api: ProvisioningApi
    advertiser: Advertiser | None

    def notice(self) -> PairingNotice | None:
        """The pairing code to show while the API is open (None otherwise)."""
        return self.gate.notice() if self.api.is_open() else None

    def start(self) -> None:
        """Serve the API, announce the kiosk, print the first code if pairing is open."""
        self.api.start()
        if self.advertiser is not None:
            self.advertiser.start()
        self.notice()

    def stop(self) -> None:
        """Unannounce, stop serving."""
        if self.advertiser is not None:
            self.advertiser.stop()
        self.api.stop()


def build_provisioning(
    config: KioskConfig,
    hardware: Hardware,
    *,
    software_version: str,
    maintenance: Callable[[], bool] = lambda: False,
) -> ProvisioningSide:
    """The provisioning side of the kiosk described by `config`, not yet started."""
    settings = config.provisioning
    advertiser: Advertiser | None = None

    def on_state(state: str, name: str) -> None:
        if advertiser is not None:
            advertiser.update(state=state, name=name)

    def print_notice(notice: PairingNotice | None) -> None:
        if notice is None:
            return
        receipt = Receipt(
            job_id=f"pairing-{notice.code}",
            blocks=(
                Title("配对码 Pairing code"),
                Line(notice.shown),
                QrCode(notice.code),
                Line(f"序列号 Serial {config.hardware_id}"),
                Cut(),
            ),
        )
        try:
            hardware.printer.print(receipt, f"pairing-{notice.code}")
        except Exception as err:  # noqa: BLE001 - the screen shows the code anyway
            log.warning("pairing code not printed: %s", type(err).__name__)

    enrollments = EnrollmentStore(config.data_dir / "enrollment.json")
    provisioning = KioskProvisioning(
        serial=config.hardware_id,
        model=config.model,
        software_version=software_version,
        data_dir=config.data_dir,
        checks=lambda: device_checks(hardware, enrollments),
        on_state=on_state,
    )
    gate = PairingGate(on_notice=print_notice)
    api = ProvisioningApi(
        provisioning, gate, host=settings.host, port=settings.port, maintenance=maintenance
    )
    if settings.advertise:
        advertiser = Advertiser(
            Announcement(
                serial=config.hardware_id,
                model=config.model,
                version=software_version,
                state=provisioning.state(),
                name=provisioning.station_name() or config.name,
            ),
            api.port,
            addresses=list(settings.addresses) or None,
            allow_loopback=bool(settings.addresses),
        )
    return ProvisioningSide(gate, provisioning, api, advertiser)
