"""Reading an ID card into the session: the holder, and whether the card is past its date.

The real driver on the simulator's pty, then the catalog's own flows deciding what an
expired card may do: file an application no, look things up yes (flows/identity.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator

import pytest

from drivers.idcard import IdCardReader
from drivers.idcard.fixtures import IdCardFixture, fixture_by_name
from drivers.idcard.simulator import IdCardSimulator
from flows import FlowRun, Session, load_builtin
from kiosk.actions.identity import CardReading
from tests.flows.helpers import Stubs

TODAY = dt.date(2026, 12, 5)
JIA = fixture_by_name("测试甲")  # valid until 2035
# The same holder with a card that ran out last year (a 10-year card from 2015).
JIA_EXPIRED = dataclasses.replace(JIA, valid_to=dt.date(2025, 6, 1))


@pytest.fixture
def reading() -> Iterator[tuple[IdCardSimulator, CardReading]]:
    with (
        IdCardSimulator() as sim,
        IdCardReader(sim.url, timeout=0.5, poll_interval=0.02) as reader,
    ):
        yield (
            sim,
            CardReading(
                reader, None, None, card_wait=5.0, cancelled=threading.Event(), today=lambda: TODAY
            ),
        )


@pytest.mark.parametrize(("card", "expired"), [(JIA, False), (JIA_EXPIRED, True)])
def test_a_card_past_its_validity_date_is_marked_expired(
    reading: tuple[IdCardSimulator, CardReading], card: IdCardFixture, expired: bool
) -> None:
    sim, cards = reading
    sim.present(card)
    session = Session()
    assert cards.read_id_card(session) == "ok"
    assert session.identity is not None
    assert session.identity.expired is expired
    assert session.identity.id_number.reveal() == JIA.id_number


def test_a_long_term_card_never_expires(reading: tuple[IdCardSimulator, CardReading]) -> None:
    sim, cards = reading
    long_term = next(f for f in (fixture_by_name("测试乙"),) if f.valid_to is None)
    sim.present(long_term)
    session = Session()
    cards.read_id_card(session)
    assert session.identity is not None
    assert session.identity.expired is False


@pytest.mark.parametrize(
    ("flow", "then"),
    [
        ("employment_registration", "identify_expired"),  # filed in the citizen's name: no
        ("job_search", "identify.id_card.expired"),  # looking things up: told, then on
    ],
)
def test_the_catalog_decides_what_an_expired_card_may_do(
    reading: tuple[IdCardSimulator, CardReading], flow: str, then: str
) -> None:
    sim, cards = reading
    sim.present(JIA_EXPIRED)
    run = FlowRun(load_builtin(flow), {**Stubs().actions(), "read_id_card": cards.read_id_card})
    while run.step.action != "read_id_card":  # job search: "show my ID", then the ID card
        run.fire(next(e for e in ("personalised", "id_card") if e in run.step.on))
    run.run_action()
    assert run.step.name == then
    if "retry" in run.buttons():
        assert run.buttons() == ["retry", "cancel"]
    else:
        run.fire("next")
        assert run.session.identity is not None
        assert run.session.identity.method == "id_card"
