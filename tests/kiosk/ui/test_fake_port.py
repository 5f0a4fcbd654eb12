"""The FakePort's sample content is what a controller could send: every item passes."""

from __future__ import annotations

from typing import Any

import pytest

from flows import Session
from flows.actions import CONTENT_SOURCES
from flows.content import parse_items
from tests.kiosk.ui.content import CONTENT


@pytest.mark.parametrize(("action", "source"), sorted(CONTENT_SOURCES.items()))
def test_every_fetching_action_gives_items_the_engine_keeps(
    make_port: Any, action: str, source: str
) -> None:
    run = make_port(demo=False).new_run("employment_registration", "zh-CN")
    session = Session()
    assert run._actions[action](session) == "ok"
    items = parse_items(session.content[source])
    assert len(items) == len(CONTENT[source]) > 0  # none dropped as malformed
