"""`estation-controller regions import FILE.csv`: load the region tree from a file.

The file has `code,name` rows (UTF-8, an optional `code,name` header): GB/T 2260 codes of
provinces, cities and counties, and the 9- or 12-digit codes of townships and villages.
Levels and parents are derived from the codes; the whole file is checked before anything
is written, and an error names its line. Codes already in the tree are renamed when the
file names them otherwise; nothing is removed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from controller.db import Database
from controller.services.regions import RegionFileError, import_file
from controller.settings import load_settings

REGIONS = "regions"


def build_parser() -> argparse.ArgumentParser:
    """The command line of `regions`."""
    parser = argparse.ArgumentParser(
        prog=f"python -m controller {REGIONS}",
        description="Manage the region tree (province, city, county, township, village).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser(
        "import", help="add or rename regions from a code,name CSV file (all or nothing)"
    )
    load.add_argument("file", type=Path, help="CSV file of code,name rows, UTF-8")
    load.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (env ESTATION_DB_URL)")
    load.add_argument(
        "--data-dir", type=Path, help="folder for the database and keys (env ESTATION_DATA_DIR)"
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """Run `regions ...`; 0 done, 1 the file was refused (nothing written), 2 usage."""
    args = build_parser().parse_args(argv)
    settings = load_settings(database_url=args.db, data_dir=args.data_dir)
    db = Database(settings.database_url)
    try:
        db.migrate()
        with db.session() as session:
            try:
                result = import_file(session, args.file)
            except RegionFileError as err:
                session.rollback()
                sys.stderr.write(f"refused: {args.file}: {err} (nothing imported)\n")
                return 1
            except (OSError, UnicodeDecodeError) as err:
                sys.stderr.write(f"cannot read {args.file}: {err}\n")
                return 2
            session.commit()
        sys.stdout.write(
            f"regions imported from {args.file}: {result.added} added,"
            f" {result.renamed} renamed, {result.unchanged} unchanged\n"
        )
        return 0
    finally:
        db.dispose()
