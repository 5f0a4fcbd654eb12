"""`estation-kiosk`: run a kiosk from its configuration file (touchscreen, or one scripted walk)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk.composition import Kiosk
from kiosk.config import ConfigError, load_config
from kiosk.scripted import ScriptError, registration_script, walk


def main(argv: Sequence[str] | None = None) -> int:
    """Start the kiosk described by --config."""
    parser = argparse.ArgumentParser(prog="estation-kiosk", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="kiosk TOML file")
    parser.add_argument("--windowed", action="store_true", help="a window instead of fullscreen")
    parser.add_argument(
        "--script", choices=["registration"], help="walk one fictitious citizen, no screen"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", force=True
    )
    try:
        config = load_config(args.config)
    except ConfigError as err:
        print(f"estation-kiosk: {err}", file=sys.stderr)
        return 2
    kiosk = Kiosk(config)
    kiosk.start()
    try:
        if args.script:
            try:
                result = walk(
                    kiosk, "employment_registration", registration_script(dt.date.today())
                )
            except ScriptError as err:
                print(f"estation-kiosk: {err}", file=sys.stderr)
                return 1
            print(f"{result.outcome} {result.transaction_number or ''}")
            return 0
        from kiosk.ui.app import run_kiosk_app

        run_kiosk_app(kiosk, fullscreen=not args.windowed)
        return 0
    finally:
        kiosk.close()


if __name__ == "__main__":
    sys.exit(main())
