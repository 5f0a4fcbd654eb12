"""The catalog through the kiosk and a real controller process with its demo content."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devkit.demo import demo_scripts
from devkit.scripted import Input, walk_kiosk
from devkit.tappers import DemoRig
from flows import Session
from flows.actions import ActionName
from kiosk.actions.content import ContentFetching
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from kiosk.outbox import State
from tests.kiosk.test_end_to_end import make_kiosk
from tests.support.clock import running_from
from tests.support.servers import ControllerProcess, SharedController, free_port

pytestmark = pytest.mark.e2e


def scripts(kiosk: Kiosk) -> dict[str, tuple[str, list[Input]]]:
    """The demo's scripts, dated on the kiosk's own day (its clock is the station's)."""
    return demo_scripts(kiosk.service.now().date())


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControllerProcess]:
    """One controller for the tests that only add rows of their own kiosk (each test's
    kiosk has a hardware id of its own, `make_kiosk`) and read the demo content."""
    proc = SharedController(tmp_path_factory.mktemp("controller"), port=free_port())
    proc.wait_ready()
    yield proc
    proc.stop()


@pytest.fixture
def own_controller(tmp_path: Path) -> Iterator[ControllerProcess]:
    """A controller for one test: it counts rows across the whole controller (places taken
    of every slot) or stops it."""
    proc = ControllerProcess(tmp_path / "controller", port=free_port())
    proc.wait_ready()
    yield proc
    proc.stop()


@contextmanager
def _started(tmp_path: Path, controller: ControllerProcess) -> Iterator[Kiosk]:
    # Mid-morning at the station: some services keep office hours, the suite runs at any hour.
    kiosk = make_kiosk(tmp_path, controller, wall=running_from(10))
    kiosk.start(sync=False)
    try:
        yield kiosk
    finally:
        kiosk.close()


@pytest.fixture
def kiosk(tmp_path: Path, controller: ControllerProcess) -> Iterator[Kiosk]:
    """A started kiosk of the demo on the module's controller."""
    with _started(tmp_path, controller) as started:
        yield started


@pytest.fixture
def kiosk_alone(tmp_path: Path, own_controller: ControllerProcess) -> Iterator[Kiosk]:
    """A started kiosk of the demo, the only one on `own_controller`."""
    with _started(tmp_path, own_controller) as started:
        yield started


def query(controller: ControllerProcess, sql: str, *args: object) -> list[tuple[object, ...]]:
    db = sqlite3.connect(controller.data_dir / "controller.db")
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def test_the_menu_offers_the_whole_catalog(kiosk: Kiosk) -> None:
    offered = {flow.id for flow in kiosk.service.catalog}
    assert {"employment_registration", "unemployment_registration", "job_search",
            "policy_lookup", "appointment_booking", "training_enrolment", "job_fair_signup",
            "my_applications", "bundle_flexible_employment"} <= offered  # fmt: skip
    assert "rating" not in offered  # it follows a transaction, it is not a menu entry


def test_a_job_search_lists_the_controllers_jobs_and_prints_a_slip(kiosk: Kiosk) -> None:
    flow_id, script = scripts(kiosk)["job_search"]
    result = walk_kiosk(kiosk, flow_id, script)
    assert result.outcome == "completed"
    assert "slip" in result.steps
    assert kiosk.simulators.printer is not None
    assert kiosk.simulators.printer.wait_for_documents(1)


def test_an_appointment_takes_one_place_and_its_rating_arrives(
    kiosk_alone: Kiosk, own_controller: ControllerProcess
) -> None:
    kiosk, controller = kiosk_alone, own_controller
    flow_id, script = scripts(kiosk)["appointment"]
    result = walk_kiosk(kiosk, flow_id, script)
    assert result.outcome == "completed"
    assert result.follow_on[-1] == "thanks"
    assert kiosk.sync.drain() == 2  # the booking and its rating
    number = result.transaction_number
    assert query(controller, "SELECT COUNT(*) FROM transactions WHERE number = ?", number) == [(1,)]
    assert query(controller, "SELECT SUM(taken) FROM appointment_slots") == [(1,)]
    assert query(controller, "SELECT stars FROM ratings") == [(2,)]


def test_an_appointment_slip_shows_the_places_left_after_the_booking(
    kiosk_alone: Kiosk, own_controller: ControllerProcess
) -> None:
    """The slot had 4 of 4 places when listed; the slip is printed after the booking took
    one, and says so (it printed "剩余名额 4 / 4")."""
    kiosk, controller = kiosk_alone, own_controller
    flow_id, script = scripts(kiosk)["appointment"]
    result = walk_kiosk(kiosk, flow_id, script)
    assert result.outcome == "completed"
    printer = kiosk.simulators.printer
    assert printer is not None
    assert printer.wait_for_documents(1)
    (slip,) = printer.received_documents()
    [(capacity, taken)] = query(
        controller, "SELECT capacity, taken FROM appointment_slots WHERE taken > 0"
    )
    assert taken == 1
    places = [line for line in slip.text_lines if "剩余名额" in line]
    assert len(places) == 1
    assert places[0].split("剩余名额")[1].split() == [str(capacity - 1), "/", str(capacity)]


