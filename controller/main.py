"""`python -m controller`: parse arguments, build the app, serve it with uvicorn."""

from __future__ import annotations

import argparse
import logging
import socket
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from controller.app import create_app
from controller.logs import configure_logging
from controller.settings import DEFAULT_HOST, DEFAULT_PORT, load_settings

log = logging.getLogger("controller")


class _Server(uvicorn.Server):
    """uvicorn, plus one line that says where we listen once the socket is open."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.started:
            return
        # With --port 0 the kernel picks the port; read it back from the listening socket.
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        # Parent processes wait for this exact line; keep its wording stable.
        log.info("controller ready on http://%s:%d", shown, port)


def build_parser() -> argparse.ArgumentParser:
    """The command line of the controller."""
    parser = argparse.ArgumentParser(
        prog="python -m controller",
        description="e-station fleet controller: kiosk API and ops dashboard.",
    )
    parser.add_argument(
        "--host", help=f"address to bind (default {DEFAULT_HOST}; the dashboard has no login yet)"
    )
    parser.add_argument(
        "--port", type=int, help=f"port to bind (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (env ESTATION_DB_URL)")
    parser.add_argument(
        "--data-dir", type=Path, help="folder for the database and keys (env ESTATION_DATA_DIR)"
    )
    parser.add_argument(
        "--seed-demo",
        action="store_true",
        help="on the first start (empty content store), load the fictitious demo jobs,"
        " policies, trainings, job fairs and appointment services",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the controller until interrupted; return the exit status."""
    args = build_parser().parse_args(argv)
    configure_logging(getattr(logging, args.log_level.upper()))
    settings = load_settings(
        host=args.host,
        port=args.port,
        database_url=args.db,
        data_dir=args.data_dir,
        seed_demo=args.seed_demo,
    )
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,  # keep configure_logging's one-line format for uvicorn too
        access_log=True,
        server_header=False,
    )
    _Server(config).run()
    return 0
