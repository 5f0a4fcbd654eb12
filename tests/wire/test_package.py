"""`wire` lends wire.v1's names on first use: the codes without pydantic (cold start, issue 8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import wire
import wire.v1

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import wire
from wire import CommandKind, DeviceState, KioskStatus, MAX_ATTACHMENT_CHARS, WireError
print("pydantic" in sys.modules, "wire.v1" in sys.modules)
from wire import Heartbeat
print("pydantic" in sys.modules, "wire.v1" in sys.modules)
"""


def test_the_codes_load_no_pydantic_and_the_first_model_loads_v1() -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.split("\n")[:2] == ["False False", "True True"]


def test_every_name_of_wire_is_wire_v1s_own() -> None:
    for name in wire.__all__:
        assert getattr(wire, name) is getattr(wire.v1, name), name


def test_wire_v1_keeps_every_name_it_had_before_the_split() -> None:
    # Callers (the controller, tests) import these from wire.v1 itself.
    for name in ("MAX_COUNT", "MAX_ANSWER_CHARACTERS", "RELEASE_VERSION_PATTERN", "Message"):
        assert hasattr(wire.v1, name), name
    assert set(wire.__all__) <= set(wire.v1.__all__)


def test_a_name_wire_does_not_have_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchMessage"):
        _ = wire.NoSuchMessage  # type: ignore[attr-defined]
