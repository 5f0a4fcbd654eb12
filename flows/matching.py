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

from flows.content import Criteria, Item, Match
from flows.model import Texts
from pii import DocumentType, Sensitive, id_number_facts
from wire.matching import criteria_checks, verdict

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
    """How an item's criteria fit the profile, with a reason per criterion checked.

    The checks are wire.matching's, the ones the controller finds people by.
    """

    def words(name: str, values: frozenset[str]) -> tuple[str, str] | None:
        found = labels(name, values)
        return None if found is None else (found.zh, found.en)

    checks = criteria_checks(
        age=criteria.age,
        age_by_sex=criteria.age_by_sex,
        regions=criteria.regions,
        answers=criteria.answers,
        citizen_age=profile.age,
        citizen_sex=profile.sex,
        citizen_region=profile.region,
        citizen_answers=profile.answers,
        words=words,
    )
    # Met first, then not met, each in the order checked.
    ordered = [c for c in checks if c.ok] + [c for c in checks if not c.ok]
    return Match(verdict(checks)), tuple(Texts(*c.words()) for c in ordered)


def rank(items: Iterable[Item], profile: Profile, labels: Labels) -> tuple[Item, ...]:
    """The items with their match and reasons: likely first, then unknown, then unlikely.

    Within each group the controller's order (newest, nearest) is kept.
    """
    judged = []
    for item in items:
        match, reasons = assess(item.criteria, profile, labels)
        judged.append(dataclasses.replace(item, match=match, reasons=reasons))
    return tuple(sorted(judged, key=lambda i: _ORDER[i.match or Match.UNKNOWN]))
