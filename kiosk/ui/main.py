"""`estation-kiosk`: run a kiosk's touchscreen from its configuration file.

    estation-kiosk --config kiosk.toml [--windowed]     run the touchscreen
    estation-kiosk set-pin --config kiosk.toml [--stdin] set the technician's maintenance PIN

The kiosk is assembled by the composition root (kiosk/composition.py); this entry point only
starts it, adds the 24/7 duties (journal lines, systemd's READY and watchdog, night, the
maintenance screen; docs/technicians.md) and hands its service to the touchscreen. It exits
with 0 when closed on purpose and with 75 for the nightly restart, which systemd's
Restart=on-failure turns into a fresh start. A scripted walk without a screen, on a kiosk of
simulators, is a development tool: `estation-demo --config kiosk.toml --script ...`.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config_model import KioskConfig
    from kiosk.ui.ops import KioskOps
    from kiosk.watchdog import Notifier, Watchdog


def main(argv: Sequence[str] | None = None) -> int:
    """Start the kiosk described by --config on its touchscreen (or set the PIN)."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["set-pin"]:
        return set_pin(args_in[1:])
    parser = argparse.ArgumentParser(prog="estation-kiosk", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="kiosk TOML file")
    parser.add_argument("--windowed", action="store_true", help="a window instead of fullscreen")
    args = parser.parse_args(args_in)
    # No garbage collection until the menu's first frame (EStationApp gives it back): the
    # start's objects live as long as the kiosk, and walking them again and again before
    # the menu was 25-30 ms of its CPU. The kiosk's modules are imported here, not with
    # this module, so that their import is held too (`python -m kiosk.ui.main`).
    gc.disable()
    from kiosk.composition import build_kiosk
    from kiosk.config import warn_at_start
    from kiosk.journal import RecentLines, install
    from kiosk.nightly import Backlight
    from kiosk.watchdog import Notifier

    recent = RecentLines()
    install(recent=recent)
    config = _config(args.config)
    if config is None:
        gc.enable()
        return 2
    kiosk = build_kiosk(config, log_lines=recent.lines)
    # The menu first; the camera, sync and content start behind its first frame.
    kiosk.start_for_menu()
    warn_at_start(config)  # a missing port, a controller not answering: logged, not refused
    notifier = Notifier()
    watchdog = _watchdog(notifier)
    made: list[KioskOps] = []
    try:
        from kiosk.ui.app import run_kiosk_app

        def ops() -> KioskOps:
            # Imported when the ops are made (run_kiosk_app, before App.run), not with this
            # module: the maintenance mode's import is no part of a start that makes no ops.
            from kiosk.maintenance import build_maintenance
            from kiosk.ui.ops import KioskOps

            made.append(
                KioskOps(
                    now=kiosk.station.now,
                    notifier=notifier,
                    watchdog=watchdog,
                    maintenance=build_maintenance(
                        kiosk, config.maintenance.pin_file, log_lines=recent.lines
                    ),
                    night=config.night.plan(),
                    backlight=None if args.windowed else Backlight.find(),
                    updates=kiosk.updater,
                    restart_wanted=(
                        kiosk.provisioning.restart_due if kiosk.provisioning is not None else None
                    ),
                )
            )
            return made[0]

        run_kiosk_app(
            kiosk.service,
            fullscreen=not args.windowed,
            lang=config.lang,
            ops=ops,
            speech=kiosk.speech,
            commands=kiosk.commands,
            on_first_frame=kiosk.start_rest_behind,
        )
        return made[0].exit_code if made else 0
    finally:
        if watchdog is not None:
            watchdog.stop()
        kiosk.close()
        gc.enable()  # a start that failed before the menu's first frame
        logging.getLogger("kiosk").info("kiosk_stopped outbox=closed devices=released")


def _config(path: Path) -> KioskConfig | None:
    from kiosk.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as err:
        print(f"estation-kiosk: {err}", file=sys.stderr)
        return None


def _watchdog(notifier: Notifier) -> Watchdog | None:
    """Feed systemd's watchdog at a third of its time, while the UI ticks (kiosk/watchdog.py)."""
    from kiosk.watchdog import Watchdog, watchdog_seconds

    seconds = watchdog_seconds()
    if seconds is None:
        return None
    watchdog = Watchdog(notifier, stall_seconds=seconds / 3)
    watchdog.start(interval=seconds / 3)
    return watchdog


def set_pin(argv: Sequence[str]) -> int:
    """`estation-kiosk set-pin`: hash and store a new maintenance PIN; clears a lockout."""
    import getpass  # a terminal's prompt: for this command only

    from kiosk.maintenance_pin import LOCKOUT_FILE, PinError, PinFile, PinGate

    parser = argparse.ArgumentParser(
        prog="estation-kiosk set-pin",
        description="Set the technician's maintenance PIN (6 to 12 digits), stored hashed.",
    )
    parser.add_argument("--config", type=Path, required=True, help="kiosk TOML file")
    parser.add_argument("--stdin", action="store_true", help="read the PIN from one input line")
    args = parser.parse_args(argv)
    config = _config(args.config)
    if config is None:
        return 2
    if args.stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("New maintenance PIN: ")
        if getpass.getpass("Again: ") != pin:
            print("estation-kiosk: the two PINs differ; nothing changed", file=sys.stderr)
            return 1
    pins = PinFile(config.maintenance.pin_file)
    try:
        pins.set(pin)
    except PinError as err:
        print(f"estation-kiosk: {err}; nothing changed", file=sys.stderr)
        return 1
    PinGate(pins, config.data_dir / LOCKOUT_FILE).reset()
    print(f"maintenance PIN set in {pins.path} (hashed); any lockout cleared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
