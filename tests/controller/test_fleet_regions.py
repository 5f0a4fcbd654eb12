"""The fleet page by region: paginated, worst first, counts per region below, search; the
site form that places a kiosk; county staff who see only their region."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.models import Kiosk, KioskHealthNow
from controller.services.fleet import kiosk_code
from controller.settings import Settings
from tests.controller.controller_testkit import (
    add_regions,
    csrf_token,
    make_user,
    post_json,
    register,
    rows,
    sign_in,
    signed_in_as,
    transaction,
)

_KIOSK_ROW = re.compile(r'href="/kiosks/(K[A-Z]+\d\d)"')
PAYLOAD = "\"><script>alert(1)</script>' OR 1=1 --"
ESCAPED = "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39; OR 1=1 --"


def add_kiosks(client: TestClient, count: int, region: str | None, health: str | None = None,
               name: str = "机") -> list[str]:  # fmt: skip
    """`count` kiosks placed in `region` straight into the database; their kiosk ids."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    now = runtime.clock()
    with runtime.db.session() as session:
        first = session.query(Kiosk).count() + 1
        made = []
        for number in range(first, first + count):
            kiosk = Kiosk(
                kiosk_id=kiosk_code(number), hardware_id=f"hw-{number}",
                name=f"{name}{number:05d}", site="", token_hash="0" * 64, registered_at=now,
                devices={}, region_code=region,
            )  # fmt: skip
            session.add(kiosk)
            session.flush()
            if health is not None:
                session.add(KioskHealthNow(kiosk_pk=kiosk.id, health=health, reasons=[],
                                           conditions=[], since=now, version=1))  # fmt: skip
            made.append(kiosk.kiosk_id)
        session.commit()
        return made


def listed(page: str) -> list[str]:
    return _KIOSK_ROW.findall(page)


@pytest.fixture
def ops(client: TestClient) -> TestClient:
    add_regions(client)
    return signed_in_as(client, Role.OPS_VIEWER)


def test_the_fleet_is_shown_fifty_at_a_time_with_a_total(ops: TestClient) -> None:
    add_kiosks(ops, 120, "330102")
    first = ops.get("/").text
    assert len(listed(first)) == 50
    assert "共 120 台，第 1 / 3 页" in first
    assert 'href="/?page=2"' in first
    third = ops.get("/?page=3").text
    assert len(listed(third)) == 20
    assert 'rel="next"' not in third
    everyone = set(listed(first)) | set(listed(ops.get("/?page=2").text)) | set(listed(third))
    assert len(everyone) == 120
    assert len(listed(ops.get("/?page=99").text)) == 20  # past the end: the last page
    assert len(listed(ops.get("/?page=x").text)) == 50


def test_the_worst_health_comes_first_then_the_name(ops: TestClient) -> None:
    green = add_kiosks(ops, 1, "330102", "green", name="A")
    grey = add_kiosks(ops, 1, "330102", None, name="B")  # never assessed: grey
    yellow = add_kiosks(ops, 1, "330102", "yellow", name="C")
    red = add_kiosks(ops, 2, "330102", "red", name="D")
    assert listed(ops.get("/").text) == red + yellow + grey + green


def test_a_region_filters_the_list_and_counts_its_regions_below(ops: TestClient) -> None:
    add_kiosks(ops, 3, "330102001", "red")
    add_kiosks(ops, 2, "330106", "yellow")
    lishui = add_kiosks(ops, 4, "331122", "green")
    add_kiosks(ops, 1, None)
    top = ops.get("/").text
    assert "浙江省" in top
    assert "未设置地区" in top
    city = ops.get("/?region=331100").text
    assert sorted(listed(city)) == sorted(lishui)
    assert "缙云县" in city
    assert "全部地区" in city  # the breadcrumb
    assert ">浙江省</a>" in city
    hangzhou = ops.get("/?region=330100").text
    below = hangzhou.split('class="grid regions"', 1)[1].split("</table>", 1)[0]
    counts = re.findall(r'<a href="/\?region=(\d+)">', below)
    assert counts == ["330102", "330106"]
    row = hangzhou.split('href="/?region=330102"', 1)[1].split("</tr>", 1)[0]
    assert 'health-red">3<' in row
    assert "未设置地区" not in hangzhou


