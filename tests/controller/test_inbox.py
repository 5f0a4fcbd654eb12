"""The county inbox: a county's applications only, filters and counts, pages, the detail
page with masked answers and audited unmasking, the review with its reasons, racing
changes, bulk actions, notes and assignment. Every test on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.services.audit import Actor
from controller.services.inbox_errors import StaleVersion
from controller.settings import Settings
from tests.controller.controller_testkit import (
    ID_NUMBER,
    NAME,
    PHONE,
    SLOT,
    csrf_token,
    hold,
    list_slots,
    post_json,
    receipt,
    rows,
    seed,
)
from tests.controller.inbox_testkit import (
    MY_COUNTY,
    MY_TOWNSHIP,
    Counties,
    act,
    move,
    staff,
    submit,
    two_counties,
    version_on,
)

_NUMBER = re.compile(r'href="/inbox/(K[A-Z0-9]+-\d+)"')


def listed(page: str) -> list[str]:
    return _NUMBER.findall(page)


@pytest.fixture
def counties(client: TestClient) -> Counties:
    return two_counties(client)


def test_county_staff_see_their_countys_applications_with_counts_by_status(
    client: TestClient, counties: Counties
) -> None:
    mine = [submit(client, counties.mine, n) for n in (1, 2, 3)]
    theirs = submit(client, counties.theirs, 1)
    clerk = staff(client, "clerk")
    move(clerk, mine[0], "reviewing")
    page = clerk.get("/inbox").text
    assert sorted(listed(page)) == sorted(mine)
    assert theirs not in page
    assert re.search(
        r'data-status="received">[^<]*<small>Received</small> <span class="count">2<', page
    )
    assert re.search(
        r'data-status="reviewing">[^<]*<small>Under review</small> <span class="count">1<', page
    )
    assert listed(clerk.get("/inbox?status=reviewing").text) == [mine[0]]
    assert listed(clerk.get("/inbox?service=unemployment_registration").text) == []
    assert sorted(listed(clerk.get(f"/inbox?township={MY_TOWNSHIP}").text)) == sorted(mine)
    assert listed(clerk.get("/inbox?from=2026-11-27").text) == []
    assert len(listed(clerk.get("/inbox?from=2026-11-26&to=2026-11-26").text)) == 3
    # Masked on the list, the ID number and name never in clear.
    assert ID_NUMBER not in page
    assert NAME not in page


def test_the_inbox_pages_by_keyset_without_gaps_or_repeats(
    client: TestClient, counties: Counties
) -> None:
    numbers = [submit(client, counties.mine, n) for n in range(1, 121)]
    clerk = staff(client, "clerk")
    seen: list[str] = []
    page = clerk.get("/inbox").text
    while True:
        seen += listed(page)
        found = re.search(r'href="(/inbox\?[^"]*after=[^"]+)" rel="next"', page)
        if not found:
            break
        page = clerk.get(found.group(1).replace("&amp;", "&")).text
    assert len(seen) == 120
    assert seen == sorted(numbers, reverse=True)  # same time: newest id first
    assert 'rel="next"' not in page


def test_another_countys_application_detail_is_not_found_and_audited(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    theirs = submit(client, counties.theirs, 1)
    clerk = staff(client, "clerk")
    page = clerk.get(f"/inbox/{theirs}")
    unknown = clerk.get("/inbox/KZZ99-2611260001")
    assert page.status_code == unknown.status_code == 404
    assert page.text.replace(theirs, "KZZ99-2611260001") == unknown.text
    # A change aimed at it is refused the same way and changes nothing.
    token = csrf_token(clerk, "/inbox")
    answer = clerk.post(
        f"/inbox/{theirs}/status", data={"csrf_token": token, "status": "reviewing", "version": "1"}
    )
    assert answer.status_code == 404
    assert rows(settings, "SELECT status, version FROM transactions WHERE number = ?", theirs) == [
        ("received", 1)
    ]
    assert rows(
        settings, "SELECT actor, action, target, detail FROM audit_log"
        " WHERE action = 'application.refused' ORDER BY id",
    ) == [("clerk", "application.refused", theirs, "outside region")] * 2  # fmt: skip


def test_another_countys_township_in_the_filters_is_refused_and_audited(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    submit(client, counties.theirs, 1)
    clerk = staff(client, "clerk")
    assert clerk.get("/inbox?township=330106001").status_code == 403
    assert clerk.get("/inbox/export.csv?township=330106001").status_code == 403
    assert rows(
        settings, "SELECT target FROM audit_log WHERE action = 'application.refused' ORDER BY id"
    ) == [("inbox",), ("export.csv",)]


def test_ops_see_every_county_but_cannot_review_or_unmask(
    client: TestClient, counties: Counties
) -> None:
    mine, theirs = submit(client, counties.mine, 1), submit(client, counties.theirs, 1)
    viewer = staff(client, "viewer", role=Role.OPS_VIEWER)
    assert sorted(listed(viewer.get("/inbox").text)) == sorted([mine, theirs])
    page = viewer.get(f"/inbox/{theirs}").text
    assert 'id="review"' not in page
    assert "/reveal" not in page
    token = csrf_token(viewer, "/inbox")
    assert (
        viewer.post(
            f"/inbox/{mine}/reveal", data={"csrf_token": token, "field": "name", "reason": "check"}
        ).status_code
        == 403
    )


def test_answers_are_masked_until_a_field_is_unmasked_for_a_reason(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    number = submit(client, counties.mine, 1)
    clerk = staff(client, "clerk")
    page = clerk.get(f"/inbox/{number}").text
    assert ID_NUMBER not in page
    assert NAME not in page
    assert PHONE not in page
    assert "138****5678" in page
    refused = act(clerk, number, "reveal", field="answer:phone", reason="")
    assert refused.status_code == 400
    assert PHONE not in refused.text
    shown = act(clerk, number, "reveal", field="answer:phone", reason="电话回访")
    assert shown.status_code == 200
    assert PHONE in shown.text
    assert ID_NUMBER not in shown.text  # only the field asked for
    assert PHONE not in clerk.get(f"/inbox/{number}").text  # masked again after
    assert rows(
        settings,
        "SELECT actor, target, detail FROM audit_log WHERE action = 'application.revealed'",
    ) == [("clerk", number, "field=answer:phone reason=电话回访")]


def test_a_bundle_shows_each_item_with_its_own_answers(
    client: TestClient, counties: Counties
) -> None:
    items = [
        {"service": "employment_registration", "fields": {"employer": "某某公司"}},
        {"service": "flexible_insurance_enrolment", "fields": {"grade": "60%"}},
    ]
    number = submit(client, counties.mine, 1, service="bundle_flexible_employment", items=items)
    clerk = staff(client, "clerk")
    page = clerk.get(f"/inbox/{number}").text
    assert "灵活就业一件事" in page
    assert "一件事第 1 项" in page
    assert "一件事第 2 项" in page
    assert 'data-field="answer:1.employer"' in page
    assert 'data-field="answer:2.grade"' in page
    assert "某某公司" not in page
    assert "某某公司" in act(clerk, number, "reveal", field="answer:1.employer", reason="核对").text


def test_returned_with_a_reason_reaches_my_applications_and_the_receipt_page(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    number = submit(client, counties.mine, 1)
    clerk = staff(client, "clerk")
    assert move(clerk, number, "reviewing").status_code == 200
    no_reason = move(clerk, number, "returned")
    assert no_reason.status_code == 400
    assert "须说明理由" in no_reason.text
    answer = move(clerk, number, "returned", reason_code="missing_document",
                  reason_text="请补交劳动合同复印件，电话 13812345678")  # fmt: skip
    assert answer.status_code == 200, answer.text
    # Numbers in free text are masked on the way in.
    assert rows(
        settings,
        "SELECT status, version, reason_code, reason_text FROM transactions WHERE number = ?",
        number,
    ) == [  # fmt: skip
        ("returned", 3, "missing_document", "请补交劳动合同复印件，电话 138****5678")
    ]
    mine = post_json(
        client,
        "/my-applications",
        {"id_number": ID_NUMBER, "identity_method": "id_card"},
        counties.mine[1],
    )
    [app] = [a for a in mine.json()["applications"] if a["number"] == number]
    assert app["status"] == "returned"
    assert app["status_text"]["zh-CN"] == (
        "退回补正：缺少所需材料，请带齐材料到服务大厅补交。请补交劳动合同复印件，电话 138****5678"
    )
    assert app["status_text"]["en"].startswith("Returned for completion: A required document")
    public = client.get(receipt(number)).text
    assert "缺少所需材料" in public
    assert "A required document is missing" in public
    assert "13812345678" not in public
    assert ID_NUMBER not in public
    assert NAME not in public
    history = rows(settings, "SELECT actor, detail FROM audit_log WHERE action ="
                   " 'application.status' ORDER BY id")  # fmt: skip
    assert history == [
        ("clerk", "received->reviewing"),
        (
            "clerk",
            "reviewing->returned reason=missing_document 请补交劳动合同复印件，电话 138****5678",
        ),
    ]


def test_a_status_that_does_not_follow_is_refused(client: TestClient, counties: Counties) -> None:
    number = submit(client, counties.mine, 1)
    clerk = staff(client, "clerk")
    page = clerk.get(f"/inbox/{number}").text
    token = csrf_token(clerk, f"/inbox/{number}")
    answer = clerk.post(f"/inbox/{number}/status", data={
        "csrf_token": token, "status": "approved", "version": str(version_on(page))})  # fmt: skip
    assert answer.status_code == 400
    assert "不能改为" in answer.text


def test_a_status_change_racing_another_staff_members_gets_a_clear_conflict(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    number = submit(client, counties.mine, 1)
    first, second = staff(client, "first"), staff(client, "second")
    seen = version_on(second.get(f"/inbox/{number}").text)
    assert move(first, number, "reviewing").status_code == 200
    token = csrf_token(second, f"/inbox/{number}")
    late = second.post(
        f"/inbox/{number}/status",
        data={"csrf_token": token, "status": "reviewing", "version": str(seen)},
    )
    assert late.status_code == 409
    assert "已被他人修改" in late.text
    assert "nothing was saved" in late.text
    assert rows(settings, "SELECT status, version FROM transactions WHERE number = ?", number) == [
        ("reviewing", 2)
    ]
    assert rows(settings, "SELECT actor FROM audit_log WHERE action = 'application.status'") == [
        ("first",)
    ]


def test_two_threads_changing_one_version_at_once_only_one_wins(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    number = submit(client, counties.mine, 1)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def change(name: str, status: str) -> None:
        with runtime.db.session() as session:
            row = runtime.inbox.find(session, MY_COUNTY, number)
            barrier.wait()
            try:
                runtime.inbox.change_status(
                    session, Actor.user(name, "county_staff"), row, 1, status
                )
                session.commit()
                outcomes.append("won")
            except StaleVersion:
                outcomes.append("conflict")

    threads = [threading.Thread(target=change, args=(n, "reviewing")) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict", "won"]
    assert rows(settings, "SELECT version FROM transactions WHERE number = ?", number) == [(2,)]
    assert rows(settings, "SELECT COUNT(*) FROM audit_log WHERE action = 'application.status'") == [
        (1,)
    ]


def test_bulk_actions_change_each_and_report_the_stale_and_the_impossible(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    a, b, c = (submit(client, counties.mine, n) for n in (1, 2, 3))
    theirs = submit(client, counties.theirs, 1)
    clerk = staff(client, "clerk")
    move(clerk, c, "reviewing")  # c is now version 2: the bulk form's version 1 is stale
    token = csrf_token(clerk, "/inbox")
    answer = clerk.post("/inbox/bulk", data={
        "csrf_token": token, "status": "reviewing",
        f"pick:{a}": "1", f"pick:{b}": "1", f"pick:{c}": "1", f"pick:{theirs}": "1"})  # fmt: skip
    assert answer.status_code == 200
    assert re.search(r'id="changed">([^<]*)<', answer.text).group(1) == f"{a}, {b}"  # type: ignore[union-attr]
    assert re.search(r'id="conflicts">([^<]*)<', answer.text).group(1) == c  # type: ignore[union-attr]
    assert re.search(r'id="refused">([^<]*)<', answer.text).group(1) == theirs  # type: ignore[union-attr]
    assert rows(settings, "SELECT number, status FROM transactions ORDER BY number") == sorted(
        [(a, "reviewing"), (b, "reviewing"), (c, "reviewing"), (theirs, "received")]
    )


def test_notes_and_assignment_are_kept_audited_and_never_shown_to_the_citizen(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    number = submit(client, counties.mine, 1)
    clerk = staff(client, "clerk")
    assert act(clerk, number, "notes", text=f"已电话联系 {PHONE}").status_code == 200
    version = version_on(clerk.get(f"/inbox/{number}").text)
    assert (
        act(clerk, number, "assign", username="Colleague", version=str(version)).status_code == 200
    )
    stale = act(clerk, number, "assign", username="me", version=str(version))
    assert stale.status_code == 409
    page = clerk.get(f"/inbox/{number}").text
    assert "已电话联系 138****5678" in page
    assert PHONE not in page
    assert listed(clerk.get("/inbox?assigned=colleague").text) == [number]
    assert "已电话联系" not in client.get(receipt(number)).text
    assert rows(
        settings,
        "SELECT action, detail FROM audit_log WHERE target = ? AND action"
        " IN ('application.note', 'application.assigned') ORDER BY id",
        number,
    ) == [  # fmt: skip
        ("application.note", "chars=17"),
        ("application.assigned", "to=colleague"),
    ]


def test_a_booking_that_could_not_be_kept_is_shown_and_explained(
    client: TestClient, counties: Counties
) -> None:
    seed(client)
    token = counties.mine[1]
    list_slots(client, token)
    for n in range(3):  # others took every place of the slot
        assert hold(client, token, key=f"{n}" * 32).status_code == 201
    number = submit(client, counties.mine, 1, selected={"slots": SLOT})
    clerk = staff(client, "clerk")
    assert listed(clerk.get("/inbox?status=booking_failed").text) == [number]
    page = clerk.get(f"/inbox/{number}").text
    assert "预约未成功" in page
    assert SLOT in page
    assert "所选名额在申请送达时已满" in page
    # It can be taken up like a received one.
    assert move(clerk, number, "reviewing").status_code == 200


def test_every_form_of_the_inbox_pages_carries_the_sessions_csrf_token(
    client: TestClient, counties: Counties
) -> None:
    # The helpers above take the first token on a page (the sign-out form's), so a form
    # whose macro lost the template context would post an empty token unnoticed here.
    number = submit(client, counties.mine, 1)
    clerk = staff(client, "clerk")
    for path in ("/inbox", f"/inbox/{number}"):
        page = clerk.get(path).text
        tokens = re.findall(r'name="csrf_token" value="([^"]*)"', page)
        assert len(tokens) >= 2, path
        assert set(tokens) == {csrf_token(clerk, path)}, path
