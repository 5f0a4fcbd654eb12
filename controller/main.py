"""`python -m controller`: parse arguments, build the app, serve it with uvicorn.

`python -m controller create-admin` (`estation-controller create-admin`) makes an ops admin
account in the controller's database, for the first sign-in; `regions import FILE.csv` loads
the region tree (controller/regions_cli.py). `pairing-code` issues a one-time code a kiosk
enrolls with, and `preauthorise SERIAL` lists a hardware id that is approved when it first
enrolls (scripts, the demo; people use the enrollment page).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from controller import regions_cli, release_cli
from controller.app import create_app
from controller.auth.access import Role
from controller.auth.accounts import AccountRefused, Accounts
from controller.auth.config import load_auth_settings
from controller.clock import utc_now
from controller.db import Database
from controller.logs import configure_logging
from controller.services.audit import Actor, AuditLog
from controller.services.enrollment import Enrollment
from controller.services.errors import ControllerError
from controller.settings import DEFAULT_HOST, DEFAULT_PORT, load_settings
from pii import Sealer

CREATE_ADMIN = "create-admin"
PAIRING_CODE = "pairing-code"
PREAUTHORISE = "preauthorise"

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
        epilog=f"`%(prog)s {CREATE_ADMIN} --help`: make the first ops admin account;"
        f" `{regions_cli.REGIONS} import FILE.csv`: load the region tree;"
        f" `{release_cli.RELEASE} add FILE`: store a signed kiosk release;"
        f" `{PAIRING_CODE}`: a one-time code a kiosk enrolls with; `{PREAUTHORISE} SERIAL`:"
        " approve a hardware id in advance.",
    )
    parser.add_argument("--host", help=f"address to bind (default {DEFAULT_HOST})")
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
    parser.add_argument(
        "--secure-cookies",
        action="store_true",
        default=None,
        help="mark the session cookie Secure although requests arrive over http (behind a TLS"
        " proxy; env ESTATION_SECURE_COOKIES=1); requests over https always get it",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    return parser


def build_create_admin_parser() -> argparse.ArgumentParser:
    """The command line of `create-admin`."""
    parser = argparse.ArgumentParser(
        prog=f"python -m controller {CREATE_ADMIN}",
        description="Create an ops admin account. The password is asked for twice, or read"
        " from the first line of stdin with --password-stdin; short or common passwords are"
        " refused.",
    )
    parser.add_argument("--username", default="admin", help="account name (default admin)")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin (scripts)"
    )
    parser.add_argument(
        "--if-none",
        action="store_true",
        help="do nothing (exit 0) when an active ops admin already exists",
    )
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (env ESTATION_DB_URL)")
    parser.add_argument(
        "--data-dir", type=Path, help="folder for the database and keys (env ESTATION_DATA_DIR)"
    )
    return parser


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        print("no terminal to ask for a password on: use --password-stdin", file=sys.stderr)
        return None
    first = getpass.getpass("password (12 characters or more): ")
    if getpass.getpass("the same password again: ") != first:
        print("the two passwords differ", file=sys.stderr)
        return None
    return first


def create_admin(argv: Sequence[str]) -> int:
    """Create an ops admin account; 0 done, 1 refused (name taken, weak password), 2 usage."""
    args = build_create_admin_parser().parse_args(argv)
    settings = load_settings(database_url=args.db, data_dir=args.data_dir)
    db = Database(settings.database_url)
    try:
        db.migrate()
        audit = AuditLog(utc_now)
        accounts = Accounts(load_auth_settings(), utc_now, audit)
        with db.session() as session:
            if args.if_none and accounts.has_active_admin(session):
                print("an ops admin account exists already; nothing done")
                return 0
            password = _read_password(args.password_stdin)
            if password is None:
                return 2
            try:
                user = accounts.create(
                    session, Actor.command_line(), args.username, password, Role.OPS_ADMIN
                )
            except AccountRefused as err:
                print(f"refused: {err.en} ({err.zh})", file=sys.stderr)
                return 1
            session.commit()
            print(f"created ops admin account {user.username!r}; sign in at /login")
            return 0
    finally:
        db.dispose()


def build_enrollment_parser(command: str) -> argparse.ArgumentParser:
    """The command line of `pairing-code` and `preauthorise`."""
    if command == PAIRING_CODE:
        description = (
            "Issue a one-time pairing code and print it (the only time it exists in clear):"
            " a kiosk enrolls with it once, before it expires."
        )
    else:
        description = "Pre-authorise a hardware id: that kiosk is approved when it first enrolls."
    parser = argparse.ArgumentParser(
        prog=f"python -m controller {command}", description=description
    )
    if command == PREAUTHORISE:
        parser.add_argument("serial", help="the kiosk's hardware id")
    else:
        parser.add_argument(
            "--count", type=int, default=1, help="how many codes, one a line (default 1)"
        )
        parser.add_argument(
            "--minutes",
            type=int,
            help="how long it works (default 30; env ESTATION_PAIRING_CODE_MINUTES)",
        )
    parser.add_argument(
        "--note", default="", help="where it is going (shown on the enrollment page)"
    )
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (env ESTATION_DB_URL)")
    parser.add_argument(
        "--data-dir", type=Path, help="folder for the database and keys (env ESTATION_DATA_DIR)"
    )
    return parser


def enrollment_command(command: str, argv: Sequence[str]) -> int:
    """Issue a pairing code or pre-authorise a serial; 0 done, 1 refused, 2 usage."""
    args = build_enrollment_parser(command).parse_args(argv)
    if command == PAIRING_CODE and (
        (args.minutes is not None and args.minutes < 1) or not 1 <= args.count <= 1000
    ):
        print("--minutes must be at least 1 and --count 1 to 1000", file=sys.stderr)
        return 2
    settings = load_settings(database_url=args.db, data_dir=args.data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    try:
        db.migrate()
        # The same key as the running controller's: codes are stored as its keyed hash.
        sealer = Sealer.from_key_file(settings.sealing_key_path)
        enrollment = Enrollment(
            sealer, settings.enrollment, settings.heartbeat_seconds, AuditLog(utc_now)
        )
        with db.session() as session:
            if command == PAIRING_CODE:
                codes = [
                    enrollment.issue_code(session, Actor.command_line(), args.note, args.minutes)
                    for _ in range(args.count)
                ]
                session.commit()
                print("\n".join(issued.code for issued in codes))
                return 0
            try:
                enrollment.preauthorise(session, Actor.command_line(), args.serial, args.note)
            except ControllerError as err:
                print(f"refused: {err}", file=sys.stderr)
                return 1
            session.commit()
            print(f"pre-authorised {args.serial.strip()}")
            return 0
    finally:
        db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the controller until interrupted, or run a subcommand; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [CREATE_ADMIN]:
        return create_admin(argv[1:])
    if argv[:1] == [regions_cli.REGIONS]:
        return regions_cli.main(argv[1:])
    if argv[:1] == [release_cli.RELEASE]:
        return release_cli.main(argv[1:])
    if argv[:1] in ([PAIRING_CODE], [PREAUTHORISE]):
        return enrollment_command(argv[0], argv[1:])
    args = build_parser().parse_args(argv)
    configure_logging(getattr(logging, args.log_level.upper()))
    settings = load_settings(
        host=args.host,
        port=args.port,
        database_url=args.db,
        data_dir=args.data_dir,
        seed_demo=args.seed_demo,
    )
    app = create_app(settings, auth=load_auth_settings(secure_cookies=args.secure_cookies))
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
