"""The shared matching rules: registered wishes against a job's facts, an item's criteria
against what is known of a citizen, and the verdict."""

from __future__ import annotations

import pytest

from wire.matching import (
    JOB_RULES,
    LIKELY,
    UNKNOWN,
    UNLIKELY,
    Check,
    JobFacts,
    criteria_checks,
    job_checks,
    pay_fits,
    rule_fits,
    verdict,
)

JOB = JobFacts("huzhen", "manufacturing", "full_time", 5000, 7000)
_RULE = {rule.field: rule for rule in JOB_RULES}


@pytest.mark.parametrize(
    ("field", "wish", "expected"),
    [
        ("industry", "manufacturing", True),
        ("industry", "retail", False),
        ("industry", "any", None),  # no wish stated: not checked
        ("industry", None, None),
        ("area", "huzhen", True),
        ("area", "xinbi", False),
        ("area", "county", True),  # a wide area holds every job of the county
        ("work_type", "part_time", False),
        ("salary_range", "from_5000", True),
        ("salary_range", "from_3000", False),  # [3000, 5000) misses a job paying 5000-7000
        ("salary_range", "from_8000", False),
        ("salary_range", "below_3000", False),
    ],
)
def test_a_wish_is_compared_with_the_job_by_its_rule(
    field: str, wish: str | None, expected: bool | None
) -> None:
    assert rule_fits(_RULE[field], wish, JOB) is expected


def test_negotiable_pay_is_in_every_range_and_an_unknown_range_in_none() -> None:
    assert all(pay_fits(r, None, None) for r in ("below_3000", "above_12000"))
    assert pay_fits("above_12000", 10000, None)
    assert not pay_fits("above_12000", 6000, 9000)
    assert not pay_fits("lots", None, None)


def test_only_the_wishes_stated_are_checked() -> None:
    checks = job_checks({"industry": "manufacturing", "area": "any", "phone": "1"}, JOB)
    assert [(c.what, c.ok) for c in checks] == [("industry", True)]
    assert checks[0].words() == ("符合：意向行业", "Fits: Industry")


def _criteria(**given: object) -> list[Check]:
    values: dict[str, object] = {
        "age": None,
        "age_by_sex": {},
        "regions": (),
        "answers": {},
        "citizen_age": 56,
        "citizen_sex": "female",
        "citizen_region": "330102",
        "citizen_answers": {"education": frozenset({"high_school"})},
        "words": lambda name, _values: (name, name) if name == "education" else None,
    }
    values.update(given)
    return criteria_checks(**values)  # type: ignore[arg-type]


def test_criteria_the_citizen_meets_fails_or_cannot_be_checked() -> None:
    assert [(c.what, c.ok) for c in _criteria(age=(50, None))] == [("age", True)]
    assert [(c.what, c.ok) for c in _criteria(age=(18, 45))] == [("age", False)]
    by_sex = _criteria(age_by_sex={"male": (50, None)})  # no range for women: not met
    assert [(c.what, c.ok) for c in by_sex] == [("age_by_sex", False)]
    # Another ID region is "unknown", never "not met"; a question not asked is not checked.
    assert _criteria(regions=("4403",)) == []
    assert [c.what for c in _criteria(regions=("3301",))] == ["region"]
    assert _criteria(answers={"household": ["rural"]}) == []
    answered = _criteria(answers={"education": ["college"]})
    assert [(c.what, c.ok) for c in answered] == [("answer:education", False)]
    assert _criteria(age=(18, 45), citizen_age=None) == []


def test_the_verdict_is_likely_only_when_every_check_made_is_met() -> None:
    met, failed = Check("a", True, "", ""), Check("b", False, "", "")
    assert verdict([met]) == LIKELY
    assert verdict([met, failed]) == UNLIKELY
    assert verdict([]) == UNKNOWN
