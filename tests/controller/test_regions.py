"""The region tree: importing a file (and refusing a bad one by its line), the CLI,
account regions checked against the tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.main import main
from controller.services import regions
from controller.settings import Settings
from tests.controller.controller_testkit import (
    PASSWORD,
    TEST_REGIONS,
    add_regions,
    csrf_token,
    rows,
    signed_in_as,
)


def _import(client: TestClient, text: str) -> regions.ImportResult:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        result = regions.import_regions(session, regions.read_region_file(text.splitlines()))
        session.commit()
        return result


def test_levels_and_parents_are_derived_from_the_codes(
    client: TestClient, settings: Settings
) -> None:
    result = _import(client, TEST_REGIONS)
    assert result == regions.ImportResult(added=9, renamed=0, unchanged=0)
    found = rows(settings, "SELECT code, level, parent_code FROM regions ORDER BY code")
    assert found == [
        ("330000", "province", None),
        ("330100", "city", "330000"),
        ("330102", "county", "330100"),
        ("330102001", "township", "330102"),
        ("330102001001", "village", "330102001"),
        ("330106", "county", "330100"),
        ("330106001", "township", "330106"),
        ("331100", "city", "330000"),
        ("331122", "county", "331100"),
    ]


def test_a_file_in_any_order_is_imported_parents_first(client: TestClient) -> None:
    text = "code,name\n331122001000,五云街道\n331122,缙云县\n331100,丽水市\n330000,浙江省\n"
    assert _import(client, text).added == 4


def test_a_second_import_renames_and_adds_but_removes_nothing(
    client: TestClient, settings: Settings
) -> None:
    _import(client, TEST_REGIONS)
    result = _import(client, "330106,西湖区（新）\n330106002,灵隐街道\n")
    assert result == regions.ImportResult(added=1, renamed=1, unchanged=0)
    assert rows(settings, "SELECT name FROM regions WHERE code = '330106'") == [("西湖区（新）",)]
    assert rows(settings, "SELECT COUNT(*) FROM regions") == [(10,)]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("code,name\n330000,浙江省\n33AB00,坏\n", "line 3: '33AB00' is not a region code"),
        ("330000,浙江省\n330000,又一个\n", "line 2: 330000 is listed twice (first on line 1)"),
        ("330000,浙江省\n331122,缙云县\n", "line 2: 331122 has no parent: add 331100 first"),
        ("330000,浙江省\n331122001,五云街道\n", "line 2: 331122001 has no parent"),
        ("330000,浙江省,多余\n", "line 1: expected 2 fields"),
        ("330000,\n", "line 1: the name of 330000"),
    ],
)
def test_a_bad_file_is_refused_whole_naming_the_line(
    client: TestClient, settings: Settings, text: str, says: str
) -> None:
    with pytest.raises(regions.RegionFileError) as caught:
        _import(client, text)
    assert says in str(caught.value)
    assert rows(settings, "SELECT COUNT(*) FROM regions") == [(0,)]


def test_a_municipality_district_hangs_from_the_province_without_a_city_row(
    client: TestClient, settings: Settings
) -> None:
    _import(client, "110000,北京市\n110101,东城区\n")
    assert rows(settings, "SELECT parent_code FROM regions WHERE code = '110101'") == [("110000",)]


def test_the_demo_regions_file_imports(client: TestClient) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        assert regions.import_file(session, regions.DEMO_REGIONS).added >= 10


def test_the_command_line_imports_a_file_and_refuses_a_bad_one(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "regions.csv"
    good.write_text("\ufeffcode,name\n" + TEST_REGIONS.split("\n", 1)[1], encoding="utf-8")
    assert main(["regions", "import", str(good), "--db", database_url]) == 0
    assert "9 added, 0 renamed, 0 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("440000,广东省\n440304,福田区\n", encoding="utf-8")
    assert main(["regions", "import", str(bad), "--db", database_url]) == 1
    assert "line 2: 440304 has no parent: add 440300 first" in capsys.readouterr().err


def test_an_account_region_must_be_in_the_tree(client: TestClient, settings: Settings) -> None:
    admin = signed_in_as(client, Role.OPS_ADMIN, "root")
    data = {"username": "gus", "password": PASSWORD, "role": "county_staff",
            "region_code": "440304"}  # fmt: skip
    answer = admin.post("/accounts", data=data | {"csrf_token": csrf_token(admin, "/accounts")})
    assert answer.status_code == 400
    assert "not in the region tree" in answer.text
    add_regions(admin)
    data["region_code"] = "330102001000"  # a township, in its 12-digit form
    answer = admin.post("/accounts", data=data | {"csrf_token": csrf_token(admin, "/accounts")})
    assert answer.status_code == 200
    assert rows(settings, "SELECT region_code FROM users WHERE username = 'gus'") == [
        ("330102001",)
    ]
