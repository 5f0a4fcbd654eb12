"""Alembic's commands for the controller's database: `python -m controller.migrations --help`.

    python -m controller.migrations revision --autogenerate -m "add users"
    python -m controller.migrations history
    ESTATION_DB_URL=postgresql+psycopg://... python -m controller.migrations current

Autogenerate compares the models with a database at the newest revision: without
ESTATION_DB_URL a throwaway SQLite file is made and migrated for it. A new revision is
numbered after the newest one (0002, 0003, ...) unless --rev-id says otherwise.
"""

from __future__ import annotations

import os
import sys
import tempfile

from alembic.config import CommandLine
from alembic.script import ScriptDirectory

from controller.db import Database
from controller.migrations import alembic_config


def main(argv: list[str] | None = None) -> int:
    """Run one Alembic command on ESTATION_DB_URL, or on a throwaway migrated SQLite file."""
    cli = CommandLine(prog="python -m controller.migrations")
    options = cli.parser.parse_args(argv)
    if not hasattr(options, "cmd"):
        cli.parser.error("name a command")
    url = os.environ.get("ESTATION_DB_URL")
    with tempfile.TemporaryDirectory() as scratch:
        database = Database(url or f"sqlite:///{scratch}/controller.db")
        try:
            if not url:
                database.migrate()
            with database.engine.begin() as conn:
                config = alembic_config(conn)
                config.cmd_opts = options
                if getattr(options, "rev_id", False) is None:
                    head = ScriptDirectory.from_config(config).get_current_head()
                    options.rev_id = f"{int(head or 0) + 1:04d}"
                cli.run_cmd(config, options)
        finally:
            database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
