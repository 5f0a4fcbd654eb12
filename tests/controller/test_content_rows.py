"""County content's CSV files and rows: encodings, header, cells, credit codes, and one
validator with the kiosk (what the controller stores, a kiosk keeps).
"""

from __future__ import annotations

import datetime as dt

import pytest

from controller.services import employers
from controller.services.content_csv import decode, read_rows
from controller.services.content_kinds import CsvRefused, Kind
from controller.services.content_rows import parse_row
from flows.content import parse_items
from tests.controller.content_admin_testkit import (
    KINDS_ROWS,
    NOW,
    USCC,
    job_cells,
    valid_code,
)
from wire import ContentItem


def test_credit_codes_are_checked_by_their_check_character() -> None:
    good = valid_code("91330102MA2B3C4D5")
    assert employers.check_credit_code(good.lower()) == good
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(employers.CreditCodeRefused, match="the check character is"):
        employers.check_credit_code(wrong)
    with pytest.raises(employers.CreditCodeRefused, match="18 characters"):
        employers.check_credit_code("91330102MA2B3C4")


def test_initials_are_the_lower_case_pinyin_first_letters() -> None:
    assert employers.initials("深圳就业") == "szjy"
    assert employers.initials("缙云ABC机械厂") == "jyabcjxc"


# -- the file: encodings, header, rows ---------------------------------------------------

_EMPLOYER_CSV = f"id,name,credit_code\nE1,缙云示例机械有限公司,{valid_code('91331122MA2B3C4D5')}\n"


@pytest.mark.parametrize(
    "encoded",
    [_EMPLOYER_CSV.encode("gbk"), b"\xef\xbb\xbf" + _EMPLOYER_CSV.encode("utf-8")],
    ids=["gbk", "utf-8-bom"],
)
def test_gbk_and_utf8_with_bom_read_the_same(encoded: bytes) -> None:
    assert decode(encoded) == _EMPLOYER_CSV


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (_EMPLOYER_CSV.encode("utf-16"), "UTF-16"),
        (b"id,name\n\x81\x20\xff\xfe", "neither UTF-8 nor GBK"),
        (b"id\x00,name", "NUL"),
    ],
    ids=["utf-16", "other-bytes", "binary"],
)
def test_other_encodings_are_a_clear_error(data: bytes, words: str) -> None:
    with pytest.raises(CsvRefused, match=words):
        decode(data)


def test_a_missing_column_is_named_with_what_it_holds() -> None:
    found, problems = read_rows(Kind.EMPLOYERS, "id,name\nE1,某公司\n")
    assert found == []
    assert [(p.row, p.column) for p in problems] == [(1, "credit_code")]
    assert "18-character" in problems[0].message


def test_an_unknown_column_is_named() -> None:
    _rows, problems = read_rows(Kind.EMPLOYERS, "id,name,credit_code,colour\n")
    assert [(p.row, p.column) for p in problems] == [(1, "colour")]


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"until": "2026-11-25"}, "until", "in the past"),
        ({"publish_on": "2026-01-01"}, "publish_on", "in the past"),
        ({"until": "26/11/2026"}, "until", "not a date YYYY-MM-DD"),
        ({"work_type": "sometimes"}, "work_type", "full_time or part_time"),
        ({"salary_min": "8000", "salary_max": "5000"}, "salary_max", "below salary_min"),
        ({"title_zh": "车工\u200b"}, "title_zh", "hidden character"),
        ({"summary_zh": "联系 11010519491231002X"}, "summary_zh", "ID number"),
        ({"id": "J 1"}, "id", "String should match"),
        ({"employer": USCC}, "employer", "not an employer of this county"),
    ],
    ids=[
        "until-past",
        "publish-past",
        "bad-date",
        "work-type",
        "salary",
        "hidden",
        "id-number",
        "id",
        "employer",
    ],
)
def test_a_bad_cell_names_its_row_column_and_what_is_allowed(
    cells: dict[str, str], column: str, words: str
) -> None:
    parsed, problems = parse_row(Kind.JOBS, 7, job_cells(**cells), NOW, region="331122")
    assert parsed is None
    assert [(p.row, p.column) for p in problems] == [(7, column)]
    assert words in problems[0].message


def test_an_item_stays_published_on_its_day_when_edited_later() -> None:
    day = dt.date(2026, 11, 1)
    parsed, problems = parse_row(Kind.JOBS, 2, job_cells(publish_on="2026-11-01"), NOW, day)
    assert problems == []
    assert parsed is not None
    assert parsed.columns["published_on"] == day


def test_an_invalid_credit_code_is_a_row_error() -> None:
    bad = USCC[:17] + ("0" if USCC[17] != "0" else "1")
    values = {"id": "E1", "name": "某公司", "credit_code": bad}
    parsed, problems = parse_row(Kind.EMPLOYERS, 3, values, NOW, region="331122")
    assert parsed is None
    assert [(p.row, p.column) for p in problems] == [(3, "credit_code")]


# -- one validator: what the controller stores, a kiosk keeps -------------------------------


@pytest.mark.parametrize(("kind", "values"), KINDS_ROWS, ids=[k.value for k, _ in KINDS_ROWS])
def test_every_item_staff_can_save_is_one_a_kiosk_keeps(kind: Kind, values: dict[str, str]) -> None:
    parsed, problems = parse_row(kind, 2, values, NOW, region="331122")
    assert problems == []
    assert parsed is not None
    item = ContentItem.model_validate({"id": parsed.code, **parsed.display}).as_mapping()
    kept = parse_items([item])
    assert [i.id for i in kept] == [parsed.code]


@pytest.mark.parametrize("text", ["车工\u200b", "车工\x07", "车工\ue000"])
def test_what_a_kiosk_would_drop_is_refused_before_it_is_stored(text: str) -> None:
    assert parse_items([{"id": "J1", "title": text}]) == ()  # the kiosk drops it ...
    parsed, problems = parse_row(Kind.JOBS, 2, job_cells(title_zh=text), NOW, region="331122")
    assert parsed is None  # ... so the controller never stores it
    assert problems[0].column == "title_zh"
