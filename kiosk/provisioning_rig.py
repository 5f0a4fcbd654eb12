"""Assembles the kiosk's provisioning side: pairing gate, local API, LAN advertiser.

Kept out of kiosk/composition.py, which calls `build_provisioning` and starts and stops
what it returns. The pairing code is printed on the receipt printer with a QR of it and
offered to the touchscreen through `notice()` (the maintenance screen shows it).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.camera import CameraUnavailable, SourceState, decode_qr
from drivers.idcard import NoCard as NoIdCard
from drivers.idcard import ReaderUnavailable
from drivers.idcard.card import DOCUMENT_TYPES
from drivers.manager import Health
from drivers.printer import Cut, Line, QrCode, Receipt, Title
from drivers.selftest import Check
from drivers.socialcard import NoCard as NoSocialCard
from drivers.socialcard import NoReader as NoSocialCardReader
from drivers.socialcard.ssse import mask_card_number
from kiosk.advertising import Advertiser, Announcement
from kiosk.config_model import KioskConfig
from kiosk.controller_client import ControllerClient, ControllerError
from kiosk.enrollment import EnrollmentStore
from kiosk.hardware import Hardware
from kiosk.pairing import PairingGate, PairingNotice
from kiosk.ports import PairingView
from kiosk.provisioning import UNPROVISIONED, DeviceCheck, KioskProvisioning, Prompter
from kiosk.provisioning_api import ProvisioningApi
from wire.vocabulary import DeviceKind

log = logging.getLogger(__name__)

_GOOD = (Health.OK, Health.DEGRADED)


def _timed(device: str, work: Callable[[], tuple[bool, str]]) -> DeviceCheck:
    """`work` as a check: timed, and a device fault it raises is a failed check."""

    def check() -> Check:
        started = time.monotonic()
        try:
            ok, detail = work()
        except Exception as err:  # noqa: BLE001 - a device fault is a failed check
            ok, detail = False, f"{type(err).__name__}: {err}"
        return Check(device, ok, detail, int((time.monotonic() - started) * 1000))

    return check


def _named(
    hardware: Hardware, enrollments: EnrollmentStore, qr: str
) -> list[tuple[str, DeviceCheck]]:
    """A test receipt (with a QR code of `qr`), every configured device's probe through the
    open drivers, and a round trip to the controller, each with its name."""

    def test_receipt() -> tuple[bool, str]:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        receipt = Receipt(
            job_id=f"selftest-{stamp}",
            blocks=(Title("打印自检"), Line("Printer self-test"), Line(stamp), QrCode(qr), Cut()),
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

    named = [("receipt_printer.print", test_receipt)]
    named += [(str(kind), probe(kind)) for kind in hardware.devices.expected]
    named.append(("controller", controller))
    return [(name, _timed(name, work)) for name, work in named]


def device_checks(hardware: Hardware, enrollments: EnrollmentStore) -> list[DeviceCheck]:
    """The unattended self-test (a remote command): a test receipt, every configured
    device's probe and a round trip to the controller; nobody is asked to lay a card."""
    return [check for _, check in _named(hardware, enrollments, "e-station self-test")]


# What the technician is asked for, in both languages: the CLI shows it beside the bar.
LAY_ID_CARD = "请将身份证放在读卡区 Lay an ID card on the reader"
INSERT_SOCIAL_CARD = "请插入社保卡 Insert a social security card"
SHOW_QR = "请将自检小票上的二维码对准摄像头 Show the test receipt's QR code to the camera"
# How long one driver call waits before the check looks at the clock and reports again.
_POLL = 0.3
# A camera that gives no frame for this long while the check waits is reported missing.
_NO_PICTURE = 5.0


