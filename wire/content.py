"""Version-1 messages of public content: bilingual text, the items of list steps (jobs,
policies, trainings, fairs, slots, announcements, employers), their queries and pages.
The protocol is described in wire/v1.py."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from wire.base import (
    ItemId,
    Message,
    RegionCode,
)
from wire.codes import (
    ContentSource,
)

# -- content: items of list steps --------------------------------------------------------

# Characters flows/content.py drops an item for (control, format, surrogate, private use,
# unassigned): refused here, so the controller never stores an item a kiosk would hide.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _no_hidden_characters(value: str) -> str:
    for char in value:
        if unicodedata.category(char) in HIDDEN_CATEGORIES:
            raise ValueError(f"hidden character U+{ord(char):04X} is not allowed")
    return value


PlainText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500),
    AfterValidator(_no_hidden_characters),
]

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,63}$")]


class Bilingual(Message):
    """A text in both languages of the kiosk, keyed as in flows: {"zh-CN": .., "en": ..}."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        serialize_by_alias=True,
        validate_by_name=True,
    )

    zh: PlainText = Field(alias="zh-CN")
    en: PlainText

    @classmethod
    def of(cls, zh: str, en: str) -> Bilingual:
        """A text from its Chinese and English wording."""
        return cls.model_validate({"zh-CN": zh, "en": en})


# A string (the same in both languages) or {zh-CN, en}, as flows/content.py reads texts.
Text = PlainText | Bilingual

AgeBound = Annotated[int, Field(ge=0, le=150, strict=True)] | None

AgeRange = tuple[AgeBound, AgeBound]


def _check_ages(ages: AgeRange | None) -> None:
    if ages is not None and ages[0] is not None and ages[1] is not None and ages[0] > ages[1]:
        raise ValueError("an age range is [min, max] with min <= max")


class Criteria(Message):
    """Who an item suits (flows/content.py Criteria); the kiosk does the matching."""

    age: AgeRange | None = None
    age_by_sex: dict[Literal["male", "female"], AgeRange] = Field(default_factory=dict)
    regions: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{2,6}$")]] = Field(
        default_factory=list, max_length=50
    )
    answers: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")],
        Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(min_length=1)],
    ] = Field(default_factory=dict, max_length=20)

    @model_validator(mode="after")
    def _ordered_ages(self) -> Criteria:
        _check_ages(self.age)
        for ages in self.age_by_sex.values():
            _check_ages(ages)
        return self


class ContentItem(Message):
    """One entry of a list step, in the shape flows/content.py reads.

    Absent parts are left out when serialised, never sent as null: flows reads a null
    `criteria` as a malformed item and drops it.
    """

    id: ItemId
    title: Text
    summary: Text | None = None
    status: Text | None = None
    rows: list[tuple[Text, Text]] = Field(default_factory=list, max_length=30)
    qr: PlainText | None = None
    available: bool = True
    criteria: Criteria | None = None

    @model_serializer(mode="wrap")
    def _leave_out_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {name: value for name, value in data.items() if value is not None}

    def as_mapping(self) -> dict[str, Any]:
        """The item as plain data: what a fetching action hands on."""
        return self.model_dump(mode="json", by_alias=True)


# A unified social credit code (GB 32100): 18 characters of 0-9 and A-Z less I O Z S V.
CreditCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")]


class EmployerItem(Message):
    """One employer of the county (source `employers`), for the kiosk's employer picker.

    Exactly these fields: no contact person or phone ever goes to a kiosk. `initials` are
    the pinyin initials of the name, lower-case (深圳就业 -> "szjy"), made by the controller
    so the kiosk can search by them without a pinyin table of its own.
    """

    id: ItemId
    name: PlainText
    credit_code: CreditCode
    region_code: RegionCode
    initials: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{0,64}$")]

    def as_mapping(self) -> dict[str, Any]:
        """The employer as plain data: what the fetching action hands on."""
        return self.model_dump(mode="json")


class ContentQuery(Message):
    """A kiosk asks for the items of one source, with the filters its fetch action reads.

    A filter that is absent, empty or `any` does not filter. A filter the source does not
    read is refused, naming it. `applications` are personal: ask with
    MyApplicationsRequest instead.
    """

    # The filters each source reads (flows/actions.py, the fetch_* contracts).
    FILTERS: ClassVar[Mapping[ContentSource, frozenset[str]]] = {
        ContentSource.JOBS: frozenset({"area", "industry", "salary_range", "work_type"}),
        ContentSource.POLICIES: frozenset(),
        ContentSource.TRAININGS: frozenset({"training_category"}),
        ContentSource.JOB_FAIRS: frozenset(),
        ContentSource.SLOTS: frozenset({"appointment_service", "appointment_date"}),
        ContentSource.ANNOUNCEMENTS: frozenset(),
        ContentSource.EMPLOYERS: frozenset(),
    }

    source: ContentSource
    area: Code | None = None
    industry: Code | None = None
    salary_range: Code | None = None
    work_type: Code | None = None
    training_category: Code | None = None
    appointment_service: Code | None = None
    appointment_date: dt.date | None = None

    @model_validator(mode="before")
    @classmethod
    def _any_is_no_filter(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: None if k != "source" and v in ("", "any") else v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _filters_of_the_source(self) -> ContentQuery:
        allowed = self.FILTERS.get(self.source)
        if allowed is None:
            raise ValueError(f"source: {self.source.value} are asked for with my-applications")
        for name in sorted(self.model_fields_set - {"source"}):
            if name not in allowed and getattr(self, name) is not None:
                raise ValueError(f"{name}: not a filter of {self.source.value}")
        return self

    def filters(self) -> dict[str, str]:
        """The filters given, as text (dates as YYYY-MM-DD), for a query string or a log."""
        data = self.model_dump(mode="json", exclude={"source"}, exclude_none=True)
        return {name: str(value) for name, value in data.items()}


class ContentPage(Message):
    """The controller's items of one source, best first, as of `as_of`."""

    source: ContentSource
    # ContentItem for every source but `employers`, whose items are EmployerItem.
    items: list[ContentItem | EmployerItem] = Field(default_factory=list, max_length=200)
    as_of: dt.datetime

    @model_validator(mode="after")
    def _items_of_the_source(self) -> ContentPage:
        wanted = EmployerItem if self.source is ContentSource.EMPLOYERS else ContentItem
        for index, item in enumerate(self.items):
            if not isinstance(item, wanted):
                raise ValueError(f"items.{index}: not an item of {self.source.value}")
        return self
