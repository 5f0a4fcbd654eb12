from __future__ import annotations

from collections.abc import Callable

import pytest

from flows import Flow, FlowRun, Identity, Session, load_builtin
from pii import Sensitive, mask_name
from tests.flows.helpers import TODAY, Stubs
from tests.support.clock import FakeClock


def card_reader(
    number: str = "11010519491231002X", name: str = "测试甲"
) -> Callable[[Session], str]:
    def read_id_card(session: Session) -> str:
        session.identity = Identity("id_card", Sensitive(number), Sensitive(name, mask_name))
        return "ok"

    return read_id_card


@pytest.fixture
def read_card() -> Callable[[Session], str]:
    return card_reader()


@pytest.fixture
def registration() -> Flow:
    return load_builtin("employment_registration")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def stubs() -> Stubs:
    return Stubs()


@pytest.fixture
def submitted() -> list[dict[str, str]]:
    return []


@pytest.fixture
def make_run(registration: Flow, clock: FakeClock, submitted: list[dict[str, str]]):
    def submit(session: Session) -> str:
        assert session.identity is not None
        record = {k: session.value(k) for k in session.values}
        record["id_number"] = session.identity.id_number.reveal()
        submitted.append(record)
        session.record.transaction_number = "KA01-2611260001"
        return "ok"

    def make(lang: str = "zh-CN", **overrides: Callable[[Session], str | None]) -> FlowRun:
        actions = {"read_id_card": card_reader(), "submit": submit, "print_receipt": lambda s: "ok"}
        actions.update(overrides)
        return FlowRun(registration, actions, lang=lang, clock=clock, today=lambda: TODAY)

    return make