def test_a_bundle_is_one_transaction_with_an_item_per_service(
    kiosk: Kiosk, controller: ControllerProcess
) -> None:
    flow_id, script = scripts(kiosk)["flexible_employment"]
    result = walk_kiosk(kiosk, flow_id, script)
    assert result.outcome == "completed"
    kiosk.sync.drain()
    [(services,)] = query(
        controller,
        "SELECT item_services FROM transactions WHERE number = ?",
        result.transaction_number,
    )
    assert "employment_registration" in str(services)
    assert kiosk.outbox.counts()[State.PENDING] == 0


def test_my_applications_lists_what_this_citizen_submitted(kiosk: Kiosk) -> None:
    flow_id, script = scripts(kiosk)["registration"]
    first = walk_kiosk(kiosk, flow_id, script)
    kiosk.sync.drain()
    run = kiosk.service.new_run("my_applications", "zh-CN")
    tapper = DemoRig(kiosk.simulators).card_tapper
    try:
        assert tapper is not None
        while run.step.kind.value != "list" and not run.done:
            if run.step.kind.value == "action":
                tapper.present(tapper.card_names()[0])
                run.run_action()
            elif "id_card" in run.buttons():
                run.fire("id_card")
            else:
                break
        assert [item.title.zh for item in run.items()]
        assert first.transaction_number in {item.id for item in run.items()}
    finally:
        if tapper is not None:
            tapper.remove()
        kiosk.service.end_run(run)


POLICY_BROWSE = ("policy_lookup", [{"press": "browse"}, {"select": "first"}, {"press": "finish"}])

# Filters the job search offers, each a combination a citizen can set (job_search.yaml).
JOB_QUERIES = [
    {},
    {"area": "county"},
    {"area": "huzhen"},
    {"industry": "manufacturing", "work_type": "full_time"},
    {"salary_range": "from_5000"},
    {"area": "county", "industry": "hospitality", "salary_range": "below_3000"},
    {"work_type": "part_time", "salary_range": "above_12000"},
]


def test_the_kept_copy_filters_jobs_exactly_as_the_controller_does(kiosk: Kiosk) -> None:
    assert kiosk.content is not None
    assert kiosk.content_store is not None
    done = kiosk.content.refresh(["jobs", "trainings"])
    assert done == {"jobs": True, "trainings": True}
    token = kiosk.enroller.ensure().device_token
    for filters in JOB_QUERIES:
        live = [item["id"] for item in kiosk.client.content("jobs", filters, token)]
        kept = [item["id"] for item in kiosk.content_store.items("jobs", filters).items]
        assert kept == live, filters
    for category in ("new_occupation", "special_ability"):
        wanted = {"training_category": category}
        live = [i["id"] for i in kiosk.client.content("trainings", wanted, token)]
        kept = [i["id"] for i in kiosk.content_store.items("trainings", wanted).items]
        assert kept == live, category


def test_with_the_controller_down_jobs_and_policies_list_from_the_kept_copy(
    tmp_path: Path, own_controller: ControllerProcess
) -> None:
    controller = own_controller
    first = make_kiosk(tmp_path, controller)
    first.start(sync=False)
    try:
        assert first.content is not None
        assert all(first.content.refresh().values())
        assert first.content_store is not None
        assert first.content_store.search("jobs", "叉车").items  # two characters
        assert first.content_store.search("jobs", "养老护理").items  # trigrams
    finally:
        first.close()
    controller.stop()
    # The kiosk starts again while the controller is away: the copy is on disk.
    again = build_kiosk(load_config(tmp_path / "kiosk.toml"))
    again.start(sync=False)
    try:
        for (flow_id, script), shown in ((scripts(again)["job_search"], {"jobs", "job"}),
                                         (POLICY_BROWSE, {"policies", "policy"})):  # fmt: skip
            result = walk_kiosk(again, flow_id, script)
            assert result.outcome == "completed", flow_id
            assert shown <= set(result.steps), result.steps
            assert "fetch_failed" not in result.steps
        actions = ContentFetching(again.client, lambda: "token", again.content_store).bound()
        session = Session()
        for action, source in ((ActionName.FETCH_JOBS, "jobs"),
                               (ActionName.FETCH_POLICIES, "policies")):  # fmt: skip
            assert actions[action](session) == "ok"
            assert session.content[source]
            assert session.content_as_of[source].startswith(f"{dt.date.today():%Y}")
    finally:
        again.close()
