"""The one place that chooses real or simulated devices, by configuration.

Everything else in the kiosk is the same on a bench and in a township hall: it gets a
`Hardware` and uses its reader, social card reader, receipt output, presence watch and
device manager without knowing whether a simulator stands behind them. A simulator speaks
the real protocol over a real port (a pty, pcscd + vpcd, image files), so the drivers in
front of it are the production drivers. The simulators themselves are kept in
`Simulators`, for the development tools (devkit/) that lay cards on them.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drivers.idcard import IdCardReader
from drivers.idcard.simulator import IdCardSimulator
from drivers.manager import DeviceManager
from drivers.printer import ReceiptPrinter, open_transport, profile_by_name
from drivers.printer.simulator import PrinterSimulator
from kiosk.config_model import KioskConfig
from kiosk.health import CameraScanner, PrinterScanner, kiosk_devices
from kiosk.receipts import FolderOutput, PrinterOutput, ReceiptOutput

if TYPE_CHECKING:
    # OpenCV (33 MB of RSS, most of a second to import) loads only for a kiosk with a camera.
    from drivers.camera.simulator import SimulatedCamera
    from drivers.socialcard import SocialCardReader
    from kiosk.presence import PresenceWatch

log = logging.getLogger(__name__)


@dataclass
class Simulators:
    """The simulated devices standing in for real ones, where the configuration says so."""

    idcard: IdCardSimulator | None = None
    printer: PrinterSimulator | None = None
    camera: SimulatedCamera | None = None
    socialcard: bool = False  # vpcd's virtual reader: cards are inserted by devkit
    pcscd: subprocess.Popen[bytes] | None = None  # started for the virtual reader


class Hardware:
    """The kiosk's devices, opened by `start()` and released by `close()`."""

    def __init__(self, config: KioskConfig) -> None:
        self.config = config
        self.simulators = Simulators(
            idcard=IdCardSimulator() if config.id_card_reader.kind == "simulator" else None,
            socialcard=config.social_card_reader.kind == "simulator",
        )
        self.reader: IdCardReader | None = None
        self.social: SocialCardReader | None = None
        self._starting: threading.Thread | None = None  # `start_behind`
        self.printer = self._make_printer()
        # Opened by `open_camera()`, which the kiosk calls after the menu's first frame:
        # OpenCV and the simulator's clip are most of a second of a cold start.
        self.presence: PresenceWatch | None = None
        self._camera_spec = ""
        self._camera_lock = threading.Lock()
        printer, social = self.printer, config.social_card_reader
        self.devices: DeviceManager = kiosk_devices(
            reader_url=self.reader_url,
            reader=lambda: self.reader,
            printer_path=config.receipt_dir,
            printer=PrinterScanner(config.receipt_printer.path, printer.printer)
            if isinstance(printer, PrinterOutput)
            else None,
            social_reader=None if social.kind == "none" else social.reader,
            camera=CameraScanner(lambda: self._camera_spec, lambda: self.presence)
            if config.camera.kind != "none"
            else None,
        )

    def reader_url(self) -> str:
        """The ID card reader's pyserial URL: the simulator's pty, or the configured port."""
        sim = self.simulators.idcard
        return sim.url if sim is not None else self.config.id_card_reader.url

    def _make_presence(self) -> tuple[PresenceWatch, str]:
        """The presence watch and the source the device manager watches (not the index)."""
        camera = self.config.camera
        from drivers.camera import FrameSource
        from drivers.camera.scenes import blank_scene, place, schematic_face
        from drivers.camera.simulator import SimulatedCamera
        from kiosk.presence import PresenceWatch

        spec: int | str = int(camera.source) if camera.source.isdigit() else camera.source
        if camera.kind == "simulator":
            # A synthetic citizen standing in front; devkit can make them walk away. MJPG, as
            # a UVC camera sends: a PNG sequence cost 5 ms of a core to decode a frame.
            citizen = place(schematic_face(180), blank_scene(seed=1))
            self.simulators.camera = SimulatedCamera(
                [citizen], fmt="mjpg", fps=10, directory=self.config.data_dir / "camera"
            )
            spec = self.simulators.camera.spec
        source, rate = spec, camera.analyse_fps
        # Frames neither the presence analysis nor a QR check waits for are grabbed, not
        # decoded (drivers/camera/source.py); one a second keeps `latest()` recent.
        watch = PresenceWatch(
            lambda **options: FrameSource(source, fps=10, analyse_fps=rate, idle_fps=1.0, **options)
        )
        return watch, str(spec)

    def _make_printer(self) -> ReceiptOutput:
        config = self.config
        profile = profile_by_name(config.receipt_printer.profile)
        if config.receipt_printer.kind == "file":
            return FolderOutput(config.receipt_dir, profile, preview=config.receipt_printer.preview)
        # `path` is a transport URL: /dev/usb/lp0, serial:/dev/ttyS1?baud=19200, tcp://host:9100
        url = config.receipt_printer.path
        if config.receipt_printer.kind == "simulator":
            # A printer on a pty that answers DLE EOT and draws each receipt it cuts as a
            # PNG in the receipt folder. Started here: the transport needs its port name.
            self.simulators.printer = PrinterSimulator(config.receipt_dir, profile)
            self.simulators.printer.start()
            url = f"serial:{self.simulators.printer.url}"
        return PrinterOutput(
            ReceiptPrinter(open_transport(url), profile, journal_dir=config.data_dir / "printer")
        )

    def start(self, *, camera: bool = True) -> None:
        """Open the devices; one that is absent is a health state, never a crash.

        `camera`: False leaves the camera to a later `open_camera()`."""
        if self.simulators.idcard is not None:
            self.simulators.idcard.start()
        reader = self.config.id_card_reader
        self.reader = IdCardReader(
            self.reader_url(), baudrate=reader.baudrate, timeout=reader.timeout
        )
        try:
            self.reader.open()
        except Exception as err:  # an absent reader is a health state, not a crash
            log.error("id card reader not available: %s", type(err).__name__)
        self._start_social_card()
        if camera:
            self.open_camera()

    def start_behind(self) -> None:
        """`start(camera=False)` and a first device scan, on a thread of their own.

        Both wait on the devices' replies (the reader's SAM number, the printer's status:
        tens of milliseconds on a real serial line), which the kiosk spends setting its
        screen up meanwhile. Whatever needs a device waits for them first (`wait_started`:
        the menu's look at the devices, a visit, the rest of the start, `close`)."""

        def run() -> None:
            try:
                self.start(camera=False)
                self.devices.scan_once()
            except Exception:  # the top of a worker thread: logged, the scan says what is down
                log.exception("devices_start_failed")

        self._starting = threading.Thread(target=run, name="kiosk-devices", daemon=True)
        self._starting.start()

    def wait_started(self) -> None:
        """Return once `start_behind`'s opening and first scan are done (at once without)."""
        starting = self._starting
        if starting is not None and starting is not threading.current_thread():
            starting.join()

    def open_camera(self) -> None:
        """Make and start the presence watch, once (no camera configured: nothing)."""
        with self._camera_lock:
            if self.presence is not None or self.config.camera.kind == "none":
                return
            self.presence, self._camera_spec = self._make_presence()
            self.presence.start()

    def _start_social_card(self) -> None:
        kind = self.config.social_card_reader.kind
        if kind == "none":
            return
        # pyscard and the card's APDUs load only for a kiosk with a social card reader.
        from drivers.socialcard import SocialCardError, SocialCardReader
        from drivers.socialcard.service import ensure_pcscd

        if kind == "simulator":
            try:
                self.simulators.pcscd = ensure_pcscd(self.config.data_dir / "pcscd.log")
            except SocialCardError as err:
                log.error("social card simulator not available: %s", err)
                return
        self.social = SocialCardReader()

    def close(self) -> None:
        """Release every device and stop the simulators."""
        self.wait_started()  # an opening in progress ends before the devices are released
        self.devices.stop()
        sims = self.simulators
        if sims.printer is not None:
            sims.printer.stop()
        with self._camera_lock:  # an opening in progress ends before the camera is released
            if self.presence is not None:
                self.presence.stop()
        if sims.camera is not None:
            sims.camera.close()
        if sims.pcscd is not None:
            sims.pcscd.terminate()
            sims.pcscd.wait(10)
        if self.reader is not None:
            self.reader.close()
        if sims.idcard is not None:
            sims.idcard.stop()
