"""岗位找人 / 政策找人: the profile and the verdicts, as pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.content import Criteria, Match, parse_items
from flows.matching import Profile, assess, profile_from, rank
from flows.model import Texts
from pii import DocumentType, Sensitive
from pii.idnumber import make_id_number
from tests.flows.samples import POLICIES

TODAY = dt.date(2026, 11, 26)
FIELDS = {
    "employment_status": Texts("就业状态", "Employment status"),
    "groups": Texts("人员类别", "Groups"),
}
VALUES = {"graduate": Texts("高校毕业生", "Graduate"), "veteran": Texts("退役军人", "Veteran")}


def LABELS(name: str, values: frozenset[str]) -> Texts | None:  # noqa: N802 - a table
    """The words a flow would give: the values' labels, else the field's."""
    if name not in FIELDS:
        return None
    if not values:
        return FIELDS[name]
    shown = [VALUES.get(v, Texts(v, v)) for v in sorted(values)]
    return Texts("、".join(t.zh for t in shown), ", ".join(t.en for t in shown))


def born(years_ago: int, *, male: bool, region: str = "331122") -> Sensitive:
    birthday = TODAY.replace(year=TODAY.year - years_ago) - dt.timedelta(days=1)
    return Sensitive(make_id_number(region, birthday, 1 if male else 2))


def profile(age: int | None = None, male: bool = True, **answers: list[str]) -> Profile:
    number = born(age, male=male) if age is not None else None
    return profile_from(number, DocumentType.RESIDENT, answers, TODAY)


def test_age_sex_and_region_come_out_of_the_id_number() -> None:
    p = profile_from(born(45, male=False), DocumentType.RESIDENT, {}, TODAY)
    assert (p.age, p.sex, p.region) == (45, "female", "331122")
    day_before_birthday = make_id_number("331122", dt.date(1980, 11, 27), 1)
    assert profile_from(Sensitive(day_before_birthday), DocumentType.RESIDENT, {}, TODAY).age == 45


def test_a_profile_never_shows_age_or_sex_in_a_log() -> None:
    assert repr(profile(45, male=False, groups=["graduate"])) == "Profile(<1 answers>)"


@pytest.mark.parametrize(
    "document", [None, DocumentType.FOREIGNER_2017, DocumentType.FOREIGNER_2023]
)
def test_documents_without_a_birth_date_give_no_age(document) -> None:
    p = profile_from(Sensitive("ABC123456789012"), document, {"groups": ["veteran"]}, TODAY)
    assert (p.age, p.sex, p.region) == (None, None, None)
    assert p.answers == {"groups": frozenset({"veteran"})}


def test_a_malformed_number_gives_no_age_instead_of_an_error() -> None:
    p = profile_from(Sensitive("33112219801399001X"), DocumentType.RESIDENT, {}, TODAY)
    assert p.age is None


@pytest.mark.parametrize(
    ("criteria", "who", "verdict"),
    [
        (Criteria(), profile(30), Match.UNKNOWN),
        (Criteria(age=(18, 50)), profile(), Match.UNKNOWN),  # no identity: not held against
        (Criteria(age=(18, 50)), profile(50), Match.LIKELY),  # bounds are inclusive
        (Criteria(age=(18, 50)), profile(51), Match.UNLIKELY),
        (Criteria(age=(None, 24)), profile(17), Match.LIKELY),
        # 大龄失业人员: women from 40, men from 50.
        (Criteria(age_by_sex={"female": (40, None), "male": (50, None)}),
         profile(45, male=False), Match.LIKELY),
        (Criteria(age_by_sex={"female": (40, None), "male": (50, None)}),
         profile(45, male=True), Match.UNLIKELY),
        (Criteria(age_by_sex={"female": (40, None)}), profile(45, male=True), Match.UNLIKELY),
        # The region of an ID number is where it was issued: a match counts, a miss does not.
        (Criteria(regions=("3311",)), profile(30), Match.LIKELY),
        (Criteria(regions=("1101",)), profile(30), Match.UNKNOWN),
        (Criteria(answers={"groups": frozenset({"graduate"})}),
         profile(groups=["graduate", "veteran"]), Match.LIKELY),
        (Criteria(answers={"groups": frozenset({"graduate"})}),
         profile(groups=["veteran"]), Match.UNLIKELY),
        (Criteria(answers={"groups": frozenset({"graduate"})}), profile(30), Match.UNKNOWN),
        # A criterion on a question this flow does not ask is not checked.
        (Criteria(answers={"hukou": frozenset({"rural"})}), profile(hukou=["urban"]),
         Match.UNKNOWN),
        # One miss outweighs any number of fits.
        (Criteria(age=(18, 60), answers={"employment_status": frozenset({"unemployed"})}),
         profile(30, employment_status=["employed"]), Match.UNLIKELY),
    ],
)  # fmt: skip
def test_a_verdict_for_each_kind_of_criterion(criteria: Criteria, who: Profile, verdict) -> None:
    assert assess(criteria, who, LABELS)[0] is verdict


def test_reasons_name_what_fits_and_what_does_not_in_both_languages() -> None:
    criteria = Criteria(age=(16, 24), answers={"groups": frozenset({"graduate"})})
    verdict, reasons = assess(criteria, profile(22, groups=["veteran"]), LABELS)
    assert verdict is Match.UNLIKELY
    assert [r.zh for r in reasons] == ["符合：年龄（16-24岁）", "不符合：人员类别"]
    assert [r.en for r in reasons] == ["Fits: Age (16-24)", "Does not fit: Groups"]
    _, reasons = assess(criteria, profile(22, groups=["graduate", "veteran"]), LABELS)
    assert [r.zh for r in reasons] == ["符合：年龄（16-24岁）", "符合：高校毕业生"]


def test_policies_that_may_apply_come_first_in_the_controllers_order() -> None:
    """政策找人 for a 45-year-old unemployed woman who is a recognised difficulty case."""
    who = profile(45, male=False, employment_status=["unemployed"], groups=["difficulty"])
    ranked = rank(parse_items(POLICIES), who, LABELS)
    assert [(i.id, i.match) for i in ranked] == [
        ("P-LS-2024-02", Match.LIKELY),  # public-welfare posts: woman over 40, unemployed
        ("P-LS-2024-03", Match.LIKELY),  # start-up grant: difficulty case
        ("P-LS-2024-05", Match.LIKELY),  # unemployment benefit
        ("P-LS-2024-07", Match.UNKNOWN),  # training subsidy states no criteria
        ("P-LS-2024-01", Match.UNLIKELY),  # flexible-work subsidy: she is not in flexible work
        ("P-LS-2024-06", Match.UNLIKELY),  # traineeship: 16-24 only
    ]


def test_ranking_changes_nothing_but_order_match_and_reasons() -> None:
    items = parse_items(POLICIES)
    ranked = {i.id: i for i in rank(items, Profile(), LABELS)}
    for item in items:
        assert ranked[item.id].title == item.title
        assert ranked[item.id].match is Match.UNKNOWN
