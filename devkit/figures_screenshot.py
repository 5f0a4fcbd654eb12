"""Render the county's figures with a simulated week, for docs/img/county-figures.png.

    python -m devkit.figures_screenshot docs/img/county-figures.png

The week of devkit/stats_screenshot.py (four fictitious kiosks driven through the kiosk
API, with the controller's injected clock) is played in 缙云县: the kiosks are placed in
three townships and at the county's own hall before they send anything, as a technician's
site form would. A county staff member then reviews the older applications through the
inbox service (most approved, a few returned or rejected), and the figures page is
photographed as that staff member sees it, by headless Chromium.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from controller.app import create_app
from controller.auth.access import Role
from controller.auth.config import AuthSettings
from controller.models import Transaction
from controller.services import regions
from controller.services.audit import Actor
from controller.settings import Settings
from devkit.stats_screenshot import DAYS, END, Clock, photograph, simulate

PASSWORD = "figures-screenshot-password"  # noqa: S105 - a throwaway account's password
TREE = """code,name
330000,浙江省
331100,丽水市
331122,缙云县
331122001,五云街道
331122101,壶镇镇
331122201,东方镇
"""
# Where each of stats_screenshot's kiosks stands, in its order.
PLACES = ("331122001", "331122", "331122101", "331122201")


def _review(client: TestClient) -> None:
    """Decide the applications older than two days: most approved, some returned, rejected."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    clerk = Actor.user("clerk", Role.COUNTY_STAFF.value)
    cutoff = END - dt.timedelta(days=2)
    with runtime.db.session() as session:
        rows = session.scalars(
            select(Transaction).where(Transaction.created_at < cutoff).order_by(Transaction.id)
        ).all()
        for index, row in enumerate(rows):
            if index % 9 == 8:
                continue  # still waiting: the old ones the waiting chart shows
            runtime.inbox.change_status(session, clerk, row, row.version, "reviewing")
            if index % 13 == 5:
                runtime.inbox.change_status(
                    session, clerk, row, row.version, "returned", "missing_document"
                )
            elif index % 17 == 3:
                runtime.inbox.change_status(session, clerk, row, row.version, "rejected", "other",
                                            "不符合申领条件")  # fmt: skip
            elif index % 5:
                runtime.inbox.change_status(session, clerk, row, row.version, "approved")
        session.commit()


def figures_page(workdir: Path) -> str:
    """The figures page's HTML after a simulated week, signed in as 缙云县's staff."""
    clock = Clock(END - dt.timedelta(days=DAYS))
    settings = Settings(
        data_dir=workdir / "data",
        database_url=f"sqlite:///{workdir / 'data' / 'controller.db'}",
        sweeper_enabled=False,
    )
    fast = AuthSettings(hash_memory_kib=1024, hash_time_cost=1, hash_parallelism=1)
    app = create_app(settings, clock=clock, auth=fast)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        runtime = app.state.runtime
        with runtime.db.session() as session:
            regions.import_regions(session, regions.read_region_file(TREE.splitlines()))
            session.commit()

        def place(kiosks: list[tuple[str, str]]) -> None:
            with runtime.db.session() as session:
                for (kiosk_id, _), code in zip(kiosks, PLACES, strict=True):
                    kiosk = runtime.fleet.find(session, kiosk_id)
                    regions.place_kiosk(session, kiosk, code, kiosk.name, "")
                session.commit()

        simulate(client, clock, place)
        _review(client)
        with runtime.db.session() as session:
            runtime.accounts.create(
                session, Actor.command_line(), "clerk", PASSWORD, Role.COUNTY_STAFF, "331122"
            )
            session.commit()
        login = client.get("/login").text
        found = re.search(r'name="csrf_token" value="([^"]+)"', login)
        if found is None:
            raise RuntimeError("no CSRF token on the login page")
        form = {"username": "clerk", "password": PASSWORD, "csrf_token": found.group(1)}
        if client.post("/login", data=form, follow_redirects=False).status_code != 303:
            raise RuntimeError("could not sign in")
        page = client.get("/figures")
        page.raise_for_status()
        return str(page.text)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: where to write the PNG, how large."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="1440x2600")
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        photograph(figures_page(workdir), args.out, workdir, (width, height))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