def test_search_finds_a_kiosk_by_id_or_name_and_treats_wildcards_as_text(
    ops: TestClient,
) -> None:
    ids = add_kiosks(ops, 5, "330102")
    assert listed(ops.get(f"/?q={ids[3]}").text) == [ids[3]]
    assert listed(ops.get("/?q=机00002").text) == [ids[1]]
    assert listed(ops.get("/?q=%25").text) == []  # a % is a character, not "anything"
    assert "没有符合条件的终端" in ops.get("/?q=' OR 1=1 --").text


# -- the site form ----------------------------------------------------------------------


def _place(client: TestClient, kiosk_id: str, **fields: str) -> object:
    path = f"/kiosks/{kiosk_id}/site"
    data = {"csrf_token": csrf_token(client, path), "region_code": "", "site": "",
            "address": "", **fields}  # fmt: skip
    return client.post(path, data=data)


@pytest.mark.parametrize("role", [Role.OPS_ADMIN, Role.TECHNICIAN])
def test_admins_and_technicians_place_a_kiosk_and_it_is_audited(
    client: TestClient, settings: Settings, role: Role
) -> None:
    add_regions(client)
    kiosk_id, _ = register(client)
    staff = signed_in_as(client, role)
    answer = _place(staff, kiosk_id, region_code="330102001000", site="湖滨街道便民服务中心",
                    address="杭州市上城区湖滨路 1 号")  # fmt: skip
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    assert rows(settings, "SELECT region_code, site, address FROM kiosks") == [
        ("330102001", "湖滨街道便民服务中心", "杭州市上城区湖滨路 1 号")
    ]
    assert rows(
        settings, "SELECT action, target, detail FROM audit_log WHERE action = 'kiosk.placed'"
    ) == [  # fmt: skip
        ("kiosk.placed", kiosk_id, "region=-->330102001 site address")
    ]


def test_a_region_not_in_the_tree_is_refused_and_nothing_changes(
    client: TestClient, settings: Settings
) -> None:
    add_regions(client)
    kiosk_id, _ = register(client)
    admin = signed_in_as(client, Role.OPS_ADMIN)
    answer = _place(admin, kiosk_id, region_code="440304", site="新站点")
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert "not in the region tree" in answer.text  # type: ignore[attr-defined]
    assert rows(settings, "SELECT region_code, site FROM kiosks") == [(None, "朝阳区人社局大厅")]


def test_the_site_form_needs_its_csrf_token(client: TestClient, settings: Settings) -> None:
    add_regions(client)
    kiosk_id, _ = register(client)
    admin = signed_in_as(client, Role.OPS_ADMIN)
    answer = admin.post(f"/kiosks/{kiosk_id}/site", data={"region_code": "330102"})
    assert answer.status_code == 403
    assert rows(settings, "SELECT region_code FROM kiosks") == [(None,)]


def test_site_names_and_addresses_are_shown_escaped(client: TestClient) -> None:
    add_regions(client)
    kiosk_id, _ = register(client)
    admin = signed_in_as(client, Role.OPS_ADMIN)
    _place(admin, kiosk_id, region_code="330102", site=PAYLOAD, address=PAYLOAD)
    for path in ("/", f"/kiosks/{kiosk_id}", f"/kiosks/{kiosk_id}/site", f"/?q={PAYLOAD}"):
        page = admin.get(path).text
        assert "<script>alert" not in page, path
        assert ESCAPED in page or "&#34;&gt;&lt;script&gt;" in page, path


def test_region_names_from_a_file_are_shown_escaped(client: TestClient) -> None:
    add_regions(client, "code,name\n440000,<b>省</b>\n440300,<script>x()</script>\n")
    add_kiosks(client, 1, "440300")
    page = signed_in_as(client, Role.OPS_VIEWER).get("/?region=440300").text
    assert "<script>x()" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "&lt;b&gt;省&lt;/b&gt;" in page


# -- county staff -------------------------------------------------------------------------


@pytest.fixture
def two_counties(client: TestClient) -> dict[str, str]:
    """A kiosk in 上城区 and one in 西湖区, each with a transaction; kiosk ids by county."""
    add_regions(client)
    placed = {}
    for county, hardware, number in (("330102", "hw-a", "0001"), ("330106", "hw-b", "0002")):
        kiosk_id, token = register(client, hardware_id=hardware, name=f"{county}机")
        body = transaction(key=number * 8, number=f"{kiosk_id}-261126{number}")
        assert post_json(client, "/transactions", body, token).status_code == 201
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        with runtime.db.session() as session:
            kiosk = runtime.fleet.find(session, kiosk_id)
            kiosk.region_code = county
            session.commit()
        placed[county] = kiosk_id
    return placed


