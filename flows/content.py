"""Content from outside the flow (jobs, policies, slots ...): plain data, checked minimally.

A fetching action (flows/actions.py) puts a list of plain mappings, as the controller sent
them, into `session.content[source]`; the engine turns them into `Item`s here before any
screen sees them. One item::

    {"id": "J20261120-031",                        # required: letters, digits, . _ : -
     "title": "数控车床操作工",                      # required: a string or {zh-CN, en}
     "summary": "缙云县某机械有限公司 · 壶镇镇",      # optional, one line on the list
     "status": {"zh-CN": "招聘中", "en": "Hiring"},  # optional badge (an application's status)
     "rows": [["薪资", "5000-7000元/月"], ...],      # optional detail rows: [label, value]
     "qr": "https://...",                          # optional: what the item's QR code holds
     "available": true,                            # optional: false = shown, not choosable
     "criteria": {"age": [18, 50], ...}}           # optional: who it suits (flows/matching)

The check is minimal on purpose (a newer controller may add keys; they are ignored): the
container must be a list of at most MAX_ITEMS, else the content is refused; an item with a
wrong type, an id used twice, hidden characters or over-long text is dropped, not the list.
Content is non-personal by contract; as a second line of defence any ID number in a text is
redacted (pii.redact_id_numbers).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from flows.errors import FlowError
from flows.model import Texts
from pii import redact_id_numbers

MAX_ITEMS = 200
MAX_ROWS = 30
MAX_TEXT = 500
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_SEXES = ("male", "female")


class ContentError(FlowError, ValueError):
    """Content from a fetching action is not a list of items at all."""


class Match(enum.StrEnum):
    """How an item suits the citizen's profile (flows/matching.py)."""

    LIKELY = "likely"  # every criterion that can be checked is met
    UNKNOWN = "unknown"  # nothing could be checked (no identity, questions not asked)
    UNLIKELY = "unlikely"  # a criterion is not met


AgeRange = tuple[int | None, int | None]


@dataclass(frozen=True)
class Criteria:
    """Who an item suits, as the controller states it. Every part is optional.

    `age`: inclusive years, either bound open; `age_by_sex`: the same per sex (大龄失业人员:
    women from 40, men from 50); `regions`: GB/T 2260 code prefixes of the ID number's
    region; `answers`: a flow field name -> the values that qualify.
    """

    age: AgeRange | None = None
    age_by_sex: dict[str, AgeRange] = field(default_factory=dict)
    regions: tuple[str, ...] = ()
    answers: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when the item states no criterion."""
        return not (self.age or self.age_by_sex or self.regions or self.answers)


@dataclass(frozen=True)
class Item:
    """One entry of a list step, validated; `match` and `reasons` are set by ranking."""

    id: str
    title: Texts
    summary: Texts | None = None
    status: Texts | None = None
    rows: tuple[tuple[Texts, Texts], ...] = ()
    qr: str | None = None
    available: bool = True
    criteria: Criteria = Criteria()
    match: Match | None = None
    reasons: tuple[Texts, ...] = ()


def parse_items(raw: object) -> tuple[Item, ...]:
    """Validated items from what a fetching action wrote; ContentError if not a list."""
    if isinstance(raw, tuple) and all(isinstance(i, Item) for i in raw):
        return raw  # already checked
    if not isinstance(raw, list | tuple):
        raise ContentError(f"content is a {type(raw).__name__}, not a list of items")
    if len(raw) > MAX_ITEMS:
        raise ContentError(f"{len(raw)} items; at most {MAX_ITEMS}")
    items: list[Item] = []
    seen: set[str] = set()
    for node in raw:
        try:
            item = _item(node)
        except (TypeError, ValueError):
            continue  # one bad entry must not hide the others
        if item.id not in seen:
            seen.add(item.id)
            items.append(item)
    return tuple(items)


def _item(node: object) -> Item:
    if not isinstance(node, Mapping):
        raise TypeError("an item is a mapping")
    ident = node.get("id")
    if not isinstance(ident, str) or not _ID.fullmatch(ident):
        raise ValueError("an item id is 1-64 letters, digits and . _ : -")
    rows_node = node.get("rows", [])
    if not isinstance(rows_node, list | tuple) or len(rows_node) > MAX_ROWS:
        raise ValueError("rows are a list")
    rows = []
    for row in rows_node:
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise ValueError("a row is [label, value]")
        rows.append((_texts(row[0]), _texts(row[1])))
    qr = node.get("qr")
    if qr is not None:
        qr = _plain(qr)
    available = node.get("available", True)
    if not isinstance(available, bool):
        raise TypeError("available is true or false")
    return Item(
        id=ident,
        title=_texts(node.get("title")),
        summary=_texts(node["summary"]) if node.get("summary") is not None else None,
        status=_texts(node["status"]) if node.get("status") is not None else None,
        rows=tuple(rows),
        qr=qr,
        available=available,
        criteria=_criteria(node.get("criteria", {})),
    )


def _plain(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ValueError("a text is a non-empty string of limited length")
    if any(unicodedata.category(c) in _HIDDEN for c in value):
        raise ValueError("hidden characters")
    return redact_id_numbers(value.strip())


def _texts(value: object) -> Texts:
    if isinstance(value, Mapping):
        if set(value) != {"zh-CN", "en"}:
            raise ValueError("a text in two languages has zh-CN and en")
        return Texts(_plain(value["zh-CN"]), _plain(value["en"]))
    text = _plain(value)
    return Texts(text, text)


def _criteria(node: object) -> Criteria:
    if not isinstance(node, Mapping):
        raise TypeError("criteria are a mapping")
    by_sex_node = node.get("age_by_sex", {})
    if not isinstance(by_sex_node, Mapping) or not set(by_sex_node) <= set(_SEXES):
        raise ValueError("age_by_sex maps male and female to [min, max]")
    regions = node.get("regions", [])
    if not isinstance(regions, list) or not all(
        isinstance(r, str) and re.fullmatch(r"[0-9]{2,6}", r) for r in regions
    ):
        raise ValueError("regions are GB/T 2260 code prefixes")
    answers_node = node.get("answers", {})
    if not isinstance(answers_node, Mapping):
        raise TypeError("answers map a field to its values")
    answers: dict[str, frozenset[str]] = {}
    for name, values in answers_node.items():
        if not isinstance(name, str) or not isinstance(values, list) or not values:
            raise ValueError("answers map a field name to a list of values")
        if not all(isinstance(v, str) for v in values):
            raise ValueError("answer values are strings")
        answers[name] = frozenset(values)
    return Criteria(
        age=_ages(node["age"]) if node.get("age") is not None else None,
        age_by_sex={str(sex): _ages(r) for sex, r in by_sex_node.items()},
        regions=tuple(regions),
        answers=answers,
    )


def _ages(node: object) -> AgeRange:
    if not isinstance(node, list | tuple) or len(node) != 2:
        raise ValueError("an age range is [min, max]")
    low, high = node
    for bound in (low, high):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
            raise TypeError("an age is a whole number or null")
        if isinstance(bound, int) and not 0 <= bound <= 150:
            raise ValueError("an age is from 0 to 150")
    if low is not None and high is not None and low > high:
        raise ValueError("the lower age is above the upper")
    return low, high
