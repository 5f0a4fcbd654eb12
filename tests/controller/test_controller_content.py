"""The content store over HTTP: each source, its filters, the demo file, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.seed import DEMO_CONTENT, SeedError, read_content
from controller.settings import Settings
from flows.content import parse_items
from tests.controller.controller_testkit import (
    CONTENT,
    list_slots,
    post_json,
    register,
    seed,
)
from tests.support.clock import FakeClock
from wire import API_PREFIX, ContentPage, ContentSource, parse


@pytest.fixture
def token(client: TestClient, device: tuple[str, str]) -> str:
    """A kiosk's token, with the test content loaded."""
    seed(client)
    return device[1]


def _get(client: TestClient, token: str, source: str, **params: str) -> Any:
    return client.get(
        f"{API_PREFIX}/content/{source}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
    )


def _ids(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item.id for item in parse(ContentPage, answer.content).items]


# -- jobs --------------------------------------------------------------------------------


def test_open_jobs_come_newest_first_and_a_closed_vacancy_is_left_out(
    client: TestClient, token: str
) -> None:
    assert _ids(_get(client, token, "jobs")) == ["J-2", "J-1", "J-3"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"area": "huzhen"}, ["J-1"]),
        ({"area": "county"}, ["J-2", "J-1", "J-3"]),  # 县内不限: the whole county
        ({"industry": "logistics"}, ["J-2"]),
        ({"work_type": "full_time"}, ["J-1", "J-3"]),
        # Negotiable pay (J-3 has no figures) is in every range.
        ({"salary_range": "from_5000"}, ["J-1", "J-3"]),
        ({"salary_range": "below_3000"}, ["J-3"]),
        ({"salary_range": "from_3000"}, ["J-2", "J-3"]),
        ({"area": "huzhen", "industry": "logistics"}, []),
        ({"area": "any", "industry": "", "work_type": "any"}, ["J-2", "J-1", "J-3"]),
    ],
)
def test_job_filters(
    client: TestClient, token: str, filters: dict[str, str], expected: list[str]
) -> None:
    assert _ids(_get(client, token, "jobs", **filters)) == expected


def test_a_post_query_filters_like_the_query_string(client: TestClient, token: str) -> None:
    answer = post_json(client, "/content/jobs", {"source": "jobs", "area": "wuyun"}, token)
    assert _ids(answer) == ["J-2"]


def test_items_carry_their_criteria_in_the_shape_flows_reads(
    client: TestClient, token: str
) -> None:
    page = _get(client, token, "jobs", area="huzhen").json()
    (item,) = parse_items(page["items"])
    assert item.criteria.age == (18, 50)
    assert item.criteria.answers == {"education": frozenset({"college"})}
    assert page["source"] == "jobs"


def test_an_unknown_salary_range_is_a_422_naming_the_known_ones(
    client: TestClient, token: str
) -> None:
    answer = _get(client, token, "jobs", salary_range="lots")
    assert answer.status_code == 422
    assert "from_5000" in answer.json()["error"]


# -- policies, trainings, job fairs --------------------------------------------------------


def test_only_policies_in_force_today_are_listed(client: TestClient, token: str) -> None:
    page = _get(client, token, "policies").json()
    assert [i["id"] for i in page["items"]] == ["P-1"]
    assert page["items"][0]["criteria"]["age_by_sex"] == {"female": [40, None]}


def test_trainings_open_for_enrolment_with_places_left(client: TestClient, token: str) -> None:
    items = {i["id"]: i for i in _get(client, token, "trainings").json()["items"]}
    assert sorted(items) == ["T-1", "T-FULL"]  # T-CLOSED's enrolment ended yesterday
    assert items["T-1"]["available"] is True
    assert items["T-FULL"]["available"] is False
    assert items["T-FULL"]["status"] == {"zh-CN": "名额已满", "en": "Full"}
    assert [
        {"zh-CN": "剩余名额", "en": "Places left"},
        {"zh-CN": "3 / 3", "en": "3 of 3"},
    ] in items["T-1"]["rows"]


def test_trainings_filter_by_category(client: TestClient, token: str) -> None:
    assert _ids(_get(client, token, "trainings", training_category="welder")) == ["T-FULL"]


def test_job_fairs_show_closed_and_full_ones_as_not_choosable(
    client: TestClient, token: str
) -> None:
    items = {i["id"]: i for i in _get(client, token, "job_fairs").json()["items"]}
    assert list(items) == ["F-CLOSED", "F-1", "F-FULL"]  # by date
    assert {k: v["available"] for k, v in items.items()} == {
        "F-CLOSED": False,
        "F-1": True,
        "F-FULL": False,
    }
    assert items["F-CLOSED"]["status"]["zh-CN"] == "报名已截止"


# -- appointment slots -------------------------------------------------------------------


def test_slots_of_a_day_one_item_each_with_places(client: TestClient, token: str) -> None:
    page = list_slots(client, token, "2026-11-27").json()
    assert [i["id"] for i in page["items"]] == [
        "benefit-20261127-0900",
        "benefit-20261127-0930",
        "benefit-20261127-1330",
    ]
    first = page["items"][0]
    assert first["title"] == "09:00-09:30"
    assert first["available"] is True
    assert [
        {"zh-CN": "日期", "en": "Date"},
        {"zh-CN": "2026-11-27 星期五", "en": "2026-11-27 Friday"},
    ] in first["rows"]


