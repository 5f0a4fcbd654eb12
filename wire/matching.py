"""岗位找人 / 政策找人: the matching rules the kiosk and the controller share, as data.

Stdlib only, so flows may import it (docs/architecture.md): the kiosk ranks what it lists
by these checks (flows/matching.py), the controller filters the job search by them
(controller/services/content.py) and finds the registered job seekers a new job or policy
fits (controller/services/push.py). One table, so "fits" means the same on both sides.

Two kinds of check:

- **intentions** (`JOB_RULES`): what a job seeker registered as wanted (求职登记, flow
  `job_seeker_registration`: industry, area, work type, pay) against a job's facts. A field
  left out or answered "any" states no wish and is not checked.
- **criteria** (`criteria_checks`): who an item suits, as the item is published with it
  (wire.Criteria, flows.content.Criteria: age, age by sex, region of the ID number, answers)
  against what is known of the citizen. What cannot be checked is not held against them;
  the region of an ID number is where it was first issued, so a region that differs is
  never "not met".

The verdict (`verdict`) is "likely" only when every check made is met, "unlikely" when one
is not, "unknown" when none could be made: the values of flows.content.Match.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

LIKELY = "likely"
UNKNOWN = "unknown"
UNLIKELY = "unlikely"

# Answers that state no wish: the field fits every item.
OPEN_VALUES = frozenset({"", "any"})
# Areas of the job search that mean "anywhere": every job of the county is in them.
WIDE_AREAS = frozenset({"county", "city", "province"})
# The pay wishes in yuan a month, [low, high); a job whose pay is negotiable (no figures)
# is in every range.
SALARY_RANGES: dict[str, tuple[int, int | None]] = {
    "below_3000": (0, 3000),
    "from_3000": (3000, 5000),
    "from_5000": (5000, 8000),
    "from_8000": (8000, 12000),
    "above_12000": (12000, None),
}

# The services whose submissions are registrations to find people by: a 求职登记 states the
# job wanted (jobs are matched against it), the others only who the citizen is (policies
# are matched by their criteria against age, sex and answers).
JOB_SEEKER_SERVICES: tuple[str, ...] = ("job_seeker_registration",)
POLICY_SERVICES: tuple[str, ...] = (
    "job_seeker_registration",
    "unemployment_registration",
    "difficulty_identification",
)
# How long a registration finds jobs for its citizen (求职登记 is renewed every half year).
REGISTRATION_DAYS = 180
# 我的办件 lists at most this many new jobs, and this status marks them (wire.Application's
# status is a plain string: a kiosk of any release shows the status_text beside it).
MAX_PUSHED = 10
PUSH_STATUS = "job_match"


class How(enum.StrEnum):
    """How a registered wish is compared with a job's fact."""

    SAME = "same"  # the same code
    AREA = "area"  # the same area, or a wide area (WIDE_AREAS) that holds every job
    PAY = "pay"  # the wished range (SALARY_RANGES) overlaps the job's pay, or it is negotiable


@dataclass(frozen=True)
class Rule:
    """One registered wish: the registration's field, the job's fact, how they compare."""

    field: str  # the flow field, also the job-search filter of wire.ContentQuery
    fact: str  # the attribute of JobFacts
    how: How
    zh: str
    en: str


JOB_RULES: tuple[Rule, ...] = (
    Rule("industry", "industry", How.SAME, "意向行业", "Industry"),
    Rule("area", "area", How.AREA, "工作地点", "Where"),
    Rule("work_type", "work_type", How.SAME, "用工形式", "Full or part time"),
    Rule("salary_range", "salary", How.PAY, "期望月薪", "Monthly pay"),
)

# Words for the answers items' criteria name most, for staff pages (the kiosk has the flow's
# own labels); a field not here is shown by its name.
ANSWER_WORDS: dict[str, tuple[str, str]] = {
    "education": ("文化程度", "Education"),
    "employment_status": ("就业状态", "Employment now"),
    "experience": ("工作经验", "Work experience"),
    "certificate": ("职业技能证书", "Vocational certificate"),
    "household": ("户籍类型", "Household registration"),
    "difficulty_type": ("困难类型", "Kind of difficulty"),
}


@dataclass(frozen=True)
class JobFacts:
    """What the rules read of a job (the controller's Job columns)."""

    area: str
    industry: str
    work_type: str
    salary_min: int | None = None
    salary_max: int | None = None


