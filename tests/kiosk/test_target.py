"""The target state end to end: a real controller on a socket, a kiosk assembled by
build_kiosk (simulated devices); the county edits its catalog and the kiosk's menu follows,
between visits only; an invalid target is rejected and the old catalog kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from controller.app import create_app
from controller.models import Kiosk as KioskRow
from controller.services.targets import TargetSpec
from controller.settings import Settings
from devkit.demo import write_kiosk_config
from flows import builtin_files
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from kiosk.controller_client import ControllerUnreachable
from kiosk.target import TargetKeeper
from tests.controller.controller_testkit import preauthorise
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import TargetService, TargetState

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    # The controller's own clock: the kiosk stamps its heartbeats with the time of day.
    application = create_app(Settings(data_dir=tmp_path / "controller"))
    preauthorise(application, "demo-kiosk-0001")
    return application


def assemble(tmp_path: Path, port: int, clock: FakeClock) -> Kiosk:
    config = load_config(
        write_kiosk_config(
            tmp_path / "k.toml", f"http://127.0.0.1:{port}", social_card_reader="none"
        )
    )
    return build_kiosk(config, monotonic=clock)


@pytest.fixture
def kiosk(tmp_path: Path, port: int, clock: FakeClock) -> Iterator[Kiosk]:
    built = assemble(tmp_path, port, clock)
    yield built
    built.close()


def set_county(app: FastAPI, *services: TargetService, phone: str = "") -> str:
    runtime = app.state.runtime
    with runtime.db.session() as session:
        session.query(KioskRow).one().region_code = "331122"
        row = runtime.targets.set_county(session, "331122", TargetSpec(services, phone), "staff")
        session.commit()
        return str(row.version)


def seen(app: FastAPI) -> Any:
    runtime = app.state.runtime
    with runtime.db.session() as session:
        return runtime.targets.view(session, session.query(KioskRow).one())


def menu(kiosk: Kiosk) -> list[str]:
    return [entry.flow.id for entry in kiosk.service.menu()]


def beat_again(kiosk: Kiosk, clock: FakeClock) -> None:
    clock.advance(3600)  # past the heartbeat interval: the next cycle beats
    kiosk.sync.cycle()


def closed_today() -> str:
    """A day of the week that is not today in Beijing: hours only then close the menu now."""
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).weekday()
    return WEEKDAYS[(today + 3) % 7]


def test_a_county_hides_a_service_and_changes_hours_and_the_menu_follows_between_visits(
    app: FastAPI, kiosk: Kiosk, port: int, clock: FakeClock, tmp_path: Path
) -> None:
    with serve(app, port):
        kiosk.sync.cycle()  # enrolled, catalog reported, first heartbeat
        before = menu(kiosk)
        assert {"job_fair_signup", "job_search", "policy_lookup"} <= set(before)
        version = set_county(
            app,
            TargetService(flow="job_search"),
            TargetService(flow="policy_lookup", hours={closed_today(): ["00:00-24:00"]}),
            TargetService(flow="employment_registration", hours="always"),
            phone="0578-3123456",
        )
        # A citizen is at the kiosk: the new catalog waits for the end of the visit.
        run = kiosk.service.new_run("job_search", "zh-CN")
        beat_again(kiosk, clock)
        assert menu(kiosk) == before
        assert seen(app).applied is None
        kiosk.service.end_run(run)
        kiosk.sync.cycle()  # no heartbeat due: the staged catalog goes in now
        assert menu(kiosk) == ["job_search", "employment_registration"]  # policy: closed today
        assert kiosk.target is not None
        assert kiosk.target.catalog.services[1].flow.id == "policy_lookup"
        assert kiosk.service.help_contacts.phone == "0578-3123456"
        assert seen(app).applied == version
    kiosk.close()
    # A restart keeps the applied target, with no controller to ask.
    again = assemble(tmp_path, port, clock)
    try:
        assert menu(again) == ["job_search", "employment_registration"]
        assert again.service.help_contacts.phone == "0578-3123456"
    finally:
        again.close()


def test_an_invalid_target_is_rejected_with_the_reason_and_the_old_catalog_kept(
    app: FastAPI, kiosk: Kiosk, port: int, clock: FakeClock
) -> None:
    with serve(app, port):
        kiosk.sync.cycle()
        before = menu(kiosk)
        overlapping = {"mon": ["09:00-12:00", "11:00-13:00"]}
        version = set_county(app, TargetService(flow="job_search", hours=overlapping))
        beat_again(kiosk, clock)
        assert menu(kiosk) == before
        view = seen(app)
        assert view.rejected == version
        assert view.applied is None
        assert "opening times of mon overlap" in view.rejected_reason
        # The same version is not fetched again; a corrected one is applied.
        fixed = set_county(app, TargetService(flow="job_search"))
        beat_again(kiosk, clock)
        assert menu(kiosk) == ["job_search"]
        assert seen(app).applied == fixed
        assert seen(app).rejected is None


def test_a_target_naming_a_service_the_catalog_lacks_is_rejected(tmp_path: Path) -> None:
    reports: list[Any] = []
    applied: list[object] = []
    target = TargetState(
        version="0123456789abcdef",
        services=[TargetService(flow="job_search"), TargetService(flow="career_counselling")],
    )
    keeper = TargetKeeper(
        tmp_path / "target.json",
        builtin_files(),
        fetch=lambda: target,
        send=reports.append,
        apply=lambda catalog, phone: applied.append(catalog) is None,
    )
    shipped = keeper.catalog
    keeper.wanted(target.version)
    keeper.step()
    assert applied == []
    assert keeper.catalog is shipped
    assert reports[0].outcome == "rejected"
    assert "no file career_counselling.yaml in the catalog" in reports[0].reason


def test_a_report_the_controller_did_not_get_is_sent_after_a_restart(tmp_path: Path) -> None:
    target = TargetState(version="0123456789abcdef", services=[TargetService(flow="job_search")])

    def unreachable(report: object) -> None:
        raise ControllerUnreachable("down")

    keeper = TargetKeeper(
        tmp_path / "target.json",
        builtin_files(),
        fetch=lambda: target,
        send=unreachable,
        apply=lambda catalog, phone: True,
    )
    keeper.wanted(target.version)
    keeper.step()
    assert keeper.running == target.version
    sent: list[Any] = []
    restarted = TargetKeeper(
        tmp_path / "target.json",
        builtin_files(),
        fetch=lambda: target,
        send=sent.append,
        apply=lambda catalog, phone: True,
    )
    restarted.step()
    assert [r.outcome for r in sent] == ["applied"]
    assert [s.flow.id for s in restarted.catalog.services] == ["job_search"]
