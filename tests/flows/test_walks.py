"""The walk scripts of tests/flows/walks/, one or more per catalog flow, run as a county
author would run them (`python -m flows.cli walk <flow> --script <walk>`)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from flows.cli import main
from flows.manifest import load_builtin_catalog
from tests.flows.helpers import TODAY

CATALOG = Path(str(resources.files("flows.catalog")))
WALKS = sorted(Path(__file__).with_name("walks").glob("*.yaml"))


def flow_of(walk: Path) -> str:
    """`job_search.yaml` and `job_search.no_printer.yaml` both walk job_search."""
    return walk.name.split(".")[0]


def test_every_catalog_flow_has_a_walk_script() -> None:
    flows = set(load_builtin_catalog(today=TODAY).flows)
    assert flows <= {flow_of(w) for w in WALKS}
    assert {flow_of(w) for w in WALKS} <= flows


@pytest.mark.parametrize("walk", WALKS, ids=lambda w: w.stem)
def test_a_walk_script_reaches_what_it_expects(walk: Path, capsys) -> None:
    flow = CATALOG / f"{flow_of(walk)}.yaml"
    code = main(["walk", str(flow), "--script", str(walk), "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "session wiped: NO" not in out
