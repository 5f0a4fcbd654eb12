"""Exports of the inbox: CSV and XLSX of a filtered list, personal data only for handlers,
audited, formula and HTML injection defused. Each test on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.models import Transaction
from controller.services.export import defuse
from controller.settings import Settings
from tests.controller.controller_testkit import ID_NUMBER, NAME, rows
from tests.controller.inbox_testkit import Counties, move, staff, submit, two_counties

# What a citizen may type into a free-form answer, meant for whoever opens the export.
HOSTILE = {
    "a_cmd": "=cmd|' /C calc'!A0",
    "b_plus": "+1+cmd|' /C calc'!A0",
    "c_minus": "-2+3",
    "d_at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "e_tab": "\t=1+1",
    "f_cr": "\r=1+1",
    "g_html": "<script>alert(1)</script>",
    "h_fullwidth": "＝1+1",
}


@pytest.fixture
def counties(client: TestClient) -> Counties:
    return two_counties(client)


def read_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(body: bytes) -> tuple[list[list[str]], str]:
    """The cells of the first sheet, in order, and the sheet's XML (to look for formulas)."""
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        shared: list[str] = []
        if "xl/sharedStrings.xml" in book.namelist():
            strings = book.read("xl/sharedStrings.xml").decode("utf-8")
            shared = [_unescape(s) for s in re.findall(r"<t[^>]*>(.*?)</t>", strings, re.S)]
    table = []
    for row in re.findall(r"<row[^>]*>(.*?)</row>", sheet, re.S):
        cells = []
        for attrs, inner in re.findall(r"<c([^>]*)>(.*?)</c>", row, re.S):
            if 't="s"' in attrs:
                cells.append(shared[int(re.search(r"<v>(\d+)</v>", inner).group(1))])  # type: ignore[union-attr]
            else:
                found = re.search(r"<t[^>]*>(.*?)</t>", inner, re.S)
                cells.append(_unescape(found.group(1)) if found else "")
        table.append(cells)
    return table, sheet


def _unescape(text: str) -> str:
    text = re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), text)
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )


def test_defuse_puts_an_apostrophe_before_every_formula_start_and_nothing_else() -> None:
    for value in HOSTILE.values():
        if value.startswith("<"):
            assert defuse(value) == value
        else:
            assert defuse(value) == "'" + value
    assert defuse("") == ""
    assert defuse("张三 = 1") == "张三 = 1"


