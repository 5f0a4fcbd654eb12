"""Releases and rollouts on the controller: uploads checked, rings, thresholds, resume and
abort on the updates page (CSRF, audit), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.main import main as controller_main
from controller.services.audit import Actor
from controller.settings import Settings
from devkit.release import SecretKey, build_bundle, sign_bundle
from tests.controller.controller_testkit import (
    csrf_token,
    heartbeat,
    post_json,
    register,
    rows,
    signed_in_as,
)
from tests.support.bundles import with_other_wheel_bytes
from wire import CAPABILITY_UPDATES
from wire.release import trusted_comment

VERSION = "2.0.0"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "kiosk").mkdir(parents=True)
    (root / "kiosk" / "__init__.py").write_text("")
    return root


@pytest.fixture
def key() -> SecretKey:
    return SecretKey.generate()


def upload(client: TestClient, bundle: bytes, signature: str) -> Any:
    """Post the updates page's upload form, as a browser does."""
    return client.post(
        "/updates/releases",
        data={"signature": signature, "csrf_token": csrf_token(client, "/updates")},
        files={"bundle": ("estation.tar.gz", bundle, "application/gzip")},
    )


def form(client: TestClient, path: str, **fields: str) -> Any:
    """Post a form of the updates page with its CSRF token."""
    return client.post(path, data={**fields, "csrf_token": csrf_token(client, "/updates")})


def beat_offer(client: TestClient, token: str) -> Any:
    """The release a heartbeat answer offers a kiosk that understands updates."""
    body = heartbeat(capabilities=[CAPABILITY_UPDATES])
    answer = post_json(client, "/heartbeat", body, token)
    assert answer.status_code == 200, answer.text
    return answer.json().get("release")


def report(client: TestClient, token: str, outcome: str, reason: str = "") -> None:
    body = {
        "version": VERSION,
        "outcome": outcome,
        "reason": reason,
        "at": "2026-11-26T10:00:00+08:00",
    }
    answer = post_json(client, "/updates/report", body, token)
    assert answer.status_code == 200, answer.text


def test_the_page_refuses_unsigned_mislabelled_and_foreign_bundles(
    client: TestClient, settings: Settings, source: Path, key: SecretKey
) -> None:
    admin = signed_in_as(client, Role.OPS_ADMIN)
    bundle = build_bundle(VERSION, source, packages=("kiosk",))
    assert upload(admin, bundle, "").status_code == 400
    # Signed, but naming another bundle's digest.
    wrong = key.sign(bundle, trusted_comment(VERSION, "0" * 64))
    assert upload(admin, bundle, wrong).status_code == 400
    # With the release key in the data dir, another key's signature is refused too.
    (settings.data_dir / "release.pub").write_text(key.public().text())
    runtime: Any = admin.app.state.runtime  # type: ignore[attr-defined]
    runtime.updates.key = key.public()
    other = sign_bundle(bundle, VERSION, SecretKey.generate())
    refused = upload(admin, bundle, other)
    assert refused.status_code == 400
    assert "wrong_key" in refused.text
    assert rows(settings, "SELECT count(*) FROM releases") == [(0,)]
    stored = upload(admin, bundle, sign_bundle(bundle, VERSION, key))
    assert stored.status_code == 200
    assert rows(settings, "SELECT version FROM releases") == [(VERSION,)]
    audit = rows(settings, "SELECT action, target FROM audit_log WHERE action LIKE 'release%'")
    assert audit == [("release.added", VERSION)]


def test_the_page_refuses_a_bundle_whose_wheels_are_not_its_manifests(
    client: TestClient, settings: Settings, source: Path, key: SecretKey, tmp_path: Path
) -> None:
    admin = signed_in_as(client, Role.OPS_ADMIN)
    wheel = tmp_path / "tinypkg-0.1-py3-none-any.whl"
    wheel.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: only its digest matters
    requirements = tmp_path / "requirements.lock"
    requirements.write_text("tinypkg==0.1\n")
    honest = build_bundle(
        VERSION, source, packages=("kiosk",), requirements=requirements, wheels=[wheel]
    )
    swapped = with_other_wheel_bytes(honest)
    refused = upload(admin, swapped, sign_bundle(swapped, VERSION, key))
    assert refused.status_code == 400
    assert "wheel_mismatch" in refused.text
    assert rows(settings, "SELECT count(*) FROM releases") == [(0,)]
    assert upload(admin, honest, sign_bundle(honest, VERSION, key)).status_code == 200


def test_release_add_stores_a_signed_bundle_from_the_command_line(
    settings: Settings, source: Path, key: SecretKey, tmp_path: Path
) -> None:
    bundle = build_bundle(VERSION, source, packages=("kiosk",))
    path = tmp_path / f"estation-{VERSION}.tar.gz"
    path.write_bytes(bundle)
    argv = ["release", "add", str(path), "--db", settings.database_url]
    argv += ["--data-dir", str(settings.data_dir)]
    assert controller_main(argv) == 1  # no .minisig beside it
    Path(f"{path}.minisig").write_text(sign_bundle(bundle, VERSION, key))
    assert controller_main(argv) == 0
    assert controller_main(argv) == 1  # stored already
    assert rows(settings, "SELECT version, size FROM releases") == [(VERSION, len(bundle))]


