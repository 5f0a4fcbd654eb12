"""`./dev demo --script fleet`: ops manage a kiosk from afar, as docs/target.md and
docs/updates.md describe, against the demo controller and a kiosk of simulators.

1. **Enrolled**: a kiosk (simulated reader, printer, camera) enrolls with a pairing code.
2. **A command**: ops send "print test page" on the kiosk page; the kiosk gets it with a
   heartbeat answer, prints on the simulated printer (its PNG path is printed) and reports;
   the page shows the command succeeded.
3. **A target**: ops make a group ("示范试点"), put the kiosk in it and take a service off
   the group's menu; the kiosk fetches the target, validates the catalog it makes and
   applies it between visits (no citizen at the screen); the kiosk page shows it applied.
4. **A signed update**: a release key is made and pinned on the kiosk (as a technician
   does at provisioning); the release manager builds and signs a bundle of this checkout,
   ops upload it, put the kiosk in the canary ring and start the rollout; the kiosk's
   updater downloads it, checks the signature with the pinned key, unpacks it beside the
   running version and switches `current` between visits, then the new version passes its
   health check and reports healthy. The release layout is the demo's folder
   (`<data-dir>/fleet/opt`), never /opt: a checkout runs from no release folder, so the
   demo gives the kiosk's updater one and starts it the way the kiosk program does.

Each step prints what a person would check on the dashboard, and checks it there itself,
signed in as the demo's ops admin. The controller answers heartbeats every 2 seconds
(ESTATION_HEARTBEAT_SECONDS), so each step shows within seconds.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from devkit.release import SecretKey, build_bundle, sign_bundle
from kiosk.composition import Kiosk
from kiosk.release_layout import PUBLIC_KEY_FILE, ReleaseLayout
from kiosk.updater import STATE_FILE, HealthSignal, Step, Updater
from wire import CAPABILITY_UPDATES, HeartbeatAck

# The controller's heartbeat interval for this script: each step shows within seconds.
FLEET_ENV = {"ESTATION_HEARTBEAT_SECONDS": "2"}
FLEET_KIOSK = "demo-kiosk-fleet"
GROUP = "示范试点 demo pilot"
OLD, NEW = "1.0.0", "1.1.0"
# Long enough for a slow CI machine; each wait ends as soon as its condition holds.
STEP_SECONDS = 60.0
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_REPO = Path(__file__).resolve().parent.parent


class Dashboard:
    """A browser signed in to the dashboard: GET pages and post their forms (CSRF token)."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self._http = httpx.Client(base_url=base, timeout=30)
        answer = self.post("/login", "/login", {"username": username, "password": password})
        if answer.status_code >= 400:
            raise RuntimeError(f"signing in as {username} failed ({answer.status_code})")

    def get(self, path: str) -> str:
        """A page's HTML."""
        answer = self._http.get(path)
        answer.raise_for_status()
        return answer.text

    def post(
        self,
        path: str,
        form_page: str,
        fields: dict[str, str],
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """Post a form with the CSRF token of the page it is on; the answer, redirects followed."""
        found = _CSRF.search(self._http.get(form_page).text)
        if found is None:
            raise RuntimeError(f"{form_page} has no form token")
        data = {**fields, "csrf_token": found.group(1)}
        return self._http.post(path, data=data, files=files, follow_redirects=True)

    def close(self) -> None:
        """Sign out of nothing; close the connection."""
        self._http.close()


def _wait(condition: Callable[[], bool], kiosk: Kiosk, seconds: float = STEP_SECONDS) -> bool:
    """True once `condition` holds; the kiosk's sync loop is woken meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        kiosk.sync.wake()
        time.sleep(0.2)
    return condition()


def _check(label: str, url: str, seen: bool) -> bool:
    print(f"  on the dashboard:  {url}  ({label if seen else 'NOT ' + label})", flush=True)
    return seen


def send_command(kiosk: Kiosk, board: Dashboard, kiosk_id: str) -> bool:
    """Ops send "print test page"; the kiosk prints it and reports; the page shows it."""
    page = f"/kiosks/{kiosk_id}"
    print("2. ops send a command: print a test page", flush=True)
    printer = kiosk.simulators.printer
    before = len(printer.pngs()) if printer is not None else 0
    board.post(f"{page}/commands", page, {"kind": "print_test_page", "ttl_minutes": "10"})
    if printer is not None and _wait(lambda: len(printer.pngs()) > before, kiosk):
        print(f"  printed:           {printer.pngs()[before]}")
    done = 'data-state="succeeded"'
    return _check("succeeded", f"{board.base}{page}#commands", _wait(
        lambda: done in board.get(page), kiosk
    ))  # fmt: skip


def _catalog_services(kiosk: Kiosk) -> list[str]:
    keeper = kiosk.target
    catalog = keeper.catalog if keeper is not None else None
    return [s.flow.id for s in catalog.services] if catalog is not None else []


def change_target(kiosk: Kiosk, board: Dashboard, kiosk_id: str) -> bool:
    """Ops take a service off a group's menu; the kiosk applies it between visits."""
    print(f"3. ops change the target: a group {GROUP!r}, one service off its menu", flush=True)
    services = _catalog_services(kiosk)
    gone = "job_fair_signup" if "job_fair_signup" in services else services[-1]
    board.post("/groups", "/groups", {"name": GROUP})
    board.post("/groups/members", "/groups", {"kiosk_id": kiosk_id, "group": GROUP})
    group_page = board.get("/groups")
    found = re.search(r'href="/groups/(\d+)/target"', group_page)
    if found is None:
        print("  the group was not made")
        return False
    target_page = f"/groups/{found.group(1)}/target"
    # The form lists the services the kiosk reported; it may take a heartbeat to arrive.
    if not _wait(lambda: f"offer_{gone}" in board.get(target_page), kiosk):
        print("  the kiosk's catalog never reached the controller")
        return False
    offered = {f"offer_{s}": "on" for s in services if s != gone}
    board.post(target_page, target_page, {"help_phone": "12333", **offered})
    print(f"  off the menu:      {gone}")
    applied = _wait(lambda: gone not in _catalog_services(kiosk) and not kiosk.service.busy, kiosk)
    print(f"  applied between visits; the kiosk offers {len(_catalog_services(kiosk))} services,"
          f" {gone} not among them")  # fmt: skip
    page = f"/kiosks/{kiosk_id}"
    shown = _wait(lambda: "✓" in board.get(page) and f"group {GROUP}" in board.get(page), kiosk)
    return _check("applied ✓, from the group", f"{board.base}{page}#target", applied and shown)


def _installed(folder: Path) -> tuple[ReleaseLayout, SecretKey]:
    """The kiosk installed as release OLD under `folder`, and the release manager's key."""
    layout = ReleaseLayout(folder)
    layout.unpack(OLD, build_bundle(OLD, _REPO))
    layout.switch(OLD)
    return layout, SecretKey.generate()


def publish_update(kiosk: Kiosk, board: Dashboard, kiosk_id: str, folder: Path) -> bool:
    """A signed release staged, switched to and health-checked on the kiosk."""
    print(f"4. a signed update {OLD} -> {NEW}", flush=True)
    layout, key = _installed(folder / "opt")
    data_dir = kiosk.config.data_dir
    (data_dir / PUBLIC_KEY_FILE).write_text(key.public().text(), encoding="ascii")
    pinned = data_dir / PUBLIC_KEY_FILE
    print(f"  release key:       {key.public().key_id_hex}, pinned in {pinned}")
    bundle = build_bundle(NEW, _REPO)
    signature = sign_bundle(bundle, NEW, key)
    files = {"bundle": (f"estation-{NEW}.tar.gz", bundle, "application/gzip")}
    board.post("/updates/releases", "/updates", {"signature": signature}, files)
    board.post("/updates/rings", "/updates", {"kiosk_id": kiosk_id, "ring": "canary"})
    board.post("/updates/rollouts", "/updates", {"version": NEW})
    print(f"  uploaded:          estation-{NEW}.tar.gz ({len(bundle)} bytes), canary: {kiosk_id}")

    def token() -> str:
        return kiosk.enroller.ensure().device_token

    def updater() -> Updater:
        # What the kiosk program builds at start (kiosk/updater.py build_updater).
        made = Updater(
            layout,
            data_dir / STATE_FILE,
            key.public(),
            fetch=lambda o: kiosk.client.release_bundle(o.version, token(), limit=o.size),
            send=lambda report: kiosk.client.report_update(report, token()),
            clock=time.monotonic,
        )
        made.started()
        return made

    def beat(running: Updater) -> HeartbeatAck:
        status = kiosk.service.heartbeat()
        status = status.model_copy(update={
            "software_version": running.running_version,
            "capabilities": status.capabilities | {CAPABILITY_UPDATES},
        })  # fmt: skip
        ack = kiosk.client.heartbeat(status, token())
        running.heartbeat_answered(ack)
        return ack

    first = updater()
    beat(first)
    if first.staged != NEW:
        print("  the release was not staged")
        return False
    print(f"  verified, unpacked: {layout.releases / NEW}  (signature, sha256, release.json)")
    if first.tick(between_visits=not kiosk.service.busy) is not Step.RESTART:
        return False
    # The old version exits for systemd to start the new one: its sync loop stops here.
    kiosk.sync.stop()
    print(f"  switched:          {layout.current} -> releases/{layout.running()}, restarting")
    # The new version starts: its heartbeat is answered and its menu shows.
    second = updater()
    beat(second)
    second.saw(HealthSignal.MENU)  # headless: the menu a touchscreen would draw now
    healthy = second.check() is Step.HEALTHY
    state = "healthy" if healthy else "NOT healthy"
    print(f"  health check:      {state}, running {layout.running()}")

    def reported() -> bool:
        row = re.search(rf'<td class="mono">{kiosk_id}</td>(.*?)</tr>', board.get("/updates"))
        return row is not None and NEW in row.group(1) and "healthy" in row.group(1)

    seen = _wait(reported, kiosk)
    return _check(f"{kiosk_id} healthy on {NEW}", f"{board.base}/updates", healthy and seen)


def run_fleet(kiosk: Kiosk, dashboard: str, login: tuple[str, str], folder: Path) -> int:
    """Commands, a target and a signed update on an enrolled kiosk; 0 when all showed."""
    shutil.rmtree(folder / "opt", ignore_errors=True)
    kiosk_id = kiosk.enroller.ensure().kiosk_id
    print(f"1. kiosk enrolled:   {kiosk_id} ({FLEET_KIOSK}, simulators)", flush=True)
    board = Dashboard(dashboard, *login)
    try:
        shown = _check("listed", f"{dashboard}/kiosks/{kiosk_id}",
                       kiosk_id in board.get("/"))  # fmt: skip
        results = [
            shown,
            send_command(kiosk, board, kiosk_id),
            change_target(kiosk, board, kiosk_id),
            publish_update(kiosk, board, kiosk_id, folder),
        ]
    finally:
        board.close()
    return 0 if all(results) else 1