def _county_staff(client: TestClient, region: str) -> TestClient:
    make_user(client, "shangcheng", Role.COUNTY_STAFF, region_code=region)
    assert sign_in(client, "shangcheng").status_code == 303
    return client


def test_county_staff_see_only_their_kiosks_and_transactions(
    client: TestClient, two_counties: dict[str, str]
) -> None:
    mine, theirs = two_counties["330102"], two_counties["330106"]
    staff = _county_staff(client, "330102")
    fleet = staff.get("/").text
    assert listed(fleet) == [mine]
    assert "共 1 台" in fleet
    assert "西湖区" not in fleet
    # Asking for the other county (or the whole city) shows their own region, nothing more.
    assert listed(staff.get("/?region=330106").text) == [mine]
    assert listed(staff.get("/?region=330000").text) == [mine]
    transactions = staff.get("/transactions").text
    assert f"{mine}-2611260001" in transactions
    assert f"{theirs}-2611260002" not in transactions
    assert staff.get(f"/kiosks/{mine}").status_code == 200


def test_another_countys_kiosk_is_not_found_for_county_staff(
    client: TestClient, two_counties: dict[str, str], settings: Settings
) -> None:
    theirs = two_counties["330106"]
    staff = _county_staff(client, "330102")
    page = staff.get(f"/kiosks/{theirs}")
    unknown = staff.get("/kiosks/KZZ99")
    assert page.status_code == unknown.status_code == 404
    assert page.text.replace(theirs, "KZZ99") == unknown.text  # nothing tells them apart
    assert f"{theirs}-2611260002" not in page.text
    assert rows(settings, "SELECT COUNT(*) FROM audit_log WHERE action = 'viewed.kiosk'") == [(0,)]


def test_county_staff_views_are_audited_like_ops_views(
    client: TestClient, two_counties: dict[str, str], settings: Settings
) -> None:
    staff = _county_staff(client, "330102")
    staff.get(f"/kiosks/{two_counties['330102']}")
    staff.get("/transactions")
    assert rows(
        settings,
        "SELECT actor, action, detail FROM audit_log WHERE action LIKE 'viewed.%' ORDER BY id",
    ) == [  # fmt: skip
        ("shangcheng", "viewed.kiosk", "transactions=1"),
        ("shangcheng", "viewed.transactions", "transactions=1"),
    ]


def test_a_city_account_sees_every_county_of_the_city(
    client: TestClient, two_counties: dict[str, str]
) -> None:
    staff = _county_staff(client, "330100")
    assert sorted(listed(staff.get("/").text)) == sorted(two_counties.values())


def test_county_staff_cannot_place_kiosks(client: TestClient, two_counties: dict[str, str]) -> None:
    staff = _county_staff(client, "330102")
    assert staff.get(f"/kiosks/{two_counties['330102']}/site").status_code == 403


def test_the_online_tile_counts_kiosks_heard_from_within_three_heartbeats(
    ops: TestClient,
) -> None:
    runtime = ops.app.state.runtime  # type: ignore[attr-defined]
    ids = add_kiosks(ops, 2, "330102")
    with runtime.db.session() as session:
        kiosk = runtime.fleet.find(session, ids[0])
        kiosk.last_seen_at = runtime.clock() - dt.timedelta(hours=1)
        second = runtime.fleet.find(session, ids[1])
        second.last_seen_at = runtime.clock()
        session.commit()
    page = ops.get("/").text
    online = page.split('class="tile ok"><span class="num">', 1)[1].split("<", 1)[0]
    assert online == "1"


def test_county_staff_statistics_count_their_region_only(
    client: TestClient, two_counties: dict[str, str]
) -> None:
    mine, theirs = two_counties["330102"], two_counties["330106"]
    everyone = signed_in_as(TestClient(client.app, client=("127.0.0.1", 50000)), Role.OPS_VIEWER)
    whole = everyone.get("/stats?range=30d").text
    assert mine in whole
    assert theirs in whole  # the receipts chart names both kiosks for ops
    staff = _county_staff(client, "330102")
    page = staff.get("/stats?range=30d")
    assert page.status_code == 200
    assert mine in page.text
    assert theirs not in page.text
