"""UISession's rules without Kivy: routing, the end of a visit, late worker results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from flows import FlowRun, RunRecord
from kiosk.ui.end_notice import EndNotice
from kiosk.ui.session import UISession


class RecordingNavigator:
    """Remembers what was shown; `wipes` counts full clears."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.notice: EndNotice | None = None
        self.wipes = 0
        self.idle: list[int | None] = []  # countdown seconds shown, None: taken away
        self.helps = 0

    def show_welcome(self, lang: str) -> None:
        self.shown.append(f"welcome:{lang}")

    def show_step(self, screen: str, run: FlowRun) -> None:
        self.shown.append(screen)

    def show_end(self, notice: EndNotice, seconds_left: float) -> None:
        self.notice = notice
        self.shown.append("end")

    def refresh(self, run: FlowRun | None, end_seconds_left: float | None) -> None:
        pass

    def wipe(self) -> None:
        self.wipes += 1

    def show_attract(self, cards: Any, page: int, lang: str) -> None:
        self.shown.append(f"attract:{page}")

    def show_out_of_service(self, reason: Any, contacts: Any, lang: str) -> None:
        self.shown.append(f"out_of_service:{reason.get(lang)}")

    def show_pairing(self, view: Any, lang: str) -> None:
        self.shown.append(f"pairing:{view.code_shown}")

    def show_idle(self, seconds: int, lang: str) -> None:
        self.idle.append(seconds)

    def hide_idle(self) -> None:
        self.idle.append(None)

    def show_help(self, contacts: Any, lang: str) -> None:
        self.helps += 1


