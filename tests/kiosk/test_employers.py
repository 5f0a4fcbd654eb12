"""The employer list for the picker: fetched from the controller's content, kept offline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.controller_client import ControllerClient, ControllerUnreachable
from kiosk.employers import Employer, EmployerList, employer_from
from tests.support.clock import FakeClock
from tests.support.waiting import wait_until

ITEMS = [
    {
        "name": "缙云县城关镇社区服务中心",
        "credit_code": "12331122MB1234567X",
        "initials": "jyxcgzsqfwzx",
    },
    {"id": "91331122MA2ABCDE1K", "title": {"zh-CN": "缙云县某机械制造有限公司", "en": "A maker"}},
    {"name": ""},  # not an employer: dropped
    "nonsense",
]


class ScriptedClient(ControllerClient):
    """A controller client whose content answers are set by the test (no network)."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9")
        self.answer: list[Any] | Exception = ITEMS
        self.asked: list[str] = []

    def content(
        self, source: str, filters: Mapping[str, str] | None, token: str
    ) -> list[dict[str, Any]]:
        self.asked.append(source)
        if isinstance(self.answer, Exception):
            raise self.answer
        return list(self.answer)


def test_items_in_either_shape_become_employers() -> None:
    found = [employer_from(node) for node in ITEMS]
    assert found[0] == Employer("缙云县城关镇社区服务中心", "12331122MB1234567X", "jyxcgzsqfwzx")
    assert found[1] == Employer("缙云县某机械制造有限公司", "91331122MA2ABCDE1K", "")
    assert found[2:] == [None, None]


def test_an_employer_matches_by_name_initials_or_code() -> None:
    employer = Employer("缙云县城关镇社区服务中心", "12331122MB1234567X", "jyxcgzsqfwzx")
    assert employer.matches("社区")
    assert employer.matches("JYX")
    assert employer.matches("12331122")
    assert not employer.matches("szjy")
    assert not Employer("某公司").matches("mgs")  # no initials: only the name matches


def test_the_list_is_fetched_then_kept_while_the_controller_is_away() -> None:
    client, clock = ScriptedClient(), FakeClock()
    employers = EmployerList(client, lambda: "token", clock=clock)
    assert employers.refresh()
    assert client.asked == ["employers"]
    assert [e.name for e in employers.current()][:1] == ["缙云县城关镇社区服务中心"]
    client.answer = ControllerUnreachable("down")
    clock.advance(3600)
    assert not employers.refresh()
    assert len(employers.current()) == 2  # what was fetched before


def test_current_never_blocks_and_fetches_in_the_background() -> None:
    client = ScriptedClient()
    employers = EmployerList(client, lambda: "token")
    assert employers.current() == []  # nothing yet: the picker offers free entry
    assert wait_until(lambda: len(employers.current()) == 2)


def test_offline_or_an_unknown_source_is_an_empty_list() -> None:
    assert EmployerList(None, lambda: "token").current() == []
    # The real client, before any call: a wire contract without the source refuses it
    # (WireError), one with it finds nobody listening; either way the list stays empty.
    real = EmployerList(ControllerClient("http://127.0.0.1:9", timeout=0.5), lambda: "t")
    assert not real.refresh()
    assert real.current() == []