def technician_checks(
    hardware: Hardware, enrollments: EnrollmentStore, prompt: Prompter, wait: float
) -> list[tuple[str, DeviceCheck]]:
    """The installation self-test: the unattended checks, then an ID card, a social
    security card and a QR code the technician shows, each waited for up to `wait` s with
    `prompt` told what is awaited; the controller's round trip last.

    What a card holds is reported masked (number and name), never in clear.
    """
    qr = f"e-station self-test {hardware.config.hardware_id} {secrets.token_hex(4)}"
    named = _named(hardware, enrollments, qr)
    controller = named.pop()

    def waiting(
        text: str, missing: str, read: Callable[[float], tuple[bool, str] | None]
    ) -> Callable[[], tuple[bool, str]]:
        """Ask the technician for `text`, polling `read(seconds)` until it answers."""

        def work() -> tuple[bool, str]:
            deadline = time.monotonic() + wait
            while (left := deadline - time.monotonic()) > 0:
                prompt(text, left)
                answer = read(min(_POLL, left))
                if answer is not None:
                    return answer
            prompt(text, 0.0)
            return False, f"{missing} in {wait:.0f} s"

        return work

    def read_id_card(seconds: float) -> tuple[bool, str] | None:
        reader = hardware.reader
        if reader is None:
            raise ReaderUnavailable(f"the ID card reader at {hardware.reader_url()} is not started")
        try:
            card = reader.read_card(wait=seconds)
        except NoIdCard:
            return None
        try:
            kind = DOCUMENT_TYPES[card.card_type].value
            return True, f"{kind} read: {card.id_number.masked()} {card.name.masked()}"
        finally:
            card.wipe()

    def read_social_card(seconds: float) -> tuple[bool, str] | None:
        social = hardware.social
        if social is None:
            raise NoSocialCardReader("the social security card reader is not available (PC/SC)")
        name = hardware.config.social_card_reader.reader or None
        try:
            card = social.read_card(reader_name=name, timeout=seconds)
        except NoSocialCard:
            return None
        try:
            number = mask_card_number(card.card_number)
            return True, f"card {number} read: {card.id_number.masked()} {card.name.masked()}"
        finally:
            card.wipe()

    seq, picture_at = 0, time.monotonic()  # the last frame seen, and when

    def read_qr(seconds: float) -> tuple[bool, str] | None:
        nonlocal seq, picture_at
        presence = hardware.presence
        if presence is None:
            raise CameraUnavailable("the camera is not started")
        frame = presence.wait_frame(seq, timeout=seconds)
        if frame is None:
            health = presence.health()
            stalled = time.monotonic() - picture_at > _NO_PICTURE
            if health.state is SourceState.FAULTED or stalled:
                where = hardware.config.camera.source
                raise CameraUnavailable(
                    f"no picture from {where}: {health.reason or health.state.value}"
                )
            return None
        seq, picture_at = frame.seq, time.monotonic()
        found = decode_qr(frame.image)
        if not found:
            return None
        ours = any(code.text == qr for code in found)
        # A QR code may carry anything (a citizen's data): its size only, never its text.
        what = "the test receipt's code" if ours else f"a code of {len(found[0].payload)} bytes"
        return True, f"QR code decoded: {what}"

    def camera_qr() -> tuple[bool, str]:
        nonlocal picture_at
        picture_at = time.monotonic()  # the wait for a picture starts with the check
        return waiting(SHOW_QR, "no QR code was seen by the camera", read_qr)()

    def id_card() -> tuple[bool, str]:
        if hardware.reader is not None:
            hardware.reader.forget()  # the card laid last time counts as laid again
        return waiting(LAY_ID_CARD, "no ID card was laid on the reader", read_id_card)()

    interactive: list[tuple[str, Callable[[], tuple[bool, str]]]] = [
        ("id_card_reader.read", id_card)
    ]
    if hardware.config.social_card_reader.kind != "none":
        interactive.append(
            (
                "social_card_reader.read",
                waiting(
                    INSERT_SOCIAL_CARD, "no social security card was inserted", read_social_card
                ),
            )
        )
    if hardware.config.camera.kind != "none":
        interactive.append(("camera.qr", camera_qr))
    return [*named, *((n, _timed(n, w)) for n, w in interactive), controller]


