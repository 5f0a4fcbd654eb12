"""Enrollment over the kiosk API: pairing codes, serials, pending kiosks, identity conflicts,
and per-device credentials (forged, revoked, pending, rotated). Both databases."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.services.audit import Actor
from controller.services.enrollment_codes import format_code, new_code, normalise_code
from controller.settings import Settings
from tests.controller.controller_testkit import (
    add_regions,
    enroll_body,
    heartbeat,
    pairing_code,
    post_json,
    preauthorise,
    register,
    rows,
    signed_in_as,
)
from tests.support.clock import FakeClock
from wire import API_PREFIX


def enroll(client: TestClient, proof: str | None = None, **fields: Any) -> Any:
    """POST kiosks/register with enroll_body(**fields), proving with `proof` if given."""
    body = enroll_body(**fields)
    return post_json(client, "/kiosks/register", body, proof)


def beat(client: TestClient, token: str) -> Any:
    return post_json(client, "/heartbeat", heartbeat(), token)


def me(client: TestClient, token: str) -> Any:
    return client.get(f"{API_PREFIX}/kiosks/me", headers={"Authorization": f"Bearer {token}"})


def runtime(client: TestClient) -> Any:
    return client.app.state.runtime  # type: ignore[attr-defined]


def decide(client: TestClient, what: str, kiosk_id: str) -> None:
    """Approve, reject, revoke or decommission through the service, as the page does."""
    rt = runtime(client)
    with rt.db.session() as session:
        getattr(rt.enrollment, what)(session, Actor.user("tech", "technician"), kiosk_id)
        session.commit()


# -- codes --------------------------------------------------------------------------------


def test_codes_are_eight_unambiguous_characters_read_back_however_typed() -> None:
    code = new_code()
    assert len(code) == 8
    assert not set(code) & set("ILOU")
    shown = format_code(code)
    assert shown[4] == "-"
    assert normalise_code(shown.lower()) == code
    assert normalise_code(" k7qm 4zp2 ") == "K7QM4ZP2"
    assert normalise_code("K7QM-4ZPO") == "K7QM4ZP0"  # O is a zero
    assert normalise_code("k7qm-4zpi") == normalise_code("K7QM-4ZPL") == "K7QM4ZP1"
    assert normalise_code("K7QM-4ZP") is None
    assert normalise_code("K7QM-4ZP!") is None


def test_a_code_enrolls_one_active_kiosk_and_is_kept_only_as_a_keyed_hash(
    client: TestClient, settings: Settings
) -> None:
    code = pairing_code(client, note="朝阳区大厅")
    answer = enroll(client, pairing_code=code.lower().replace("-", " "))
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "active"
    assert beat(client, answer.json()["device_token"]).status_code == 200
    [(code_hash, used_by, note)] = rows(
        settings, "SELECT code_hash, used_by, note FROM pairing_codes"
    )
    assert (used_by, note) == ("KA01", "朝阳区大厅")
    assert code.replace("-", "") not in code_hash
    assert len(code_hash) == 64


def test_a_replayed_code_is_refused(client: TestClient, settings: Settings) -> None:
    code = pairing_code(client)
    assert enroll(client, pairing_code=code).status_code == 201
    again = enroll(client, hardware_id="hw-0002", pairing_code=code)
    assert again.status_code == 403
    assert again.json()["code"] == "pairing_code_refused"
    assert rows(settings, "SELECT count(*) FROM kiosks") == [(1,)]


def test_an_expired_code_is_refused(client: TestClient, clock: FakeClock) -> None:
    code = pairing_code(client)
    clock.advance(30 * 60)
    answer = enroll(client, pairing_code=code)
    assert answer.status_code == 403
    assert answer.json()["code"] == "pairing_code_refused"


def test_wrong_expired_and_used_codes_get_the_same_refusal_and_the_audit_log_says_which(
    client: TestClient, clock: FakeClock, settings: Settings
) -> None:
    used = pairing_code(client)
    enroll(client, pairing_code=used)
    expired = pairing_code(client, minutes=1)
    clock.advance(61)
    answers = [
        enroll(client, hardware_id=f"hw-x{n}", pairing_code=code)
        for n, code in enumerate(["ZZZZ-ZZZZ", expired, used])
    ]
    assert {a.status_code for a in answers} == {403}
    assert len({a.text for a in answers}) == 1  # the caller cannot tell them apart
    details = rows(
        settings, "SELECT detail FROM audit_log WHERE action = 'enrollment.refused' ORDER BY id"
    )
    assert [d.split(" (")[0] for (d,) in details] == [
        "pairing code wrong",
        "pairing code expired",
        "pairing code used",
    ]


def test_brute_forcing_codes_is_429_after_ten_refusals_even_for_a_right_code(
    client: TestClient, clock: FakeClock
) -> None:
    for n in range(10):
        assert enroll(client, pairing_code=f"AAAA-AA{n:02d}").status_code == 403
    right = pairing_code(client)
    limited = enroll(client, pairing_code=right)
    assert limited.status_code == 429
    assert limited.json()["code"] == "enrollment_limited"
    assert int(limited.headers["Retry-After"]) > 0
    clock.advance(int(limited.headers["Retry-After"]))
    assert enroll(client, pairing_code=right).status_code == 201  # the code was not used


def test_two_kiosks_racing_with_one_code_one_wins(client: TestClient, settings: Settings) -> None:
    code = pairing_code(client)
    start = threading.Barrier(2)
    answers: dict[str, int] = {}

    def claim(hardware_id: str) -> None:
        start.wait()
        answers[hardware_id] = enroll(
            client, hardware_id=hardware_id, pairing_code=code
        ).status_code

    threads = [threading.Thread(target=claim, args=(f"hw-race{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [201, 403]
    assert rows(settings, "SELECT count(*) FROM kiosks WHERE state = 'active'") == [(1,)]


# -- serials and pending kiosks -------------------------------------------------------------


def test_a_preauthorised_serial_is_approved_once(client: TestClient, settings: Settings) -> None:
    preauthorise(client, "SN-0042")
    first = enroll(client, hardware_id="SN-0042")
    assert (first.status_code, first.json()["state"]) == (201, "active")
    assert rows(settings, "SELECT used_by FROM preauthorised_serials") == [("KA01",)]
    # Used: the same hardware without its token is now an identity conflict.
    assert enroll(client, hardware_id="SN-0042").status_code == 409


def test_without_code_or_serial_a_kiosk_waits_pending_until_approved(
    client: TestClient,
) -> None:
    answer = enroll(client)
    assert (answer.status_code, answer.json()["state"]) == (201, "pending")
    token = answer.json()["device_token"]
    refused = beat(client, token)
    assert (refused.status_code, refused.json()["code"]) == (403, "pending_approval")
    assert me(client, token).json()["state"] == "pending"
    decide(client, "approve", answer.json()["kiosk_id"])
    assert me(client, token).json()["state"] == "active"
    assert beat(client, token).status_code == 200  # the same token, now good for everything


def test_a_rejected_pending_kiosk_is_refused_and_its_hardware_may_ask_again(
    client: TestClient,
) -> None:
    answer = enroll(client)
    token = answer.json()["device_token"]
    decide(client, "reject", answer.json()["kiosk_id"])
    refused = me(client, token)
    assert (refused.status_code, refused.json()["code"]) == (401, "credential_decommissioned")
    again = enroll(client)
    assert again.json()["state"] == "pending"  # a fresh approval, not a conflict


def test_pending_enrollments_are_limited_per_address_and_in_number(
    client: TestClient, settings: Settings
) -> None:
    for n in range(5):
        assert enroll(client, hardware_id=f"hw-p{n}").json()["state"] == "pending"
    limited = enroll(client, hardware_id="hw-p5")
    assert (limited.status_code, limited.json()["code"]) == (429, "enrollment_limited")
    assert rows(settings, "SELECT count(*) FROM kiosks") == [(5,)]


def test_the_number_of_pending_kiosks_is_capped(tmp_path: Any, database_url: str) -> None:
    from controller.app import create_app
    from controller.settings import EnrollmentSettings

    capped = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        enrollment=EnrollmentSettings(max_pending=2),
    )
    with TestClient(create_app(capped)) as client:
        assert enroll(client, hardware_id="hw-p1").status_code == 201
        assert enroll(client, hardware_id="hw-p2").status_code == 201
        full = enroll(client, hardware_id="hw-p3")
        assert full.status_code == 429
        assert "waiting for approval" in full.json()["error"]
        # A code still works: the cap is on kiosks nobody vouched for.
        assert (
            enroll(client, hardware_id="hw-p3", pairing_code=pairing_code(client)).status_code
            == 201
        )


# -- known hardware ------------------------------------------------------------------------


def test_a_second_kiosk_claiming_a_known_hardware_id_is_409_with_one_alert(
    client: TestClient, settings: Settings
) -> None:
    kiosk_id, token = register(client, name="真的一号机")
    for _ in range(2):
        claim = enroll(client, name="冒名者", site="别处")
        assert claim.status_code == 409
        assert claim.json()["code"] == "identity_conflict"
        assert kiosk_id in claim.json()["error"]
    # A forged proof is no better.
    assert enroll(client, proof=f"{kiosk_id}.forged", name="冒名者").status_code == 409
    assert beat(client, token).status_code == 200  # the real kiosk is untouched
    assert rows(settings, "SELECT name, site FROM kiosks") == [("真的一号机", "朝阳区人社局大厅")]
    alerts = rows(settings, "SELECT kind, occurrences, state FROM alerts")
    assert alerts == [("identity_conflict", 3, "open")]
    conflicts = rows(
        settings, "SELECT count(*) FROM audit_log WHERE action = 'enrollment.identity_conflict'"
    )
    assert conflicts == [(3,)]


def test_another_kiosks_token_is_no_proof(client: TestClient) -> None:
    register(client)
    _, other = register(client, hardware_id="hw-0002")
    assert enroll(client, proof=other).status_code == 409


def test_reenrolling_with_the_current_token_keeps_the_kiosk_and_rotates_its_token(
    client: TestClient, settings: Settings
) -> None:
    kiosk_id, token = register(client)
    again = enroll(client, proof=token, name="改名", software_version="0.2.0")
    assert again.status_code == 200
    assert again.json()["kiosk_id"] == kiosk_id
    new = again.json()["device_token"]
    assert new != token
    assert rows(settings, "SELECT name, software_version FROM kiosks") == [("改名", "0.2.0")]
    assert beat(client, token).status_code == 200  # the old one until the new one is used
    assert beat(client, new).status_code == 200
    assert beat(client, token).status_code == 401


# -- credentials ----------------------------------------------------------------------------


def test_a_forged_token_is_401_unknown(client: TestClient, device: tuple[str, str]) -> None:
    kiosk_id, token = device
    for forged in (f"{kiosk_id}.{'A' * 43}", "KZ99.whatever", "no-dot", "x" * 500):
        answer = beat(client, forged)
        assert (answer.status_code, answer.json()["code"]) == (401, "credential_unknown")


def test_a_token_with_another_kiosks_id_in_front_is_401(client: TestClient) -> None:
    _, first = register(client)
    second_id, _ = register(client, hardware_id="hw-0002")
    spliced = f"{second_id}.{first.split('.', 1)[1]}"
    assert beat(client, spliced).status_code == 401


def test_a_revoked_token_is_401_revoked_until_a_fresh_code(
    client: TestClient, settings: Settings
) -> None:
    kiosk_id, token = register(client)
    decide(client, "revoke", kiosk_id)
    refused = beat(client, token)
    assert (refused.status_code, refused.json()["code"]) == (401, "credential_revoked")
    assert enroll(client, proof=token).status_code == 401  # its own token proves nothing now
    back = enroll(client, pairing_code=pairing_code(client))
    assert (back.status_code, back.json()["kiosk_id"]) == (200, kiosk_id)
    assert beat(client, back.json()["device_token"]).status_code == 200
    assert beat(client, token).status_code == 401


def test_a_decommissioned_kiosk_leaves_the_fleet_and_comes_back_only_approved(
    client: TestClient,
) -> None:
    kiosk_id, token = register(client)
    ops = signed_in_as(TestClient(client.app, client=("127.0.0.1", 50000)), Role.OPS_VIEWER)
    assert f"/kiosks/{kiosk_id}" in ops.get("/").text
    decide(client, "decommission", kiosk_id)
    refused = beat(client, token)
    assert (refused.status_code, refused.json()["code"]) == (401, "credential_decommissioned")
    assert f"/kiosks/{kiosk_id}" not in ops.get("/").text
    assert enroll(client).json()["state"] == "pending"
    # Waiting for approval again: on the enrollment page, not yet back on the fleet page.
    assert f"/kiosks/{kiosk_id}" not in ops.get("/").text


def test_rotation_hands_out_a_new_token_and_the_old_one_works_until_it_is_used(
    client: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    headers = {"Authorization": f"Bearer {token}"}
    first = client.post(f"{API_PREFIX}/kiosks/rotate", headers=headers).json()["device_token"]
    # The answer was lost: the kiosk asks again with the token it still holds.
    second = client.post(f"{API_PREFIX}/kiosks/rotate", headers=headers).json()["device_token"]
    assert beat(client, first).status_code == 401  # replaced before it was ever used
    assert beat(client, token).status_code == 200
    assert beat(client, second).status_code == 200
    rotated_out = beat(client, token)
    assert (rotated_out.status_code, rotated_out.json()["code"]) == (401, "credential_unknown")


def test_a_heartbeat_asks_for_rotation_once_the_token_is_old(
    client: TestClient, device: tuple[str, str], clock: FakeClock
) -> None:
    _, token = device

    def ask(token: str) -> bool:
        answer = post_json(client, "/heartbeat", heartbeat(sent_at=clock.wall().isoformat()), token)
        assert answer.status_code == 200, answer.text
        return bool(answer.json()["rotate_credential"])

    assert ask(token) is False
    clock.advance(30 * 24 * 3600)
    assert ask(token) is True
    headers = {"Authorization": f"Bearer {token}"}
    new = client.post(f"{API_PREFIX}/kiosks/rotate", headers=headers).json()["device_token"]
    assert ask(new) is False


def test_every_enrollment_decision_is_audited(client: TestClient, settings: Settings) -> None:
    pairing_code(client, note="x")
    preauthorise(client, "SN-1")
    pending = enroll(client, hardware_id="hw-a").json()["kiosk_id"]
    other = enroll(client, hardware_id="hw-b").json()["kiosk_id"]
    decide(client, "approve", pending)
    decide(client, "reject", other)
    decide(client, "revoke", pending)
    decide(client, "decommission", pending)
    actions = {a for (a,) in rows(settings, "SELECT action FROM audit_log")}
    assert {
        "enrollment.code_issued",
        "enrollment.serial_preauthorised",
        "enrollment.enrolled",
        "enrollment.approved",
        "enrollment.rejected",
        "credential.revoked",
        "kiosk.decommissioned",
    } <= actions


@pytest.mark.parametrize("what", ["approve", "reject"])
def test_only_a_pending_kiosk_is_approved_or_rejected(
    client: TestClient, device: tuple[str, str], what: str
) -> None:
    from controller.services.errors import Conflict

    with pytest.raises(Conflict, match="not waiting for approval"):
        decide(client, what, device[0])


# -- where the technician installed it -----------------------------------------------------


def test_a_kiosk_enrolled_with_its_site_is_placed_in_the_region_tree_and_it_is_audited(
    client: TestClient, settings: Settings
) -> None:
    add_regions(client)
    code = pairing_code(client)
    where = {"site": "东坡路站", "address": "东坡路1号", "region_code": "330102001001"}
    answer = enroll(client, pairing_code=code, **where)
    assert answer.status_code == 201, answer.text
    assert rows(settings, "SELECT region_code, site, address FROM kiosks") == [
        ("330102001001", "东坡路站", "东坡路1号")
    ]
    [(detail,)] = rows(settings, "SELECT detail FROM audit_log WHERE action = 'kiosk.placed'")
    assert detail.startswith("at enrollment: region=-->330102001001")


def test_the_stations_gps_hours_and_help_phone_are_kept_and_shown_on_the_kiosk_page(
    client: TestClient, settings: Settings
) -> None:
    code = pairing_code(client)
    facts = {"latitude": 28.66, "longitude": 120.09, "opening_hours": "08:00-20:00",
             "help_phone": "0578-3100000"}  # fmt: skip
    answer = enroll(client, pairing_code=code, **facts)
    assert answer.status_code == 201, answer.text
    kiosk_id, token = answer.json()["kiosk_id"], answer.json()["device_token"]
    columns = "SELECT latitude, longitude, opening_hours, help_phone FROM kiosks"
    assert rows(settings, columns) == [(28.66, 120.09, "08:00-20:00", "0578-3100000")]
    # an older kiosk that says none of them, enrolling again, leaves them as they were
    assert enroll(client, proof=token).status_code == 200
    assert rows(settings, columns) == [(28.66, 120.09, "08:00-20:00", "0578-3100000")]
    page = signed_in_as(client, Role.OPS_ADMIN).get(f"/kiosks/{kiosk_id}").text
    station = page[page.index('id="station"') :]
    assert "28.66000, 120.09000" in station
    assert "08:00-20:00" in station
    assert "0578-3100000" in station


def test_a_gps_position_off_the_globe_is_refused(client: TestClient) -> None:
    code = pairing_code(client)
    refused = enroll(client, pairing_code=code, latitude=91.0, longitude=120.0)
    assert refused.status_code == 422


def test_a_site_outside_the_tree_is_refused_naming_the_field_and_the_code_still_works(
    client: TestClient, settings: Settings
) -> None:
    add_regions(client)
    code = pairing_code(client)
    refused = enroll(client, pairing_code=code, region_code="330102009001")
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("region_code: Region 330102009001 is not in")
    assert rows(settings, "SELECT count(*) FROM kiosks") == [(0,)]
    assert enroll(client, pairing_code=code, region_code="330102001").status_code == 201
    assert rows(settings, "SELECT region_code FROM kiosks") == [("330102001",)]


def test_reenrolling_without_a_site_leaves_the_kiosk_where_ops_placed_it(
    client: TestClient, settings: Settings
) -> None:
    add_regions(client)
    code = pairing_code(client)
    token = enroll(client, pairing_code=code, region_code="330106001").json()["device_token"]
    assert enroll(client, proof=token, name="改名").status_code == 200
    assert rows(settings, "SELECT region_code FROM kiosks") == [("330106001",)]