@dataclass(frozen=True)
class Check:
    """One check made: `what` was compared (a rule's field, age, region, answer:<name>)."""

    what: str
    ok: bool
    zh: str
    en: str

    def words(self) -> tuple[str, str]:
        """The reason as staff and citizens read it: 符合：意向行业 / Fits: Industry."""
        if self.ok:
            return f"符合：{self.zh}", f"Fits: {self.en}"
        return f"不符合：{self.zh}", f"Does not fit: {self.en}"


def pay_fits(wish: str, salary_min: int | None, salary_max: int | None) -> bool:
    """True when the job's pay lies (partly) in the wished range; an unknown wish fits none."""
    if wish not in SALARY_RANGES:
        return False
    low, high = SALARY_RANGES[wish]
    if salary_max is not None and salary_max < low:
        return False
    return high is None or salary_min is None or salary_min < high


def rule_fits(rule: Rule, wish: str | None, job: JobFacts) -> bool | None:
    """Whether the job meets one registered wish; None when the citizen stated none."""
    if wish is None or wish in OPEN_VALUES:
        return None
    if rule.how is How.PAY:
        return pay_fits(wish, job.salary_min, job.salary_max)
    fact = getattr(job, rule.fact)
    if rule.how is How.AREA:
        return wish in WIDE_AREAS or wish == fact
    return bool(wish == fact)


def job_checks(wishes: Mapping[str, str], job: JobFacts) -> list[Check]:
    """A check per wish the registration states, in JOB_RULES order."""
    checks = []
    for rule in JOB_RULES:
        fits = rule_fits(rule, wishes.get(rule.field), job)
        if fits is not None:
            checks.append(Check(rule.field, fits, rule.zh, rule.en))
    return checks


AgeRange = tuple[int | None, int | None]


def age_fits(ages: AgeRange, age: int) -> bool:
    """True when `age` lies in the inclusive range (either bound open)."""
    low, high = ages
    return (low is None or age >= low) and (high is None or age <= high)


def age_words(ages: AgeRange) -> tuple[str, str]:
    """An age range in words: 年龄（18-50岁）/ Age (18-50)."""
    low, high = ages
    if low is not None and high is not None:
        return f"年龄（{low}-{high}岁）", f"Age ({low}-{high})"
    if low is not None:
        return f"年龄（{low}岁及以上）", f"Age ({low} or over)"
    return f"年龄（{high}岁及以下）", f"Age ({high} or under)"


AnswerWords = Callable[[str, frozenset[str]], tuple[str, str] | None]
"""Words for an answer check: the labels of these values of a field (with no values, the
field's own label); None for a field that was not asked, which is then not checked."""


def criteria_checks(
    *,
    age: AgeRange | None,
    age_by_sex: Mapping[str, AgeRange],
    regions: Iterable[str],
    answers: Mapping[str, Iterable[str]],
    citizen_age: int | None,
    citizen_sex: str | None,
    citizen_region: str | None,
    citizen_answers: Mapping[str, frozenset[str]],
    words: AnswerWords,
) -> list[Check]:
    """A check per criterion of an item that what is known of the citizen can decide."""
    checks: list[Check] = []
    if age is not None and citizen_age is not None:
        checks.append(Check("age", age_fits(age, citizen_age), *age_words(age)))
    if age_by_sex and citizen_sex is not None and citizen_age is not None:
        ages = age_by_sex.get(citizen_sex)
        fits = ages is not None and age_fits(ages, citizen_age)
        checks.append(Check("age_by_sex", fits, *(age_words(ages) if ages else ("性别", "Sex"))))
    prefixes = tuple(regions)
    if prefixes and citizen_region is not None and citizen_region.startswith(prefixes):
        checks.append(Check("region", True, "证件所属地区", "Region on the ID card"))
    for name, wanted in answers.items():
        given = citizen_answers.get(name)
        if given is None or words(name, frozenset()) is None:
            continue  # not asked: cannot count against the citizen
        common = given & frozenset(wanted)
        label = (words(name, common) if common else None) or words(name, frozenset())
        zh, en = label or (name, name)
        checks.append(Check(f"answer:{name}", bool(common), zh, en))
    return checks


def verdict(checks: Iterable[Check]) -> str:
    """LIKELY when every check is met, UNLIKELY when one is not, UNKNOWN with no checks."""
    made = list(checks)
    if any(not c.ok for c in made):
        return UNLIKELY
    return LIKELY if made else UNKNOWN


def answer_words(name: str, values: frozenset[str]) -> tuple[str, str]:
    """Staff-page words for an answer check, from ANSWER_WORDS or the field's name."""
    zh, en = ANSWER_WORDS.get(name, (name, name))
    if values:
        shown = ", ".join(sorted(values))
        return f"{zh}（{shown}）", f"{en} ({shown})"
    return zh, en
