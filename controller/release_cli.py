"""`estation-controller release add FILE`: store a signed release bundle.

FILE is `estation-<version>.tar.gz` as `estation-release build` made it; its signature is
`FILE.minisig` beside it (or `--signature`). The checks are the updates page's
(controller/services/updates.py); the release is then offered by starting a rollout on
the updates page. `release list` prints the stored versions.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from controller.clock import utc_now
from controller.db import Database
from controller.services.audit import Actor, AuditLog
from controller.services.errors import ControllerError
from controller.services.updates import Updates, load_key
from controller.settings import load_settings

RELEASE = "release"


def build_parser() -> argparse.ArgumentParser:
    """The command line of `release`."""
    parser = argparse.ArgumentParser(
        prog=f"estation-controller {RELEASE}", description="Manage signed kiosk releases."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="store a signed bundle")
    add.add_argument("file", type=Path)
    add.add_argument("--signature", type=Path, help="default: FILE.minisig")
    commands.add_parser("list", help="the stored versions")
    for sub in commands.choices.values():
        sub.add_argument("--db", metavar="URL", help="database URL (env ESTATION_DB_URL)")
        sub.add_argument("--data-dir", type=Path, help="env ESTATION_DATA_DIR")
    return parser


def main(argv: Sequence[str]) -> int:
    """Run `release`; 0 done, 1 refused."""
    args = build_parser().parse_args(argv)
    settings = load_settings(database_url=args.db, data_dir=args.data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    try:
        db.migrate()
        updates = Updates(AuditLog(utc_now), utc_now, load_key(settings.data_dir))
        with db.session() as session:
            if args.command == "list":
                for release in updates.releases(session):
                    sys.stdout.write(f"{release.version}\t{release.size}\n")
                return 0
            signature_path = args.signature or Path(f"{args.file}.minisig")
            try:
                bundle = args.file.read_bytes()
                signature = signature_path.read_text("ascii")
                release = updates.add_release(session, Actor.command_line(), bundle, signature)
            except (OSError, UnicodeDecodeError, ControllerError) as err:
                sys.stderr.write(f"refused: {err}\n")
                return 1
            session.commit()
            checked = "signature checked" if updates.key else "no release.pub: shape checked"
            sys.stdout.write(f"stored release {release.version} ({checked})\n")
            return 0
    finally:
        db.dispose()