def test_the_canary_ring_halts_the_rollout_and_an_admin_resumes_then_aborts_it(
    client: TestClient, settings: Settings, source: Path, key: SecretKey
) -> None:
    kiosks = [register(client, f"hw-{n:04d}", f"{n}号机") for n in range(5)]
    admin = signed_in_as(client, Role.OPS_ADMIN)
    bundle = build_bundle(VERSION, source, packages=("kiosk",))
    assert upload(admin, bundle, sign_bundle(bundle, VERSION, key)).status_code == 200
    canaries, rest = kiosks[:2], kiosks[2:]
    for kiosk_id, _token in canaries:
        done = form(admin, "/updates/rings", kiosk_id=kiosk_id, ring="canary")
        assert done.status_code == 200
    started = form(admin, "/updates/rollouts", version=VERSION, failure_percent="20")
    assert started.status_code == 200
    # Only the canaries are offered the release; everyone else keeps what they run.
    offer = beat_offer(client, canaries[0][1])
    assert isinstance(offer, dict)
    assert offer["version"] == VERSION
    assert [beat_offer(client, token) for _id, token in rest] == [None, None, None]
    report(client, canaries[0][1], "staged")
    report(client, canaries[1][1], "rolled_back", "health check: no menu")
    # 1 of 2 canaries failed: 50 % > 20 %, halted; nobody is offered it any more.
    assert rows(settings, "SELECT state, ring FROM rollouts") == [("halted", "canary")]
    client.app.state.runtime.updates.changed()  # type: ignore[attr-defined]
    assert beat_offer(client, canaries[0][1]) is None
    page = admin.get("/updates")
    assert "1 of 2 kiosks failed" in page.text
    assert "health check: no menu" in page.text
    (rollout_id,) = rows(settings, "SELECT id FROM rollouts")[0]
    # A viewer watches but cannot decide; a form without its CSRF token is refused.
    assert admin.post(f"/updates/rollouts/{rollout_id}/resume").status_code == 403
    resumed = form(admin, f"/updates/rollouts/{rollout_id}/resume")
    assert resumed.status_code == 200
    assert rows(settings, "SELECT state FROM rollouts") == [("running",)]
    assert beat_offer(client, canaries[0][1]) is not None
    report(client, canaries[0][1], "healthy")
    # Not enough healthy canaries for the next ring (1 of 2, success at 100 %).
    assert rows(settings, "SELECT ring FROM rollouts") == [("canary",)]
    aborted = form(admin, f"/updates/rollouts/{rollout_id}/abort")
    assert aborted.status_code == 200
    assert rows(settings, "SELECT state FROM rollouts") == [("aborted",)]
    assert beat_offer(client, canaries[0][1]) is None
    assert form(admin, f"/updates/rollouts/{rollout_id}/resume").status_code == 409
    actions = rows(
        settings,
        "SELECT action, role FROM audit_log WHERE action LIKE 'rollout%' ORDER BY id",
    )
    assert actions == [
        ("rollout.started", "ops_admin"),
        ("rollout.halted", "controller"),
        ("rollout.resumed", "ops_admin"),
        ("rollout.aborted", "ops_admin"),
    ]
    viewer = signed_in_as(client, Role.OPS_VIEWER)
    assert viewer.get("/updates").status_code == 200
    assert form(viewer, f"/updates/rollouts/{rollout_id}/abort").status_code == 403


def test_healthy_canaries_open_the_next_rings(
    client: TestClient, settings: Settings, source: Path, key: SecretKey
) -> None:
    (canary_id, canary), (early_id, early), (_late_id, late) = [
        register(client, f"hw-{n:04d}", f"{n}号机") for n in range(3)
    ]
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    bundle = build_bundle(VERSION, source, packages=("kiosk",))
    with runtime.db.session() as session:
        admin = Actor.user("admin", "ops_admin")
        runtime.updates.add_release(session, admin, bundle, sign_bundle(bundle, VERSION, key))
        runtime.updates.set_ring(session, admin, canary_id, "canary")
        runtime.updates.set_ring(session, admin, early_id, "early")
        runtime.updates.start(session, admin, VERSION)
        session.commit()
    assert [beat_offer(client, t) is not None for t in (canary, early, late)] == [
        True,
        False,
        False,
    ]
    report(client, canary, "healthy")
    assert rows(settings, "SELECT ring FROM rollouts") == [("early",)]
    report(client, early, "healthy")
    assert rows(settings, "SELECT state, ring FROM rollouts") == [("running", "all")]
    assert beat_offer(client, late) is not None
    bundle_answer = client.get(
        f"/api/v1/releases/{VERSION}/bundle", headers={"Authorization": f"Bearer {late}"}
    )
    assert bundle_answer.content == bundle
    assert client.get(f"/api/v1/releases/{VERSION}/bundle").status_code == 401
