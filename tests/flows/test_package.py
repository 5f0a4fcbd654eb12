"""`flows` lends each public name from its module on first use (cold start, issue 8)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import flows

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from flows import Catalog, Flow, Texts, builtin_files
print("flows.engine" in sys.modules)
from flows import FlowRun
print("flows.engine" in sys.modules)
"""


def test_the_catalogs_names_load_no_engine_and_flowrun_loads_it() -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.split("\n")[:2] == ["False", "True"]


def test_every_public_name_is_its_modules_own() -> None:
    assert set(flows._HOME) == set(flows.__all__)
    for name, home in flows._HOME.items():
        assert getattr(flows, name) is getattr(importlib.import_module(home), name), name


def test_a_name_flows_does_not_have_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        _ = flows.NoSuchThing  # type: ignore[attr-defined]
