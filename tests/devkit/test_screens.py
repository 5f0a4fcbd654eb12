"""The sample answers of `estation-kiosk screens` (devkit/screens.py) walk every screen."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from devkit.screens import sample_answers
from flows import load_builtin_catalog
from flows.model import FieldKind

TODAY = dt.date(2026, 12, 1)


def _step(flow_id: str, step: str) -> Any:
    flow = next(s.flow for s in load_builtin_catalog().services if s.flow.id == flow_id)
    return flow.step(step)


def test_job_search_is_walked_with_its_filters_empty_so_jobs_are_found() -> None:
    # The first choice of every filter matched no job in the demo content: the job list
    # and a job's detail were never pictured.
    step = _step("job_search", "filters")
    answers = sample_answers(SimpleNamespace(step=step), TODAY)  # type: ignore[arg-type]
    filters = {"area", "industry", "salary_range", "work_type"}
    assert filters <= set(answers)
    assert {name: answers[name] for name in filters} == dict.fromkeys(filters, "")
    # Education is no filter (it ranks the jobs): it keeps a sample answer.
    assert answers["education"] != ""


def test_a_required_choice_still_gets_its_first_choice() -> None:
    step = _step("job_seeker_registration", "profile")
    answers = sample_answers(SimpleNamespace(step=step), TODAY)  # type: ignore[arg-type]
    choices = [f for f in step.fields if f.kind is FieldKind.CHOICE and f.required]
    assert choices
    for spec in choices:
        assert answers[spec.name] == spec.choices[0].value