def test_a_csv_export_lists_the_filtered_applications_masked_and_is_audited(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    mine = [submit(client, counties.mine, n) for n in (1, 2)]
    submit(client, counties.theirs, 1)
    clerk = staff(client, "clerk")
    move(clerk, mine[0], "reviewing")
    answer = clerk.get("/inbox/export.csv?status=reviewing")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.headers["x-content-type-options"] == "nosniff"
    table = read_csv(answer.content)
    assert table[0][0] == "办件编号 Number"
    assert len(table[0]) == 11
    assert [r[0] for r in table[1:]] == [mine[0]]
    assert table[1][3] == "审核中"
    assert table[1][9] == "110***********002X"
    assert table[1][10] == "测**"
    assert ID_NUMBER not in answer.text
    assert NAME not in answer.text
    assert rows(
        settings,
        "SELECT actor, target, detail FROM audit_log WHERE action = 'applications.exported'",
    ) == [  # fmt: skip
        ("clerk", "csv", "status=reviewing rows=1 personal=no")
    ]


def test_personal_data_is_exported_only_to_handlers_and_a_refusal_is_audited(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    submit(client, counties.mine, 1)
    viewer = staff(client, "viewer", role=Role.OPS_VIEWER)
    assert viewer.get("/inbox/export.csv?personal=1").status_code == 403
    assert viewer.get("/inbox/export.xlsx?personal=1").status_code == 403
    clerk = staff(client, "clerk")
    table = read_csv(clerk.get("/inbox/export.csv?personal=1").content)
    assert table[1][9:11] == [ID_NUMBER, NAME]
    assert table[1][11] == "phone=13812345678"
    assert rows(
        settings,
        "SELECT actor, target, detail FROM audit_log WHERE action IN"
        " ('application.refused', 'applications.exported') ORDER BY id",
    ) == [  # fmt: skip
        ("viewer", "export.csv", "personal data"),
        ("viewer", "export.xlsx", "personal data"),
        ("clerk", "csv", "all rows=1 personal=yes"),
    ]


def test_another_countys_applications_never_reach_an_export(
    client: TestClient, counties: Counties
) -> None:
    theirs = submit(client, counties.theirs, 1)
    clerk = staff(client, "clerk")
    assert theirs not in clerk.get("/inbox/export.csv?personal=1").text
    table, _ = read_xlsx(clerk.get("/inbox/export.xlsx?personal=1").content)
    assert len(table) == 1  # the header only


def test_formula_and_html_in_exported_cells_are_defused_in_csv_and_xlsx(
    client: TestClient, counties: Counties
) -> None:
    number = submit(client, counties.mine, 1, fields=HOSTILE)
    clerk = staff(client, "clerk")
    move(clerk, number, "reviewing")
    move(clerk, number, "returned", reason_code="other", reason_text='=HYPERLINK("http://x")')
    table = read_csv(clerk.get("/inbox/export.csv?personal=1").content)
    reason, answers = table[1][8], table[1][11]
    assert reason == '\'=HYPERLINK("http://x")'
    # The answers cell starts with the first answer's name; each value sits inside it as text.
    assert answers.startswith("a_cmd==cmd|' /C calc'!A0; b_plus=+1+cmd")
    book = clerk.get("/inbox/export.xlsx?personal=1")
    assert book.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    cells, sheet = read_xlsx(book.content)
    assert "<f>" not in sheet
    assert "<f " not in sheet
    assert "<hyperlink" not in sheet  # and no link made of a URL in a string
    assert cells[1][8] == reason
    assert cells[1][11] == answers
    assert "<script>alert(1)</script>" in cells[1][11]  # inert text in a cell, not markup


def test_a_single_hostile_value_at_the_start_of_a_cell_is_defused(
    client: TestClient, counties: Counties
) -> None:
    numbers = {}
    for n, (name, value) in enumerate(HOSTILE.items(), 1):
        numbers[submit(client, counties.mine, n)] = value
        clerk = staff(client, f"clerk{n}")
        number = list(numbers)[-1]
        move(clerk, number, "reviewing")
        move(clerk, number, "returned", reason_code="other", reason_text=f"x{name}")
    # A reason is one cell of its own: put each hostile value there, straight in the table.
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.db.session() as session:
        for row in session.query(Transaction):
            row.reason_text = numbers[row.number]
        session.commit()
    table = read_csv(clerk.get("/inbox/export.csv").content)
    cells, _ = read_xlsx(clerk.get("/inbox/export.xlsx").content)
    for exported in (table, cells):
        by_number = {r[0]: r[8] for r in exported[1:]}
        for number, value in numbers.items():
            # Texts shown to citizens are stripped (wire.Bilingual), so a leading tab or CR
            # is gone and the formula behind it is what gets the apostrophe.
            bare = value.strip()
            assert by_number[number] == (bare if bare.startswith("<") else "'" + bare)


def test_an_export_in_an_unknown_format_is_not_found_and_not_audited(
    client: TestClient, counties: Counties, settings: Settings
) -> None:
    submit(client, counties.mine, 1)
    clerk = staff(client, "clerk")
    answer = clerk.get("/inbox/export.pdf")
    assert answer.status_code == 404
    assert "no such export format" in answer.text
    assert rows(
        settings, "SELECT COUNT(*) FROM audit_log WHERE action = 'applications.exported'"
    ) == [(0,)]