class HeldWorker:
    """Runs nothing until the test says so, like a device that takes its time."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[], object], Callable[[BaseException | None], None]]] = []

    def __call__(
        self, job: Callable[[], object], done: Callable[[BaseException | None], None]
    ) -> None:
        self.pending.append((job, done))

    def finish_all(self) -> None:
        while self.pending:
            job, done = self.pending.pop(0)
            try:
                job()
            except Exception as err:
                done(err)
            else:
                done(None)


@pytest.fixture
def parts(clock: Any, make_port: Any) -> tuple[UISession, RecordingNavigator, HeldWorker, Any]:
    port = make_port(demo=False)
    worker = HeldWorker()
    session = UISession(
        port, worker, end_seconds=10, clock=clock, demo=port, attract_at_start=False
    )
    nav = RecordingNavigator()
    session.attach(nav)
    return session, nav, worker, port


def _complete(session: UISession, worker: HeldWorker, citizen: Any) -> None:
    session.start("employment_registration")
    worker.finish_all()
    assert session.submit(citizen.form) == {}
    session.fire("confirm")
    worker.finish_all()  # submit
    worker.finish_all()  # print_receipt


def test_a_visit_routes_each_step_kind_to_its_screen(parts, citizen: Any) -> None:
    session, nav, worker, port = parts
    _complete(session, worker, citizen)
    assert nav.shown == ["welcome:zh-CN", "action", "form", "confirm", "action", "action", "end"]
    assert nav.notice is not None
    assert nav.notice.transaction_number == citizen.transaction
    assert nav.notice.outcome == "completed"


def test_the_end_of_a_visit_tells_the_port_wipes_and_drops_the_run(parts, citizen: Any) -> None:
    session, nav, worker, port = parts
    session.start("employment_registration")
    worker.finish_all()
    run = session.run
    session.fire("cancel")
    assert session.run is None
    assert port.ended == [run]
    assert run is not None
    assert run.session.wiped
    assert nav.wipes == 1
    assert nav.notice is not None
    assert not any(trace in repr(nav.notice) for trace in citizen.traces())


def test_the_end_screen_gives_way_to_welcome_after_its_time(parts, clock: Any) -> None:
    session, nav, worker, port = parts
    session.set_lang("en")
    session.start("employment_registration")
    session.fire("cancel")
    clock.advance(9)
    session.tick()
    assert nav.shown[-1] == "end"
    clock.advance(1)
    session.tick()
    # The next person starts in the station's language, not the last visitor's.
    assert nav.shown[-1] == "welcome:zh-CN"
    assert session.lang == "zh-CN"


def test_an_idle_form_times_out_to_the_end_and_wipes(parts, clock: Any) -> None:
    session, nav, worker, port = parts
    session.start("employment_registration")
    worker.finish_all()
    clock.advance(180)
    session.tick()
    assert nav.shown[-1] == "end"
    assert nav.notice is not None
    assert nav.notice.outcome == "expired"
    assert port.ended
    assert port.ended[0].session.wiped


def test_a_touch_restarts_the_idle_timeout(parts, clock: Any) -> None:
    session, nav, worker, port = parts
    session.start("employment_registration")
    worker.finish_all()
    clock.advance(170)
    session.touch()
    clock.advance(170)
    session.tick()
    assert nav.shown[-1] == "form"


def test_a_result_arriving_after_the_visit_ended_is_ignored(parts) -> None:
    session, nav, worker, port = parts
    session.start("employment_registration")
    session.fire("cancel")  # while the card read is still out on the worker
    shown = list(nav.shown)
    worker.finish_all()
    assert nav.shown == shown
    assert session.run is None


def test_a_crashing_action_ends_the_visit_as_failed(parts) -> None:
    session, nav, worker, port = parts
    session.start("employment_registration")
    run = session.run
    assert run is not None
    run._actions = {**run._actions, "read_id_card": _crash}  # a driver bug, not ActionFailed
    worker.finish_all()
    assert nav.shown[-1] == "end"
    assert nav.notice is not None
    assert nav.notice.outcome == "failed"
    assert port.ended == [run]


def test_a_retried_action_does_not_start_a_second_worker(parts, clock: Any, citizen: Any) -> None:
    session, nav, worker, port = parts
    session.start("employment_registration")
    worker.finish_all()
    session.submit(citizen.form)
    session.fire("confirm")  # submit goes out on a worker and hangs
    clock.advance(30)
    session.tick()  # timeout -> submit_failed notice
    assert nav.shown[-1] == "notice"
    session.fire("retry")  # back on the submit step while the first attempt still runs
    assert len(worker.pending) == 1
    worker.finish_all()
    worker.finish_all()
    assert nav.shown[-1] == "end"
    assert len(port.submitted) == 1


def test_end_run_failing_still_wipes_the_screens(parts) -> None:
    session, nav, worker, port = parts

    def broken_end_run(run: FlowRun) -> None:
        raise OSError("printer driver gone")

    port.end_run = broken_end_run  # type: ignore[method-assign]
    session.start("employment_registration")
    session.fire("cancel")
    assert nav.wipes == 1
    assert nav.shown[-1] == "end"


def test_late_taps_on_a_screen_that_moved_on_are_ignored(parts) -> None:
    session, nav, worker, port = parts
    session.fire("cancel")  # nothing running
    session.start("employment_registration")
    session.fire("confirm")  # not an event of the card step
    assert nav.shown[-1] == "action"


def test_the_identity_chooser_has_its_own_screen(clock: Any, make_port: Any, identity_flow) -> None:
    port = make_port(demo=False, flow=identity_flow)
    worker = HeldWorker()
    session = UISession(port, worker, clock=clock, demo=port, attract_at_start=False)
    nav = RecordingNavigator()
    session.attach(nav)
    session.start("identity_registration")
    assert nav.shown[-1] == "identify"
    session.fire("id_card")
    assert nav.shown[-1] == "action"
    assert len(worker.pending) == 1
    worker.finish_all()
    assert nav.shown[-1] == "form"
    session.fire("cancel")
    assert nav.shown[-1] == "end"


def _crash(_session: object) -> str:
    raise RuntimeError("bug")


def test_a_citizen_who_walked_away_ends_the_visit_before_the_idle_timeout(
    parts, clock: Any, citizen: Any
) -> None:
    session, nav, worker, port = parts
    session.start("employment_registration")
    worker.finish_all()
    clock.advance(30)  # nobody touched the screen either
    port.absent_for = 29.0  # the camera last saw someone 29 s ago
    session.tick()
    assert nav.shown[-1] == "form"
    port.absent_for = 30.0
    session.tick()
    assert nav.shown[-1] == "end"
    assert nav.notice is not None
    assert nav.notice.outcome == "expired"
    assert port.ended[0].session.wiped


def test_a_citizen_touching_the_screen_is_there_whatever_the_camera_missed(
    parts, clock: Any
) -> None:
    session, nav, worker, port = parts
    session.start("employment_registration")
    worker.finish_all()
    clock.advance(40)
    session.touch()  # typing, face turned to the keypad: the camera sees nobody
    port.absent_for = 40.0
    clock.advance(29)
    session.tick()
    assert nav.shown[-1] == "form"
    clock.advance(1)  # 30 s without a touch and without a face: gone
    session.tick()
    assert nav.shown[-1] == "end"


def test_a_kiosk_whose_camera_cannot_tell_keeps_the_idle_timeout(parts, clock: Any) -> None:
    session, nav, worker, port = parts
    session.start("employment_registration")
    worker.finish_all()
    port.absent_for = None
    clock.advance(100)
    session.tick()
    assert nav.shown[-1] == "form"


def test_a_completed_transaction_goes_on_into_its_rating_then_welcome(
    parts, citizen: Any, clock: Any
) -> None:
    session, nav, worker, port = parts
    _complete(session, worker, citizen)
    assert nav.notice is not None
    assert nav.notice.follow_on
    assert nav.notice.transaction_number == citizen.transaction
    session.finish()
    rating = session.run
    assert rating is not None
    assert rating.flow.id == "rating"
    assert rating.session.record == RunRecord(
        transaction_number=citizen.transaction, service="employment_registration"
    )
    assert nav.shown[-1] == "form"
    session.fire("skip")
    assert nav.notice.outcome == "cancelled"
    assert not nav.notice.follow_on  # a rating leads nowhere
    assert nav.notice.transaction_number == ""  # shown once, after the transaction
    clock.advance(10)
    session.tick()
    assert nav.shown[-1] == "welcome:zh-CN"
    assert [r.flow.id for r in port.ended] == ["employment_registration", "rating"]
    assert nav.wipes == 3  # the end of each run, and welcome


def test_a_rating_that_cannot_start_gives_way_to_welcome(parts, citizen: Any) -> None:
    session, nav, worker, port = parts

    def broken(flow_id: str, lang: str, record: Any) -> FlowRun:
        raise OSError("rating flow missing")

    port.new_follow_on_run = broken
    _complete(session, worker, citizen)
    session.finish()
    assert session.run is None
    assert nav.shown[-1] == "welcome:zh-CN"


def test_a_visit_that_did_not_complete_has_no_rating(parts) -> None:
    session, nav, worker, port = parts
    session.start("employment_registration")
    session.fire("cancel")
    assert nav.notice is not None
    assert not nav.notice.follow_on
    session.finish()
    assert nav.shown[-1] == "welcome:zh-CN"


def test_only_an_item_that_can_be_chosen_is_chosen(clock: Any, make_port: Any) -> None:
    from tests.kiosk.ui.conftest import load_ui_flow

    port = make_port(demo=False, flow=load_ui_flow("training_signup"))
    worker = HeldWorker()
    session = UISession(port, worker, clock=clock, demo=port, attract_at_start=False)
    nav = RecordingNavigator()
    session.attach(nav)
    session.start("training_signup")
    worker.finish_all()  # fetch_trainings
    assert nav.shown[-1] == "list"
    for item in ("T2026-0460", "no-such-item"):  # full; gone
        session.select(item)
        assert session.run is not None
        assert session.run.step.name == "classes"
    session.select("T2026-0471")
    assert nav.shown[-1] == "detail"
    session.select("T2026-0471")  # a late second tap on a list that moved on
    assert session.run.step.name == "class"


def test_nobody_is_asked_to_rate_after_walking_away(parts, citizen: Any, clock: Any) -> None:
    session, nav, worker, port = parts
    _complete(session, worker, citizen)
    port.absent_for = 45.0  # gone while the end screen counted down
    clock.advance(30)  # and no touch since: the end screen's 10 s are over too
    session.tick()
    assert session.run is None
    # Nobody there: not the menu but the attract loop (it wakes to the menu on a touch).
    assert nav.shown[-1] == "attract:0"
