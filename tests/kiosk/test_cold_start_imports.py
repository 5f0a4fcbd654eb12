"""The kiosk's start imports no HTTP client before its menu shows (issue 8, cold start).

The controller is talked to by the sync loop, after the menu is up: httpx and its TLS trust
store come with the first call, on that loop's thread.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devkit.kiosk_toml import Stage, write_kiosk_of_simulators
from kiosk.controller_client import ControllerClient

ROOT = Path(__file__).resolve().parents[2]


def loaded(probe: str, *args: str) -> str:
    """Run `probe` in a fresh interpreter; the last line it printed (the modules it saw)."""
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


PROBE = """
import sys
import kiosk.composition, kiosk.config, kiosk.station_setup
from kiosk.controller_client import ControllerClient
ControllerClient("http://127.0.0.1:9")
print(sorted(m for m in sys.modules if m.split(".")[0] in {"httpx", "httpcore"}))
"""


def test_building_a_controller_client_imports_no_http_library() -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_a_client_closed_before_its_first_call_refuses_calls() -> None:
    client = ControllerClient("http://127.0.0.1:9")
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.enrollment_status("token")


# What a kiosk's menu does not show, and so must not load before its first frame: the wire
# models (pydantic), the flow engine and the actions, the receipt renderer and its preview,
# python-stdnum (ID-number checks), cryptography (the outbox's first seal, a release's
# signature), importlib.metadata (the catalog cache's key reads python-stdnum's table),
# for a kiosk without a social card reader, pyscard; PyYAML (the flows' catalog and the
# messages come from their kept JSON on every start but the first after a change), the
# station setup's module on a kiosk without station.json, the maintenance mode and the
# receipt model (the printer's device and the receipt outputs name it for type checks only),
# the printer simulator's ESC/POS decoder (a driver's start only queries the status); the ID
# card's layout and parsers and the simulator's sample cards (a card comes after the menu);
# uuid, with the platform module it loads (a staff call's or a hold's key); tarfile (a
# release unpacked by the updater); the voice's synthesiser, text rules and worker (the voice
# is found behind the first frame, silent until then); the catalog's parser and the flows'
# validator (the catalog is read back from its kept JSON); the ID-number and phone checks.
# Nor does the menu build hold a visit's record or the end of one. The shipped catalog and
# the words are read as files, without importlib.resources' machinery. A kiosk that takes no
# updates (no release key, no release folder) loads no updater and no release checks.
AFTER_THE_MENU = (
    "smartcard",
    "drivers.socialcard.reader",
    "stdnum",
    "cryptography",
    "importlib.metadata",
    "pydantic",
    "wire.v1",
    "flows.engine",
    "kiosk.actions.printing",
    "kiosk.actions.submission",
    "drivers.printer.escpos_render",
    "drivers.printer.preview",
    "qrcode",
    "PIL",
    "yaml",
    "flows.yamlsafe",
    "kiosk.station_setup",
    "kiosk.maintenance",
    "drivers.printer.receipt",
    "drivers.printer.escpos_decode",
    "drivers.printer.printed",
    "drivers.idcard.card",
    "drivers.idcard.fixtures",
    "uuid",
    "platform",
    "tarfile",
    "kiosk.speech.backends",
    "kiosk.speech.text",
    "kiosk.speech.worker",
    "kiosk.speech.choice",
    "flows.manifest",
    "flows.loader",
    "flows.step_schema",
    "flows.flow_checks",
    "pii.documents",
    "pii.idnumber",
    "pii.phone",
    "importlib.resources",
    "flows.catalog",
    "kiosk.updater",
    "kiosk.release_install",
    "wire.release",
)

MENU_PROBE = """
import sys
from pathlib import Path
import kiosk.ui.main
from kiosk.composition import build_kiosk
from kiosk.config import load_config
kiosk = build_kiosk(load_config(Path(sys.argv[1])))
kiosk.start_for_menu()
try:
    kiosk.service.menu()  # as the menu's build does: the devices opened behind are up
    watched = sys.argv[2].split(",")
    print(sorted(name for name in watched if name in sys.modules))
finally:
    kiosk.close()
