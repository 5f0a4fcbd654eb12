"""The kiosk.toml of a kiosk of simulators, at one of the stages the demo, the screenshots,
the bench and the tests need: from the box (found on loopback or by its URL), or enrolled
with its controller away.

Every such kiosk has the simulated ID card reader and serves its provisioning API (when it
has one) on 127.0.0.1 at a free port. A kiosk at `Stage.UNPROVISIONED_ON_LOOPBACK`
announces itself over multicast DNS on loopback, which every browser on the machine lists:
tests/support/parallel.py groups a test module that names that stage with the other users
of loopback mDNS.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from kiosk.enrollment import Enrollment, EnrollmentStore

# The discard port: nothing answers there, so an enrolled kiosk runs offline.
CONTROLLER_AWAY = "http://127.0.0.1:9"


class Stage(Enum):
    """Where a kiosk of simulators is in its life, as its kiosk.toml says it."""

    # Waiting for a technician, announced on loopback: discover finds it on this machine.
    UNPROVISIONED_ON_LOOPBACK = "unprovisioned, announced on loopback"
    # Waiting for a technician, announced nowhere: the tool is given its --url.
    UNPROVISIONED_UNANNOUNCED = "unprovisioned, announced nowhere"
    # Enrolled (its enrollment file written) with its controller away.
    ENROLLED_OFFLINE = "enrolled, its controller away"


def _provisioning(stage: Stage) -> str:
    if stage is Stage.ENROLLED_OFFLINE:
        return f'[controller]\nurl = "{CONTROLLER_AWAY}"\n'
    announced = (
        "# loopback only: a discovery on this machine finds it, without a LAN\n"
        'addresses = ["127.0.0.1"]\n'
        if stage is Stage.UNPROVISIONED_ON_LOOPBACK
        else "advertise = false\n"
    )
    return f'[provisioning]\nenabled = true\nhost = "127.0.0.1"\nport = 0\n{announced}'


def _devices(stage: Stage, camera: str) -> str:
    devices = f'[id_card_reader]\nkind = "simulator"\n\n[camera]\nkind = "{camera}"\n'
    if stage is Stage.ENROLLED_OFFLINE:
        # Receipts through the simulated printer's pty, as a served citizen's are; a kiosk
        # from the box prints only its pairing code, to the default folder.
        devices += (
            '\n[receipt_printer]\nkind = "simulator"\npath = "receipts"\nprofile = "kiosk-80"\n'
        )
    return devices


def write_kiosk_of_simulators(
    folder: Path,
    hardware_id: str,
    stage: Stage,
    *,
    name: str = "new terminal",
    camera: str = "none",
) -> Path:
    """Write `folder`/kiosk.toml for a kiosk of simulators at `stage` (with its enrollment
    file under `folder`/data when enrolled); the config's path. `camera`: "none" or
    "simulator"."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    if stage is Stage.ENROLLED_OFFLINE:
        # The token is never sent anywhere that answers (CONTROLLER_AWAY).
        token = "offline"  # noqa: S105 - a stand-in, not a secret
        enrollment = Enrollment(
            kiosk_id=f"K-{hardware_id}", device_token=token, controller_url=CONTROLLER_AWAY
        )
        EnrollmentStore(data / "enrollment.json").save(enrollment)
    path = folder / "kiosk.toml"
    path.write_text(
        f"# A kiosk of simulators, {stage.value} (written by devkit/kiosk_toml.py).\n"
        f'[kiosk]\nhardware_id = "{hardware_id}"\nname = "{name}"\ndata_dir = "data"\n\n'
        f"{_provisioning(stage)}\n{_devices(stage, camera)}",
        encoding="utf-8",
    )
    return path
