"""The command around the tap walker (`python -m devkit.taps`, devkit/taps.py): a kiosk of
simulators with the demo content to walk, and the table the walks make (terminal, markdown).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devkit import taps
from devkit.tap_record import CARD, SWIPE, ServiceWalk
from devkit.taps import GOAL_DECISIONS, MENU_PAGE, TYPED_NOTES, TapWalkError, walk_catalog


def notes(walk: ServiceWalk) -> str:
    """What the table's notes column says: a walk that failed, and what is typed beyond the
    phone and why."""
    if walk.error:
        return f"walk failed: {walk.error}"
    why = ["over the goal of 8"] if walk.decisions > GOAL_DECISIONS else []
    pages = sum(t.what == MENU_PAGE for t in walk.taps)
    if why and pages:
        # Elder mode's menu holds fewer tiles a page: say how much of it is finding the tile.
        why = [f"over the goal of 8, {pages} of them turning the menu's pages"]
    said = [TYPED_NOTES.get(name, "") for name in sorted(walk.typed_fields - {"phone"})]
    typed = [f"{name} typed: {why}" for name, why in zip(
        sorted(walk.typed_fields - {"phone"}), said, strict=True)]  # fmt: skip
    return "; ".join([*why, *typed])


def machine() -> str:
    """The machine the walk ran on, for the table's heading (the seconds depend on it)."""
    import os
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def markdown(walks: Sequence[ServiceWalk], heading: str = "") -> str:
    """The table as markdown, one row per service (`heading`: the date and machine)."""
    lines = [heading, ""] if heading else []
    lines += [
        "| service | decisions | keystrokes | cards | swipes | seconds | notes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for w in walks:
        flag = "" if w.decisions <= GOAL_DECISIONS else " (over 8)"
        lines.append(
            f"| {w.title} (`{w.flow_id}`) | {w.decisions}{flag} | {w.keystrokes} | "
            f"{w.count(CARD)} | {w.count(SWIPE)} | {w.seconds:.1f} | {notes(w)} |"
        )
    lines += ["", "Steps walked:", ""]
    lines += [f"- `{w.flow_id}`: {' > '.join([*w.steps, w.end or 'end'])}" for w in walks]
    return "\n".join(lines) + "\n"


def plain(walks: Sequence[ServiceWalk]) -> str:
    """The table for a terminal."""
    rows = [
        f"{'service':32s} {'decisions':>9s} {'keys':>5s} {'cards':>5s} {'swipes':>6s} "
        f"{'seconds':>7s}"
    ]
    for w in walks:
        rows.append(
            f"{w.flow_id:32s} {w.decisions:9d} {w.keystrokes:5d} {w.count(CARD):5d} "
            f"{w.count(SWIPE):6d} {w.seconds:7.1f}{'  FAILED: ' + w.error if w.error else ''}"
        )
    return "\n".join(rows)


@contextmanager
def simulated_kiosk(scratch: Path, config_path: Path | None) -> Iterator[tuple[Any, Any]]:
    """A kiosk of simulators (and a demo controller unless `config_path`), with its card rig."""
    import logging

    from devkit.controller_process import ControllerProcess
    from devkit.demo import write_kiosk_config
    from devkit.tappers import DemoRig, held_pcsc_lock
    from kiosk.composition import build_kiosk
    from kiosk.config import load_config

    logging.basicConfig(level=logging.WARNING, filename=str(scratch / "kiosk.log"), force=True)
    controller = None
    if config_path is None:
        print("starting a controller with the demo content ...", file=sys.stderr, flush=True)
        controller = ControllerProcess(scratch / "controller")
        url = controller.wait_ready()
        code = controller.pairing_code("taps")
        config_path = write_kiosk_config(scratch / "kiosk.toml", url, code)
    try:
        config = load_config(config_path)
        vpcd = config.social_card_reader.kind == "simulator"
        with held_pcsc_lock(needed=vpcd):
            kiosk = build_kiosk(config)
            kiosk.start()
            rig = DemoRig(kiosk.simulators)
            try:
                if controller is not None:
                    add_demo_employers(scratch / "controller")
                    if kiosk.content is not None:
                        kiosk.content.refresh()  # now, with the employers: not at the next refresh
                wait_for_content(kiosk)
                yield kiosk, rig
            finally:
                rig.close()
                kiosk.close()
    finally:
        if controller is not None:
            controller.stop()


# The county's employer list, which the demo content leaves empty: a citizen picks their
# employer from it (就业登记, 入职一件事) instead of typing the name. Fictitious names; codes
# made valid by their check character (GB 32100-2015).
DEMO_EMPLOYERS = (
    ("缙云县城关镇社区服务中心", "12331122MB123456"),
    ("缙云县双洲机械制造有限公司", "91331122MA2FGHJK"),
    ("顺泽家园物业管理有限公司", "91331122MA2ABCDE"),
)
DEMO_REGION = "331122"


def add_demo_employers(data_dir: Path) -> None:
    """Put the demo county's employer list in a demo controller's database (SQLite), and
    its kiosks in that county: a county's employers go to the kiosks placed in it."""
    import datetime as dt

    from sqlalchemy import update
    from stdnum.cn import uscc

    from controller.db import Database
    from controller.models import Employer, Kiosk
    from controller.services.employers import initials

    db = Database(f"sqlite:///{(data_dir / 'controller.db').resolve()}")
    try:
        with db.session() as session:
            for i, (name, stem) in enumerate(DEMO_EMPLOYERS, 1):
                credit = stem + "0" + uscc.calc_check_digit(stem + "0")
                session.add(
                    Employer(
                        code=f"demo-employer-{i}",
                        region_code=DEMO_REGION,
                        name=name,
                        credit_code=credit,
                        initials=initials(name),
                        updated_at=dt.datetime.now(dt.UTC),
                    )
                )
            session.execute(update(Kiosk).values(region_code=DEMO_REGION))
            session.commit()
    finally:
        db.dispose()


def wait_for_content(kiosk: Any, timeout: float = 120.0) -> None:
    """Wait until the kiosk keeps a copy of every public source (jobs, slots, employers).

    The copy is fetched on a thread after enrolling: a walk started before it arrives
    finds no employer to pick or no job to list, and counts typing a citizen never does.
    """
    from kiosk.content_store import SOURCES

    store = kiosk.content_store
    if store is None:
        return
    deadline = time.monotonic() + timeout
    while missing := [s for s in SOURCES if store.as_of(s) is None]:
        if time.monotonic() > deadline:
            raise TapWalkError(f"the kiosk never fetched {', '.join(missing)}")
        time.sleep(0.2)


def main(argv: Sequence[str] | None = None) -> int:
    """Walk the catalog, print the table, write it as markdown; 1 when a service is over 8."""
    parser = argparse.ArgumentParser(prog="python -m devkit.taps", description=taps.__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/taps.md"), help="markdown file")
    parser.add_argument("--config", type=Path, help="a kiosk.toml of simulators (optional)")
    parser.add_argument("--flow", action="append", help="only this service (repeatable)")
    parser.add_argument("--lang", default="", help="choose this language on the menu first")
    parser.add_argument("--elder", action="store_true", help="choose elder mode on the menu")
    args = parser.parse_args(argv)
    from devkit.headless import HeadlessUI

    with (
        tempfile.TemporaryDirectory(prefix="estation-taps-") as scratch,
        simulated_kiosk(Path(scratch), args.config) as (kiosk, rig),
    ):
        flow_ids = [f.id for f in kiosk.service.catalog if not args.flow or f.id in args.flow]
        with HeadlessUI(kiosk.service, demo=rig, kivy_home=Path(scratch) / "kivy") as ui:
            walks = walk_catalog(
                ui,
                flow_ids,
                lambda s: print(s, file=sys.stderr, flush=True),
                lang=args.lang,
                elder=args.elder,
                readers_looked=(
                    kiosk.card_watch.caught_up if kiosk.card_watch is not None else lambda: True
                ),
            )
    print(plain(walks))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    import datetime as dt

    chosen = (f"--lang {args.lang}" if args.lang else "", "--elder" if args.elder else "")
    mode = " ".join(f for f in chosen if f)
    heading = (
        f"Walked {dt.date.today().isoformat()} on {machine()} by "
        f"`python -m devkit.taps{' ' + mode if mode else ''}`: "
        "decisions are touches other than keys inside a value; seconds are machine time."
    )
    args.out.write_text(markdown(walks, heading), encoding="utf-8")
    print(f"written to {args.out}", file=sys.stderr)
    ok = all(not w.error and w.decisions <= GOAL_DECISIONS for w in walks)
    return 0 if ok else 1
