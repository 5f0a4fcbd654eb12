"""The controller's schema history: Alembic revisions in versions/, run at every start-up.

Configured here in code, so an installed controller needs no alembic.ini. How to add a
revision: README.md beside this file.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection

# The first revision: the schema as `create_all` made it before migrations existed. A
# database without an alembic_version table but with our tables is stamped here.
BASELINE = "0001"

_HERE = Path(__file__).resolve().parent


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration that migrates through `connection` (env.py reads it)."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    # Revision files are numbered (0002_add_users.py), so their order reads from `ls`.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config
