"""Render the dashboard's statistics page with a simulated week of use, for docs/img/stats.png.

    python -m devkit.stats_screenshot docs/img/stats.png

A controller on a throwaway SQLite database is driven through its kiosk API, hour by hour
over seven days, by four fictitious kiosks: heartbeats (one kiosk goes quiet for a night,
one printer runs low on paper and then out), transactions on a working-day profile, and
好差评 ratings of some of them. The clock is the controller's own injected clock, moved
forward as the week is played, so every time is checked as in production. The page is then
saved with its stylesheet and photographed by headless Chromium (Debian's `chromium`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.access import Role
from controller.auth.config import AuthSettings
from controller.services.audit import Actor
from controller.settings import Settings
from wire import API_PREFIX

# Thursday 2026-11-26, 10:00 in Beijing, as in the tests.
END = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
DAYS = 7
PASSWORD = "stats-screenshot-password"  # noqa: S105 - a throwaway account's password
KIOSKS = (("hw-a", "城关镇便民服务中心"), ("hw-b", "县人社局大厅"),
          ("hw-c", "工业园区服务站"), ("hw-d", "东山乡便民服务站"))  # fmt: skip
SERVICES = {
    "employment_registration": ("就业登记", "Employment registration", 5),
    "unemployment_registration": ("失业登记", "Unemployment registration", 3),
    "job_seeker_registration": ("求职登记", "Job seeker registration", 4),
    "training_enrolment": ("职业技能培训报名", "Training enrolment", 2),
    "social_insurance_subsidy": ("灵活就业社保补贴申领", "Social insurance subsidy", 1),
}
# Transactions per kiosk and hour of the day (Beijing time), on a working day.
PROFILE = [0, 0, 0, 0, 0, 0, 0, 0.2, 1, 2.5, 3, 2.5, 1, 1.5, 2.5, 3, 2, 1, 0.5, 0.3, 0.2, 0, 0, 0]


class Clock:
    """The controller's clock, moved by the simulation."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _post(client: TestClient, path: str, body: dict[str, Any], token: str) -> None:
    answer = client.post(
        f"{API_PREFIX}{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    answer.raise_for_status()


def _printer(hour: int, kiosk: int) -> dict[str, str]:
    # The county office's printer runs low on day 4, out for the evening, then a new roll.
    if kiosk == 1 and 72 + 9 <= hour < 72 + 15:
        return {"state": "degraded", "reason": "paper near end"}
    if kiosk == 1 and 72 + 15 <= hour < 72 + 18:
        return {"state": "faulted", "reason": "paper out"}
    if kiosk == 2 and 120 + 10 <= hour < 120 + 12:
        return {"state": "degraded", "reason": "paper near end"}
    return {"state": "ok"}


def simulate(
    client: TestClient,
    clock: Clock,
    enrolled: Callable[[list[tuple[str, str]]], None] | None = None,
) -> None:
    """Play the week: enrol the kiosks, then heartbeats, transactions and ratings hour by hour.

    `enrolled` is told the (kiosk id, token) of each kiosk before anything is sent (to place
    them, as devkit/figures_screenshot.py does).
    """
    rng = random.Random(9)  # noqa: S311 - a repeatable picture, not a secret
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    tokens = []
    for hardware_id, name in KIOSKS:
        with runtime.db.session() as session:
            # A technician's one-time code, as `estation-controller pairing-code` issues it.
            code = runtime.enrollment.issue_code(session, Actor.command_line(), name).code
            session.commit()
        answer = client.post(
            f"{API_PREFIX}/kiosks/register",
            json={"hardware_id": hardware_id, "name": name, "site": name,
                  "software_version": "0.9.0", "pairing_code": code},
        )  # fmt: skip
        answer.raise_for_status()
        tokens.append((answer.json()["kiosk_id"], answer.json()["device_token"]))
        titles = {code: {"zh-CN": zh, "en": en} for code, (zh, en, _) in SERVICES.items()}
        _post(client, "/catalog", {"version": 1, "titles": titles}, tokens[-1][1])
    if enrolled is not None:
        enrolled(tokens)
    serial = 0
    for hour in range(DAYS * 24):
        clock.now = END - dt.timedelta(days=DAYS) + dt.timedelta(hours=hour)
        local_hour = (clock.now.hour + 8) % 24
        weekday = (clock.now + dt.timedelta(hours=8)).isoweekday()
        for index, (kiosk_id, token) in enumerate(tokens):
            # The township kiosk loses its network from 22:00 to 07:00 on its third night.
            if index == 3 and 48 + 14 <= hour < 48 + 23:
                continue
            heartbeat = {
                "sent_at": clock.now.isoformat(), "status": "idle", "software_version": "0.9.0",
                "devices": {"id_card_reader": {"state": "ok"},
                            "receipt_printer": _printer(hour, index)},
                "outbox_pending": 0,
            }  # fmt: skip
            _post(client, "/heartbeat", heartbeat, token)
            busy = PROFILE[local_hour] * (0.4 if weekday > 5 else 1.0) * (1.4 - 0.25 * index)
            for _ in range(int(rng.random() * 2 * busy + 0.5)):
                serial += 1
                service = rng.choices(list(SERVICES), [w for _, _, w in SERVICES.values()])[0]
                number = f"{kiosk_id}-{(clock.now + dt.timedelta(hours=8)):%y%m%d}{serial:05d}"
                _post(client, "/transactions", {
                    "key": f"{serial:032x}", "number": number, "service": service,
                    "created_at": clock.now.isoformat(), "identity_method": "id_card",
                    "citizen": {"id_number": "11010519491231002X", "name": "测试甲"},
                }, token)  # fmt: skip
                if rng.random() < 0.45:
                    stars = rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 5, 9])[0]
                    _post(client, "/ratings", {
                        "key": f"{serial:031x}f", "transaction_number": number,
                        "service": service, "stars": stars,
                        "reasons": ["too_long"] if stars <= 2 else [],
                    }, token)  # fmt: skip
        # The offline sweep a minute later: only the quiet kiosk has missed 3 heartbeats.
        clock.now += dt.timedelta(minutes=1)
        runtime.sweeper.run_once(clock.now)
    clock.now = END


