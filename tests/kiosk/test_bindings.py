"""The kiosk binds the whole flow vocabulary, or says which action it cannot do, and no flow
offers a citizen a step this kiosk cannot run."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows import FlowRun, load_builtin_catalog
from flows.actions import ACTIONS, ActionName
from kiosk.actions import UNSUPPORTED, RunActions, Station
from kiosk.outbox import Outbox
from pii import Sealer
from tests.flows.helpers import TODAY, FakeClock, Stubs, explore
from wire import DeviceKind

CATALOG = load_builtin_catalog()
FLOWS = [service.flow for service in CATALOG.services]
ALL_DEVICES = frozenset(DeviceKind)


def real_actions(tmp_path: Path) -> RunActions:
    """The kiosk's own bindings for one run (no devices attached: binding needs none)."""
    outbox = Outbox(tmp_path / "outbox.db", Sealer(b"k" * 32), clock=FakeClock())
    station = Station(lambda: "KA01", "测试e站", "http://127.0.0.1:9", ZoneInfo("Asia/Shanghai"))
    return RunActions(FLOWS[0], station, reader=None, printer=None, outbox=outbox)


def test_bound_and_unsupported_actions_are_the_whole_vocabulary(tmp_path: Path) -> None:
    bound = set(real_actions(tmp_path).bound())
    assert bound | set(UNSUPPORTED) == ACTIONS
    assert not bound & set(UNSUPPORTED), "an action is both bound and declared unsupported"


def test_each_unsupported_action_says_why() -> None:
    for action, why in UNSUPPORTED.items():
        assert action in ACTIONS
        assert len(why) > 40, f"{action}: say why the kiosk cannot do it"


def _runs(flow_id: str, unsupported: frozenset[str]) -> list[FlowRun]:
    flow = CATALOG.flow(flow_id)
    stubs = Stubs()
    actions = {k: v for k, v in stubs.actions().items() if k not in unsupported}

    def new_run() -> FlowRun:
        return FlowRun(
            flow,
            actions,
            guards=stubs.guards(),
            devices_available=ALL_DEVICES,
            clock=FakeClock(),
            today=lambda: TODAY,
            unsupported=unsupported,
        )

    return [run for run, _, _ in explore(flow, new_run)]


@pytest.mark.parametrize("flow_id", [flow.id for flow in FLOWS])
def test_no_flow_reaches_a_step_whose_action_is_unsupported(flow_id: str) -> None:
    """Every state a citizen can reach, with every device working: none runs an action the
    kiosk declared it cannot do (the method is not offered; a fallback stands in)."""
    for run in _runs(flow_id, frozenset(UNSUPPORTED)):
        assert run.step.action not in UNSUPPORTED, f"{flow_id} reaches {run.step.name}"
        assert not {e for e in run.buttons() if e in UNSUPPORTED}


def test_without_the_declaration_the_e_social_card_would_be_offered() -> None:
    """The check above can fail: with the camera working and nothing declared, the
    e-social-card scan is reachable in a catalog service."""
    reached = {run.step.action for run in _runs("bundle_flexible_employment", frozenset())}
    assert ActionName.SCAN_E_SOCIAL_CARD in reached