def test_slots_earlier_today_are_past(client: TestClient, token: str) -> None:
    # It is 10:00:30 in Beijing: 09:00 and 09:30 are gone, 13:30 is still to come.
    items = list_slots(client, token, "2026-11-26").json()["items"]
    assert [(i["title"], i["available"]) for i in items] == [
        ("09:00-09:30", False),
        ("09:30-10:00", False),
        ("13:30-14:00", True),
    ]
    assert items[0]["status"]["zh-CN"] == "已过时段"


@pytest.mark.parametrize(
    "day",
    ["2026-11-28", "2026-11-25", "2026-12-11"],
    ids=["a Saturday", "yesterday", "beyond 14 days"],
)
def test_days_without_service_have_no_slots(client: TestClient, token: str, day: str) -> None:
    assert list_slots(client, token, day).json()["items"] == []


def test_listing_a_day_twice_makes_its_slots_once(client: TestClient, token: str) -> None:
    list_slots(client, token)
    assert len(list_slots(client, token).json()["items"]) == 3


def test_slots_need_a_service_and_a_day(client: TestClient, token: str) -> None:
    answer = _get(client, token, "slots", appointment_service="benefit")
    assert answer.status_code == 422
    assert "appointment_date" in answer.json()["error"]


def test_slots_of_an_unknown_service_are_404(client: TestClient, token: str) -> None:
    answer = _get(
        client, token, "slots", appointment_service="haircut", appointment_date="2026-11-27"
    )
    assert answer.status_code == 404
    assert "haircut" in answer.json()["error"]


# -- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "complaint"),
    [
        ("/content/jobs", {"colour": "red"}, "colour: Extra inputs are not permitted"),
        ("/content/policies", {"area": "huzhen"}, "area: not a filter of policies"),
        ("/content/canteens", {}, "source"),
        ("/content/applications", {}, "my-applications"),
        ("/content/jobs", {"source": "jobs"}, "the source is given by the path"),
        (
            "/content/slots",
            {"appointment_service": "benefit", "appointment_date": "soon"},
            "appointment_date",
        ),
    ],
)
def test_malformed_content_queries_are_422_naming_the_problem(
    client: TestClient, token: str, path: str, params: dict[str, str], complaint: str
) -> None:
    answer = client.get(
        f"{API_PREFIX}{path}", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 422
    assert complaint in answer.json()["error"]


def test_a_filter_given_twice_is_refused(client: TestClient, token: str) -> None:
    answer = client.get(
        f"{API_PREFIX}/content/jobs?area=huzhen&area=wuyun",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    assert "each filter once" in answer.json()["error"]


def test_a_post_whose_body_names_another_source_is_refused(client: TestClient, token: str) -> None:
    answer = post_json(client, "/content/jobs", {"source": "policies"}, token)
    assert answer.status_code == 422
    assert "the path says 'jobs'" in answer.json()["error"]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("header", [None, "Bearer KA01.forged", "Basic eDp5"])
def test_content_needs_a_device_token(
    client: TestClient, token: str, method: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    answer = client.request(
        method,
        f"{API_PREFIX}/content/jobs",
        headers=headers,
        content=json.dumps({"source": "jobs"}),
    )
    assert answer.status_code == 401


# -- the demo file -----------------------------------------------------------------------


def test_the_demo_file_loads_and_every_item_is_one_flows_accepts(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = Settings(data_dir=tmp_path, seed_demo=True)
    with TestClient(create_app(settings, clock=clock.wall)) as client:
        _, token = register(client)
        for source in ("jobs", "policies", "trainings", "job_fairs"):
            raw = _get(client, token, source).json()["items"]
            assert raw, source
            assert len(parse_items(raw)) == len(raw), source
        slots = _get(
            client,
            token,
            "slots",
            appointment_service="unemployment_benefit",
            appointment_date="2026-11-27",
        ).json()["items"]
        assert len(parse_items(slots)) == len(slots) == 13
    demo = read_content(DEMO_CONTENT)
    assert "虚构" in demo.notice
    assert all(".example/" in (item.qr or "") for item in [*demo.jobs, *demo.policies])


def test_seeding_happens_once_so_booked_places_stay_booked(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = Settings(data_dir=tmp_path, seed_demo=True)
    with TestClient(create_app(settings, clock=clock.wall)) as client:
        _, token = register(client)
        first = _get(client, token, "trainings").json()["items"]
    with TestClient(create_app(settings, clock=clock.wall)) as client:
        again = _get(client, token, "trainings").json()["items"]
    assert [i["id"] for i in again] == [i["id"] for i in first]


def test_without_the_flag_the_store_stays_empty(
    client: TestClient, device: tuple[str, str]
) -> None:
    assert _get(client, device[1], "jobs").json()["items"] == []


def test_a_content_file_with_a_mistake_names_the_path(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(CONTENT))
    broken["trainings"][0]["capacity"] = "many"
    broken["jobs"][1]["colour"] = "red"
    path = tmp_path / "content.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        read_content(path)
    assert "trainings.0.capacity" in str(caught.value)
    assert "jobs.1.colour" in str(caught.value)
    assert str(path) in str(caught.value)


def test_every_source_but_applications_is_served(client: TestClient, token: str) -> None:
    served = {"jobs", "policies", "trainings", "job_fairs", "slots", "announcements", "employers"}
    assert served == {s.value for s in ContentSource} - {"applications"}
