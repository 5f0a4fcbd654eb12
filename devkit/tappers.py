"""Laying simulated cards on a kiosk's simulated readers: the demo panel's and scripts' hand.

`DemoRig` implements the UI's `DemoPort` (kiosk/ports.py) for a kiosk built on simulators:
the touchscreen shows a panel of synthetic cards beside a card step, and scripted walks tap
the first card of the reader a step reads. `SelfTestHand` is the technician's hand during
the installation self-test: it lays the ID card, inserts the social security card and
holds a QR code to the simulated camera when the kiosk asks, and takes them away after.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from drivers.camera.scenes import blank_scene, place, qr_image
from drivers.idcard.fixtures import fixture_by_name
from drivers.idcard.simulator import IdCardSimulator
from drivers.socialcard.fixtures import FIXTURES as SOCIAL_FIXTURES
from drivers.socialcard.fixtures import fixture_by_name as social_fixture_by_name
from drivers.socialcard.pcsc_lock import PCSC_LOCK, pcsc_lock
from drivers.socialcard.virtual_card import VirtualCard
from flows.actions import ActionName
from kiosk.hardware import Simulators
from kiosk.ports import CardTapper
from kiosk.provisioning import SelfTestRun


@contextmanager
def held_pcsc_lock(path: Path = PCSC_LOCK, *, needed: bool = True) -> Iterator[None]:
    """Hold the machine's PC/SC lock (drivers/socialcard/pcsc_lock.py) meanwhile, if
    `needed` (a kiosk with the simulated social card reader), saying so when it must wait.

    The simulated social card reader is vpcd's one reader, which every process on the
    machine shares: a virtual card a test run inserts lies in this kiosk's reader too, and
    its chooser rightly takes a card that arrives while it shows (then fails to read it once
    that run pulls it); and a kiosk closing stops the pcscd it started, under another's
    feet. So the demo, the screens, the tap walk and the tests take turns.
    """
    if not needed:
        yield
        return
    with pcsc_lock(path, waiting=_say_waiting):
        yield


def _say_waiting(path: Path) -> None:
    # the commands' terminal (demo, screens, taps), not the kiosk's log
    sys.stderr.write(f"waiting for {path}: another run uses vpcd ...\n")
    sys.stderr.flush()


class SimulatedCardTapper:
    """Puts the simulator's fixture cards on the simulated ID card reader."""

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
    """Inserts the virtual social security cards into vpcd's reader."""

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


class DemoRig:
    """The card trays of a kiosk's simulated readers; satisfies kiosk.ports.DemoPort."""

    def __init__(self, simulators: Simulators) -> None:
        self.card_tapper = (
            SimulatedCardTapper(simulators.idcard) if simulators.idcard is not None else None
        )
        self.social_card_tapper = SimulatedSocialCardTapper() if simulators.socialcard else None
        self.camera = simulators.camera
        self.printer = simulators.printer  # where the test receipt comes out

    def tappers(self) -> Mapping[str, CardTapper]:
        """The trays by the action that reads their cards."""
        trays: dict[str, CardTapper] = {}
        if self.card_tapper is not None:
            trays[ActionName.READ_ID_CARD] = self.card_tapper
        if self.social_card_tapper is not None:
            trays[ActionName.READ_SOCIAL_CARD] = self.social_card_tapper
        return trays

    def close(self) -> None:
        """Take every card out (a virtual card holds a connection to vpcd)."""
        for tray in self.tappers().values():
            tray.remove()


class SelfTestHand:
    """Answers a running self-test's requests on simulators, as a technician would.

    `run()` gives the kiosk's current self-test (KioskProvisioning.selftest_run); the hand
    looks at it every `poll` s from its own thread and acts when the running check asks
    for something, so the self-test sees cards arrive while it waits, as on a real kiosk.
    """

    # Held up when no simulated printer gave a test receipt to take (a file printer).
    QR_TEXT = "e-station self-test, held up by the technician"

    def __init__(
        self, rig: DemoRig, run: Callable[[], SelfTestRun | None], *, poll: float = 0.1
    ) -> None:
        self._rig = rig
        self._run = run
        self._poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.answered: list[str] = []  # the checks it answered, in order
        self._scene: Sequence[np.ndarray] = ()  # what the camera showed before the QR code

    def start(self) -> SelfTestHand:
        """Watch the self-test from a thread."""
        self._thread = threading.Thread(target=self._watch, name="selftest-hand", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching and take everything away."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._take_away("")

    def _watch(self) -> None:
        acting = ""
        while not self._stop.wait(self._poll):
            run = self._run()
            asking = run.current if run is not None and run.prompt else ""
            if asking == acting:
                continue
            self._take_away(acting)
            acting = asking
            if asking:
                self._answer(asking)

    def _answer(self, check: str) -> None:
        rig = self._rig
        if check == "id_card_reader.read" and rig.card_tapper is not None:
            rig.card_tapper.present(rig.card_tapper.card_names()[0])
        elif check == "social_card_reader.read" and rig.social_card_tapper is not None:
            rig.social_card_tapper.present(rig.social_card_tapper.card_names()[0])
        elif check == "camera.qr" and rig.camera is not None:
            self._scene = rig.camera.frames
            code = qr_image(self.receipt_qr(), module_px=5)
            rig.camera.show([place(code, blank_scene(seed=2), height_fraction=0.6)])
        else:
            return
        self.answered.append(check)

    def receipt_qr(self) -> str:
        """The QR code on the test receipt the kiosk printed last, as the technician holds
        it up; QR_TEXT when no simulated printer printed one."""
        printer = self._rig.printer
        documents = printer.received_documents() if printer is not None else []
        for document in reversed(documents):
            for qr in document.qr_codes:
                text = qr.data.decode("utf-8", "replace")
                if text.startswith("e-station self-test"):
                    return text
        return self.QR_TEXT

    def _take_away(self, check: str) -> None:
        rig = self._rig
        if check in ("", "id_card_reader.read") and rig.card_tapper is not None:
            rig.card_tapper.remove()
        if check in ("", "social_card_reader.read") and rig.social_card_tapper is not None:
            rig.social_card_tapper.remove()
        if check in ("", "camera.qr") and rig.camera is not None and self._scene:
            rig.camera.show(self._scene)  # the citizen the demo camera shows comes back
            self._scene = ()