"""


def _kiosk_of_simulators(folder: Path) -> Path:
    """An enrolled kiosk of simulators whose controller is away (as the bench's)."""
    return write_kiosk_of_simulators(
        folder, "test-kiosk-0001", Stage.ENROLLED_OFFLINE, name="城关镇就业服务e站"
    )


def test_a_kiosk_started_for_its_menu_has_loaded_nothing_the_menu_does_not_show(
    tmp_path: Path,
) -> None:
    config = _kiosk_of_simulators(tmp_path)
    # A kiosk's first start validates its catalog (python-stdnum's region table) and keeps
    # it (flows/catalog_cache.py); every later start is the one measured.
    loaded(MENU_PROBE, str(config), "stdnum")
    assert loaded(MENU_PROBE, str(config), ",".join(AFTER_THE_MENU)) == "[]"


OPS_PROBE = """
import sys
import kiosk.ui.ops
print(sorted(name for name in sys.argv[1].split(",") if name in sys.modules))
"""


def test_the_kiosks_ops_load_nothing_the_menu_does_not_show() -> None:
    # estation-kiosk makes its ops (watchdog, night plan, the maintenance gesture) before
    # App.run: the maintenance screen's module comes with the screen, not with the gesture.
    # PIL is left out: Kivy's window loads it for its own image provider, as a bare app's.
    watched = [name for name in AFTER_THE_MENU if name != "PIL"]
    assert loaded(OPS_PROBE, ",".join(watched)) == "[]"


# What EStationApp.build imports to make the menu (kiosk/ui/app.py), in a fresh interpreter:
# the App built on its window over a started kiosk of simulators, as `estation-kiosk` does
# before the first frame.
UI_PROBE = """
import os, sys, tempfile
from pathlib import Path
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="estation-kivy-")
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ["KIVY_LOG_MODE"] = "PYTHON"
from kiosk.ui.kivy_setup import configure_kivy, register_cjk_font
configure_kivy(False, (1280, 800), os.environ["KIVY_HOME"], maxfps=0)
register_cjk_font()
from kivy.base import EventLoop
EventLoop.ensure_window()
import kiosk.ui.main
from kiosk.composition import build_kiosk
from kiosk.config import load_config
kiosk = build_kiosk(load_config(Path(sys.argv[1])))
kiosk.start_for_menu()
try:
    from kiosk.ui.app import EStationApp
    app = EStationApp(
        kiosk.service, fullscreen=False, attract_at_start=False, speech=kiosk.speech
    )
    app.root = app.build()
    assert app.router.current == "welcome", app.router.current
    print(sorted(name for name in sys.argv[2].split(",") if name in sys.modules))
finally:
    kiosk.close()
"""

# The menu types nothing: Kivy's text box (with its bubble) comes with the forms; a visit's
# record and the end of a visit come with the first visit.
MENU_UI_AFTER = (
    "kivy.uix.textinput",
    "kivy.uix.bubble",
    "kiosk.ui.field_input",
    "flows.session",
    "kiosk.ui.end_notice",
)


def test_building_the_menu_loads_nothing_the_menu_does_not_show(tmp_path: Path) -> None:
    config = _kiosk_of_simulators(tmp_path)
    loaded(MENU_PROBE, str(config), "stdnum")  # the first start keeps the catalog
    # PIL is left out: Kivy's window loads it for its own image provider, as a bare app's.
    watched = ",".join((*(n for n in AFTER_THE_MENU if n != "PIL"), *MENU_UI_AFTER))
    assert loaded(UI_PROBE, str(config), watched) == "[]"


def test_the_ui_probe_sees_a_module_that_is_loaded(tmp_path: Path) -> None:
    # One name the menu does load beside the ones it must not: the test above can fail.
    config = _kiosk_of_simulators(tmp_path)
    watched = ",".join(("kiosk.ui.widgets", *MENU_UI_AFTER))
    assert loaded(UI_PROBE, str(config), watched) == "['kiosk.ui.widgets']"


def test_the_probe_sees_a_module_that_is_loaded(tmp_path: Path) -> None:
    # The same probe with one more name the start does load: the test above can fail.
    config = _kiosk_of_simulators(tmp_path)
    assert loaded(MENU_PROBE, str(config), "kiosk.outbox,wire.v1") == "['kiosk.outbox']"


def test_a_malformed_messages_file_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The catalog is read from its kept copy, so the start itself must still refuse a
    # changed file that does not parse, before the menu, not at the first word it shows.
    from flows import FlowDefinitionError
    from kiosk import messages
    from kiosk.composition import build_kiosk
    from kiosk.config import load_config

    config = load_config(_kiosk_of_simulators(tmp_path))
    build_kiosk(config).close()  # a good start keeps the catalog
    assert list((config.data_dir / "catalog-cache").glob("messages-*.json"))

    malformed = tmp_path / "messages.yaml"
    malformed.write_bytes(b"printer.paper_out: [not, texts]\n")
    monkeypatch.setattr(messages, "CATALOG_FILE", malformed)
    monkeypatch.setattr(messages, "_loaded", messages._loaded)  # restored after the test
    with pytest.raises(FlowDefinitionError, match=r"printer\.paper_out"):
        build_kiosk(config)


def test_the_config_looks_for_the_file_the_station_setup_writes() -> None:
    # kiosk.config names station.json itself so that a kiosk without one never imports
    # kiosk.station_setup; the two names must stay one.
    from kiosk import config, station_setup

    assert config.SETUP_FILE == station_setup.SETUP_FILE
