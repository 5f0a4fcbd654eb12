"""岗位找人 / 政策找人: which items suit the citizen, as pure functions of a profile.

Matching runs on the kiosk, not on the controller, for two reasons: the profile is built from
personal data (age and sex read out of the ID number, the answers given in this session)
that a search has no need to send anywhere, and a pure function can be tested without a
network. The controller's part is to send each item with the `criteria` it is published
with (flows/content.py); the hard filters a citizen sets (area, industry, salary) are
applied by the controller when it fetches.

The verdict is `Match.LIKELY` only when every criterion that can be checked is met, and
never a promise: "may qualify" is the wording, the bureau decides. A criterion that cannot
be checked (no identity, a question the flow did not ask) is not held against the citizen.
The region of an ID number is where it was first issued, not today's household
registration, so a region that differs is "unknown", never "not met".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from flows.content import AgeRange, Criteria, Item, Match
from flows.model import Texts
from pii import DocumentType, Sensitive, id_number_facts

# Documents whose number spells the birth date and sex (GB 11643 layout).
_DATED_DOCUMENTS = (DocumentType.RESIDENT, DocumentType.HMT_PERMIT)
_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_ORDER = {Match.LIKELY: 0, Match.UNKNOWN: 1, Match.UNLIKELY: 2}


@dataclass(frozen=True)
class Profile:
    """What the kiosk knows about the citizen for matching; built on demand, never stored."""

    age: int | None = None
    sex: str | None = None  # "male" or "female"
    region: str | None = None  # the ID number's GB/T 2260 code
    answers: dict[str, frozenset[str]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Profile(<{len(self.answers)} answers>)"  # age and sex stay out of logs


def profile_from(
    id_number: Sensitive | None,
    document: DocumentType | None,
    answers: Mapping[str, Iterable[str]],
    today: dt.date,
) -> Profile:
    """A profile from an identity (may be None) and coded answers (field -> values)."""
    coded = {name: frozenset(values) for name, values in answers.items() if values}
    if id_number is None or document not in _DATED_DOCUMENTS:
        return Profile(answers=coded)
    number = id_number.reveal()
    if not _NUMBER.fullmatch(number):
        return Profile(answers=coded)
    try:
        facts = id_number_facts(number)
    except ValueError:  # not a real date: a number the reader should not have accepted
        return Profile(answers=coded)
    born = facts.birth_date
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return Profile(
        age=age,
        sex="male" if facts.is_male else "female",
        region=facts.region_code,
        answers=coded,
    )


Labels = Callable[[str, frozenset[str]], Texts | None]
"""Words for a reason: the labels of these values of a flow field, or with no values the
field's own label; None for a field the flow does not have."""


def assess(criteria: Criteria, profile: Profile, labels: Labels) -> tuple[Match, tuple[Texts, ...]]:
    """How an item's criteria fit the profile, with a reason per criterion checked."""
    met: list[Texts] = []
    failed: list[Texts] = []
    if criteria.age is not None and profile.age is not None:
        _sort(_in(criteria.age, profile.age), _age_reason(criteria.age), met, failed)
    if criteria.age_by_sex and profile.sex is not None and profile.age is not None:
        ages = criteria.age_by_sex.get(profile.sex)
        fits = ages is not None and _in(ages, profile.age)
        _sort(fits, _age_reason(ages) if ages else Texts("性别", "Sex"), met, failed)
    if criteria.regions and profile.region is not None:
        if profile.region.startswith(criteria.regions):
            met.append(Texts("证件所属地区", "Region on the ID card"))
    for name, wanted in criteria.answers.items():
        given = profile.answers.get(name)
        if given is None or labels(name, frozenset()) is None:
            continue  # not asked here: cannot count against the citizen
        common = given & wanted
        label = labels(name, common) if common else labels(name, frozenset())
        _sort(bool(common), label or Texts(name, name), met, failed)
    if failed:
        verdict = Match.UNLIKELY
    elif met:
        verdict = Match.LIKELY
    else:
        verdict = Match.UNKNOWN
    reasons = [_reason(t, ok=True) for t in met] + [_reason(t, ok=False) for t in failed]
    return verdict, tuple(reasons)


def rank(items: Iterable[Item], profile: Profile, labels: Labels) -> tuple[Item, ...]:
    """The items with their match and reasons: likely first, then unknown, then unlikely.

    Within each group the controller's order (newest, nearest) is kept.
    """
    judged = []
    for item in items:
        verdict, reasons = assess(item.criteria, profile, labels)
        judged.append(dataclasses.replace(item, match=verdict, reasons=reasons))
    return tuple(sorted(judged, key=lambda i: _ORDER[i.match or Match.UNKNOWN]))


def _in(ages: AgeRange, age: int) -> bool:
    low, high = ages
    return (low is None or age >= low) and (high is None or age <= high)


def _sort(ok: bool, what: Texts, met: list[Texts], failed: list[Texts]) -> None:
    (met if ok else failed).append(what)


def _age_reason(ages: AgeRange) -> Texts:
    low, high = ages
    if low is not None and high is not None:
        return Texts(f"年龄（{low}-{high}岁）", f"Age ({low}-{high})")
    if low is not None:
        return Texts(f"年龄（{low}岁及以上）", f"Age ({low} or over)")
    return Texts(f"年龄（{high}岁及以下）", f"Age ({high} or under)")


def _reason(what: Texts, *, ok: bool) -> Texts:
    if ok:
        return Texts(f"符合：{what.zh}", f"Fits: {what.en}")
    return Texts(f"不符合：{what.zh}", f"Does not fit: {what.en}")
