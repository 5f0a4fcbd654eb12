"""`estation-kiosk`: run a kiosk's touchscreen from its configuration file.

The kiosk is assembled by the composition root (kiosk/composition.py); this entry point only
starts it and hands its service to the touchscreen. A scripted walk without a screen, on a
kiosk of simulators, is a development tool: `estation-demo --config kiosk.toml --script ...`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk.composition import build_kiosk
from kiosk.config import ConfigError, load_config


def main(argv: Sequence[str] | None = None) -> int:
    """Start the kiosk described by --config on its touchscreen."""
    parser = argparse.ArgumentParser(prog="estation-kiosk", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="kiosk TOML file")
    parser.add_argument("--windowed", action="store_true", help="a window instead of fullscreen")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", force=True
    )
    try:
        config = load_config(args.config)
    except ConfigError as err:
        print(f"estation-kiosk: {err}", file=sys.stderr)
        return 2
    kiosk = build_kiosk(config)
    kiosk.start()
    try:
        from kiosk.ui.app import run_kiosk_app

        run_kiosk_app(
            kiosk.service, fullscreen=not args.windowed, lang=config.lang, speech=kiosk.speech
        )
        return 0
    finally:
        kiosk.close()
        logging.getLogger("kiosk").info("kiosk_stopped outbox=closed devices=released")


if __name__ == "__main__":
    sys.exit(main())