# How often the kiosk looks whether pairing opened (maintenance mode entered).
_WATCH_SECONDS = 1.0


def screen_words(notice: PairingNotice | None, serial: str) -> str:
    """What an unprovisioned kiosk's screen says: waiting for a technician, and the code."""
    if notice is None:
        return (
            "本机尚未安装，配对暂时锁定，请稍后再试。"
            f" Not installed yet: pairing is locked for a few minutes. 序列号 Serial {serial}"
        )
    return (
        f"本机尚未安装，等待技术人员配对。配对码 {notice.shown}"
        f" · Not installed yet, waiting for a technician. Pairing code {notice.shown}"
        f" · 序列号 Serial {serial}"
    )


@dataclass
class ProvisioningSide:
    """The pairing gate, the API and the advertiser of one kiosk."""

    gate: PairingGate
    provisioning: KioskProvisioning
    api: ProvisioningApi
    advertiser: Advertiser | None
    _stop: threading.Event = field(default_factory=threading.Event)
    _watcher: threading.Thread | None = None

    def _watch(self) -> None:
        """Offer a code (screen and printer) each time pairing opens: at start while
        unprovisioned, and whenever a technician enters maintenance mode."""
        was_open = False
        while True:
            now_open = self.api.is_open()
            if now_open and not was_open:
                self.gate.notice()
            was_open = now_open
            if self._stop.wait(_WATCH_SECONDS):
                return

    def notice(self) -> PairingNotice | None:
        """The pairing code to show while the API is open (None otherwise)."""
        return self.gate.notice() if self.api.is_open() else None

    def restart_due(self) -> bool:
        """True when the kiosk should restart into what a technician just did (enrolled
        it, or reset it to the factory state)."""
        return self.provisioning.restart_due()

    def start(self) -> None:
        """Serve the API, announce the kiosk, print the first code if pairing is open."""
        self.api.start()
        if self.advertiser is not None:
            self.advertiser.start()
        self.notice()
        self._watcher = threading.Thread(target=self._watch, name="pairing-watch", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """Unannounce, stop serving."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(5)
        if self.advertiser is not None:
            self.advertiser.stop()
        self.api.stop()


def pairing_view(
    side: ProvisioningSide, config: KioskConfig, clock: Callable[[], float] = time.monotonic
) -> PairingView | None:
    """The touchscreen's pairing screen: while unprovisioned with a code on offer, else None
    (locked out: the out-of-service words say so). The QR carries what the printed one does.

    `clock` must be the gate's (monotonic) clock: the code's expiry is on it."""
    if side.provisioning.state() != UNPROVISIONED:
        return None
    notice = side.notice()  # an expired code is replaced (and printed) here
    if notice is None:
        return None
    return PairingView(
        code_shown=notice.shown,
        qr_payload=notice.code,
        seconds_left=max(0.0, notice.expires_at - clock()),
        controller_url=config.controller_url,
        station_name=side.provisioning.station_name() or config.name,
        serial=config.hardware_id,
    )


def build_provisioning(
    config: KioskConfig,
    hardware: Hardware,
    *,
    software_version: str,
    maintenance: Callable[[], bool] = lambda: False,
    show: Callable[[str], None] | None = None,
) -> ProvisioningSide:
    """The provisioning side of the kiosk described by `config`, not yet started.

    `show(words)`: puts the words on the kiosk's screen in place of the menu; an
    unprovisioned kiosk shows its pairing code there (printed too) and serves nobody."""
    settings = config.provisioning
    advertiser: Advertiser | None = None

    def on_state(state: str, name: str) -> None:
        if advertiser is not None:
            advertiser.update(state=state, name=name)

    def print_notice(notice: PairingNotice | None) -> None:
        if show is not None and provisioning.state() == UNPROVISIONED:
            show(screen_words(notice, config.hardware_id))
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
        checks=lambda prompt, wait: technician_checks(hardware, enrollments, prompt, wait),
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
