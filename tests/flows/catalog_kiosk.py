"""A catalog flow run with stubbed actions, recording what it would submit, and synthetic
card readers: for the per-service tests (tests/flows/test_catalog_*.py)."""

from __future__ import annotations

from collections.abc import Callable

from flows import FlowRun, Identity, Session
from flows.manifest import load_builtin_catalog
from flows.submission import Submission, build_submission
from pii import Sensitive, mask_name
from pii.idnumber import make_id_number
from tests.flows.helpers import (
    TODAY,
    Stubs,
)
from tests.support.clock import FakeClock

CATALOG = load_builtin_catalog(today=TODAY)
# A flexible worker's answers to the social insurance subsidy (test_catalog_applications,
# test_progress).
APPLICANT = {"flexible_work": "delivery", "phone": "13912345678"}


class Kiosk:
    """A run with the stubs, recording what submit would send."""

    def __init__(self, flow_id: str, **actions: Callable[[Session], str | None]) -> None:
        self.flow = CATALOG.flow(flow_id)
        self.stubs = Stubs()
        self.sent: list[Submission] = []
        bound = {**self.stubs.actions(), "submit": self._submit, **actions}
        self.run = FlowRun(self.flow, bound, guards=self.stubs.guards(), clock=FakeClock(),
                           today=lambda: TODAY)  # fmt: skip

    def _submit(self, session: Session) -> str:
        self.sent.append(build_submission(self.flow, session))
        session.record.transaction_number = "KA01-2611260042"
        return "ok"

    def card(self) -> None:
        """Identify with the ID card (after the chooser, if there is one)."""
        if "id_card" in self.run.buttons():
            self.run.fire("id_card")
        self.run.run_action()

    def form(self, **values: str) -> None:
        """Fill the form on screen; every field not given is left empty."""
        errors = self.run.submit_form(values)
        assert errors == {}, errors

    def step(self) -> str:
        return self.run.step.name


def card_of(age: int, *, male: bool) -> Callable[[Session], str]:
    """A card reader handing out a synthetic citizen of `age` on TODAY."""
    number = make_id_number(
        "331122", TODAY.replace(year=TODAY.year - age, month=1), 1 if male else 2
    )

    def read(session: Session) -> str:
        session.identity = Identity("id_card", Sensitive(number), Sensitive("测试乙", mask_name))
        return "ok"

    return read
