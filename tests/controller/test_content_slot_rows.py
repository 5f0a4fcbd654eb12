"""Appointment slots as rows: a series' days, a bad cell or field named, a slot's name, and
the services the appointment flow offers.
"""

from __future__ import annotations

import pytest

from controller.services.content_kinds import Kind
from controller.services.content_rows import parse_row
from controller.services.content_series import expand_series
from flows.manifest import load_builtin_catalog
from tests.controller.content_admin_testkit import (
    NOW,
    series_cells,
    slot_cells,
)
from wire.vocabulary import AppointmentKind

# -- appointment slots -------------------------------------------------------------------


def test_a_series_is_every_chosen_weekday_of_its_span() -> None:
    found, problems = expand_series(series_cells(), NOW.date())
    assert problems == []
    assert len(found) == 23  # the weekdays of December 2026
    assert {(r["starts"], r["ends"], r["capacity"]) for r in found} == {("09:00", "11:30", "4")}
    assert "2026-12-05" not in {r["date"] for r in found}  # a Saturday
    halves, _ = expand_series(series_cells(every="30", weekdays="6"), NOW.date())
    assert [(r["date"], r["starts"], r["ends"]) for r in halves[:6]] == [
        ("2026-12-05", "09:00", "09:30"),
        ("2026-12-05", "09:30", "10:00"),
        ("2026-12-05", "10:00", "10:30"),
        ("2026-12-05", "10:30", "11:00"),
        ("2026-12-05", "11:00", "11:30"),
        ("2026-12-12", "09:00", "09:30"),
    ]


@pytest.mark.parametrize(
    ("fields", "column", "words"),
    [
        ({"last_day": "2026-11-30"}, "last_day", "before first_day"),
        ({"first_day": "2026-11-01"}, "first_day", "in the past"),
        ({"weekdays": ""}, "weekdays", "at least one day"),
        ({"ends": "08:00"}, "ends", "not after starts"),
        ({"every": "200"}, "every", "do not fit"),
        ({"last_day": "2026-12-04", "weekdays": "6,7"}, "weekdays", "no day from"),
    ],
    ids=["backwards", "past", "no-weekday", "ends-first", "too-long", "no-day"],
)
def test_a_faulty_series_names_its_field(fields: dict[str, str], column: str, words: str) -> None:
    found, problems = expand_series(series_cells(**fields), NOW.date())
    assert found == []
    assert [(p.row, p.column) for p in problems] == [(0, column)]
    assert words in problems[0].message


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"service": "haircut"}, "service", "not one of unemployment_benefit"),
        ({"starts": "9h"}, "starts", "not HH:MM"),
        ({"ends": "09:00"}, "ends", "not after starts"),
        ({"date": "2026-11-26", "starts": "09:00"}, "starts", "has begun or is past"),
        ({"capacity": "0"}, "capacity", "1-100000"),
        ({"where_zh": ""}, "where_zh", "required"),
        ({"where_zh": "3号窗口\u200b"}, "where_zh", "hidden character"),
        ({"service_zh": "事项\x07"}, "service_zh", "hidden character"),
    ],
    ids=["service", "time", "ends", "begun", "capacity", "where", "hidden", "hidden-title"],
)
def test_a_bad_slot_cell_names_its_row_and_column(
    cells: dict[str, str], column: str, words: str
) -> None:
    parsed, problems = parse_row(Kind.SLOTS, 4, slot_cells(**cells), NOW, region="331122")
    assert parsed is None
    assert [(p.row, p.column) for p in problems] == [(4, column)]
    assert words in problems[0].message


def test_a_slot_is_named_by_its_county_service_day_and_start() -> None:
    parsed, problems = parse_row(Kind.SLOTS, 2, slot_cells(starts="9:00"), NOW, region="331122")
    assert problems == []
    assert parsed is not None
    assert parsed.code == "331122-unemployment_benefit-20261201-0900"
    assert parsed.display["service"] == {"zh-CN": "失业保险金申领", "en": "Unemployment benefit"}


def test_the_appointment_flow_offers_exactly_the_services_slots_are_made_for() -> None:
    flow = load_builtin_catalog().flows["appointment_booking"]
    offered = {
        choice.value
        for step in flow.steps.values()
        for spec in step.fields
        if spec.name == "appointment_service"
        for choice in spec.choices
    }
    assert offered == {kind.value for kind in AppointmentKind}
