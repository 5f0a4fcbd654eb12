"""Wire v1 for the service catalog: bundles, choices, content, holds, ratings, applications."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from flows.content import parse_items
from wire import (
    BOOKABLE_SOURCES,
    Bilingual,
    CatalogIn,
    ContentItem,
    ContentPage,
    ContentQuery,
    ContentSource,
    HoldRequest,
    MyApplicationsRequest,
    RatingIn,
    TransactionIn,
    WireError,
    parse,
    validate,
)
from wire.v1 import MAX_ANSWER_CHARACTERS

ID_NUMBER = "11010519491231002X"
TODAY = {
    "key": "0" * 32,
    "number": "KA01-2611260001",
    "service": "employment_registration",
    "created_at": "2026-11-26T10:00:00+08:00",
    "identity_method": "id_card",
    "citizen": {"id_number": ID_NUMBER, "name": "测试甲"},
    "fields": {"phone": "13812345678"},
}


def _txn(**changes: Any) -> str:
    return json.dumps(dict(TODAY, **changes))


# -- transactions: bundles and choices ---------------------------------------------------


def test_a_transaction_as_kiosks_send_it_today_still_parses_with_empty_new_parts() -> None:
    txn = parse(TransactionIn, json.dumps(TODAY))
    assert (txn.items, txn.selected, txn.holds) == ([], {}, {})


def test_a_bundle_carries_its_items_under_one_number() -> None:
    items = [
        {"service": "employment_registration", "fields": {"employment_type": "flexible"}},
        {"service": "flexible_insurance_enrolment", "fields": {"start_date": "2026-11-01"}},
    ]
    txn = parse(TransactionIn, _txn(service="bundle_flexible_employment", items=items))
    assert [i.service for i in txn.items] == [
        "employment_registration",
        "flexible_insurance_enrolment",
    ]
    assert parse(TransactionIn, txn.model_dump_json()) == txn
    assert "flexible" not in repr(txn.items[0])


def test_a_bundle_names_each_service_once() -> None:
    items = [{"service": "employment_registration"}] * 2
    with pytest.raises(WireError, match="items: each service at most once"):
        parse(TransactionIn, _txn(items=items))


def test_selected_items_and_their_holds() -> None:
    txn = parse(
        TransactionIn,
        _txn(selected={"slots": "unemployment_benefit-20261127-0930"}, holds={"slots": "a" * 32}),
    )
    assert txn.selected == {ContentSource.SLOTS: "unemployment_benefit-20261127-0930"}
    assert txn.holds == {ContentSource.SLOTS: "a" * 32}


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"selected": {"canteens": "x1"}}, "selected.canteens"),
        ({"selected": {"slots": "no spaces"}}, "selected.slots"),
        ({"holds": {"slots": "a" * 32}}, "holds: slots has a hold but nothing selected"),
        (
            {"selected": {"jobs": "J-1"}, "holds": {"jobs": "a" * 32}},
            "holds: jobs is not booked with a hold",
        ),
        ({"selected": {"slots": "S1"}, "holds": {"slots": "not-hex"}}, "holds.slots"),
    ],
)
def test_malformed_choices_are_refused_naming_the_field(
    changes: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(WireError, match=complaint):
        parse(TransactionIn, _txn(**changes))


def test_items_do_not_raise_the_limit_on_answers() -> None:
    half = "x" * 2000
    items = [
        {"service": f"service_{n}", "fields": {f"f{i}": half for i in range(64)}} for n in range(2)
    ]
    with pytest.raises(WireError, match=f"at most {MAX_ANSWER_CHARACTERS} characters"):
        parse(TransactionIn, _txn(fields={}, items=items))


# -- content ------------------------------------------------------------------------------

ITEM = {
    "id": "J20261120-031",
    "title": {"zh-CN": "数控车床操作工", "en": "CNC lathe operator"},
    "summary": "缙云县某机械有限公司 · 壶镇镇",
    "rows": [[{"zh-CN": "薪资", "en": "Pay"}, "5000-7000元/月"]],
    "qr": "https://jobs.jinyun.example/j/J20261120-031",
    "criteria": {"age": [18, 50], "answers": {"education": ["senior_high", "college"]}},
}


def test_a_content_item_as_a_mapping_is_what_flows_reads() -> None:
    item = ContentItem.model_validate(ITEM)
    mapping = item.as_mapping()
    assert "status" not in mapping  # absent parts are left out, not sent as null
    (parsed,) = parse_items([mapping])
    assert parsed.id == "J20261120-031"
    assert parsed.title.get("en") == "CNC lathe operator"
    assert parsed.criteria.age == (18, 50)
    assert parsed.criteria.answers == {"education": frozenset({"senior_high", "college"})}


def test_absent_parts_are_left_out_of_the_json_too() -> None:
    page = ContentPage(
        source=ContentSource.JOBS,
        items=[ContentItem.model_validate({"id": "J-1", "title": "普工"})],
        as_of=dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC),
    )
    (item,) = json.loads(page.model_dump_json())["items"]
    assert item == {"id": "J-1", "title": "普工", "rows": [], "available": True}
    assert len(parse_items([item])) == 1


def test_an_open_age_bound_survives_as_null() -> None:
    item = ContentItem.model_validate(dict(ITEM, criteria={"age_by_sex": {"female": [40, None]}}))
    (parsed,) = parse_items([item.as_mapping()])
    assert parsed.criteria.age_by_sex == {"female": (40, None)}


def test_a_content_page_round_trips() -> None:
    page = ContentPage(
        source=ContentSource.JOBS,
        items=[ContentItem.model_validate(ITEM)],
        as_of=dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC),
    )
    assert parse(ContentPage, page.model_dump_json()) == page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "has space"}, "id"),
        ({"title": {"zh-CN": "只有中文"}}, "title"),
        ({"title": ""}, "title"),
        ({"rows": [["only one"]]}, "rows.0"),
        ({"criteria": {"age": [50, 18]}}, "min <= max"),
        ({"criteria": {"age_by_sex": {"other": [1, 2]}}}, "age_by_sex"),
        ({"criteria": {"regions": ["zj"]}}, "regions.0"),
        ({"extra": True}, "extra"),
    ],
)
def test_malformed_items_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(WireError, match=field):
        parse(ContentItem, json.dumps(dict(ITEM, **change)))


def test_a_bilingual_text_is_keyed_as_flows_keys_it() -> None:
    assert json.loads(Bilingual.of("已受理", "Received").model_dump_json()) == {
        "zh-CN": "已受理",
        "en": "Received",
    }


def test_a_query_takes_the_filters_its_source_reads_and_any_is_no_filter() -> None:
    query = validate(
        ContentQuery,
        {"source": "jobs", "area": "huzhen", "industry": "any", "salary_range": ""},
    )
    assert query.filters() == {"area": "huzhen"}
    slots = validate(
        ContentQuery,
        {
            "source": "slots",
            "appointment_service": "unemployment_benefit",
            "appointment_date": "2026-11-27",
        },
    )
    assert slots.filters()["appointment_date"] == "2026-11-27"


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ({"source": "policies", "area": "huzhen"}, "area: not a filter of policies"),
        ({"source": "jobs", "colour": "red"}, "colour: Extra inputs"),
        ({"source": "applications"}, "applications are asked for with my-applications"),
        ({"source": "canteens"}, "source"),
        ({"source": "slots", "appointment_date": "tomorrow"}, "appointment_date"),
        ({"source": "jobs", "area": "Robert'); DROP TABLE"}, "area"),
    ],
)
def test_a_query_with_a_filter_its_source_does_not_read_is_refused(
    query: dict[str, str], complaint: str
) -> None:
    with pytest.raises(WireError, match=complaint):
        validate(ContentQuery, query)


# -- holds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", sorted(BOOKABLE_SOURCES))
def test_bookable_sources_take_holds(source: ContentSource) -> None:
    hold = validate(HoldRequest, {"key": "1" * 32, "source": source, "item_id": "T-1"})
    assert hold.source is source


def test_a_job_cannot_be_held() -> None:
    with pytest.raises(WireError, match="jobs has no places to hold"):
        validate(HoldRequest, {"key": "1" * 32, "source": "jobs", "item_id": "J-1"})


# -- ratings -----------------------------------------------------------------------------

RATING = {
    "key": "2" * 32,
    "transaction_number": "KA01-2611260001",
    "service": "employment_registration",
    "stars": 2,
    "reasons": ["too_long", "device_fault"],
    "comment": "排队的人太多",
}


def test_a_low_rating_carries_reasons_and_a_comment_that_stays_out_of_its_repr() -> None:
    rating = parse(RatingIn, json.dumps(RATING))
    assert rating.reasons == ["too_long", "device_fault"]
    assert "排队" not in repr(rating)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"stars": 0}, "stars"),
        ({"stars": 6}, "stars"),
        ({"stars": "5"}, "stars"),
        ({"stars": 4}, "reasons: only given with 1 or 2 stars"),
        ({"reasons": ["too_long", "too_long"]}, "each reason at most once"),
        ({"reasons": ["Too Long"]}, "reasons.0"),
        ({"comment": "长" * 201}, "comment"),
        ({"citizen": {"id_number": ID_NUMBER, "name": "测试甲"}}, "citizen: Extra inputs"),
        ({"transaction_number": "ka01"}, "transaction_number"),
    ],
)
def test_malformed_ratings_are_refused_naming_the_field(
    change: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(WireError, match=complaint):
        parse(RatingIn, json.dumps(dict(RATING, **change)))


# -- my applications ------------------------------------------------------------------------


def test_an_applications_request_normalises_the_number_and_hides_it() -> None:
    request = validate(
        MyApplicationsRequest, {"id_number": ID_NUMBER.lower(), "identity_method": "id_card"}
    )
    assert request.id_number == ID_NUMBER
    assert ID_NUMBER not in repr(request)
    assert ID_NUMBER not in str(request)


def test_an_applications_request_with_a_bad_number_does_not_echo_it() -> None:
    bad = ID_NUMBER[:-1] + "1"
    with pytest.raises(WireError) as caught:
        validate(MyApplicationsRequest, {"id_number": bad, "identity_method": "id_card"})
    assert "id_number:" in str(caught.value)
    assert bad not in str(caught.value)


def test_an_applications_request_says_how_the_citizen_was_identified() -> None:
    with pytest.raises(WireError, match="identity_method"):
        validate(MyApplicationsRequest, {"id_number": ID_NUMBER})


# -- the kiosk's catalog: service titles --------------------------------------------------

TITLES = {
    "version": 2,
    "titles": {
        "employment_registration": {"zh-CN": "就业登记", "en": "Employment registration"},
        "flexible_insurance_enrolment": {"zh-CN": "灵活就业人员参保登记", "en": "Insurance"},
    },
}


def test_a_catalog_carries_a_bilingual_title_per_service() -> None:
    catalog = parse(CatalogIn, json.dumps(TITLES, ensure_ascii=False))
    assert catalog.version == 2
    assert catalog.titles["flexible_insurance_enrolment"].zh == "灵活就业人员参保登记"
    assert json.loads(catalog.model_dump_json()) == TITLES


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"titles": {"employment_registration": {"zh-CN": "就业登记"}}}, "en"),
        ({"titles": {"Employment Registration": {"zh-CN": "就业登记", "en": "E"}}}, "titles"),
        ({"titles": {}}, "titles"),
        ({"version": 0}, "version"),
        ({"version": "2"}, "version"),
    ],
)
def test_a_catalog_without_a_whole_title_or_version_is_refused_naming_it(
    change: dict[str, Any], named: str
) -> None:
    with pytest.raises(WireError, match=named):
        parse(CatalogIn, json.dumps(dict(TITLES, **change)))