def stats_page(workdir: Path, period: str) -> str:
    """The statistics page's HTML after a simulated week, signed in as an ops viewer."""
    clock = Clock(END - dt.timedelta(days=DAYS))
    settings = Settings(
        data_dir=workdir / "data",
        database_url=f"sqlite:///{workdir / 'data' / 'controller.db'}",
        sweeper_enabled=False,
    )
    fast = AuthSettings(hash_memory_kib=1024, hash_time_cost=1, hash_parallelism=1)
    app = create_app(settings, clock=clock, auth=fast)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        simulate(client, clock)
        runtime = app.state.runtime
        with runtime.db.session() as session:
            runtime.accounts.create(
                session, Actor.command_line(), "ops", PASSWORD, Role.OPS_VIEWER, None
            )
            session.commit()
        login = client.get("/login").text
        found = re.search(r'name="csrf_token" value="([^"]+)"', login)
        if found is None:
            raise RuntimeError("no CSRF token on the login page")
        form = {"username": "ops", "password": PASSWORD, "csrf_token": found.group(1)}
        if client.post("/login", data=form, follow_redirects=False).status_code != 303:
            raise RuntimeError("could not sign in")
        page = client.get(f"/stats?range={period}")
        page.raise_for_status()
        return str(page.text)


def photograph(html: str, out: Path, workdir: Path, size: tuple[int, int]) -> Path:
    """Save the page beside its stylesheet and have headless Chromium take its picture."""
    css = Path(__file__).resolve().parent.parent / "controller" / "static" / "controller.css"
    shutil.copy(css, workdir / "controller.css")
    page = workdir / "stats.html"
    page.write_text(html.replace('href="/static/controller.css"', 'href="controller.css"'))
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("headless Chromium is needed: apt-get install chromium")
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - our own arguments
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={size[0]},{size[1]}", f"--screenshot={out.resolve()}",
         page.resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: where to write the PNG, which period, how large."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--range", dest="period", default="7d", choices=("24h", "7d", "30d"))
    parser.add_argument("--size", default="1440x2000")
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        photograph(stats_page(workdir, args.period), args.out, workdir, (width, height))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
