"""The script `python -m flows.cli walk --script` follows, read as strictly as a flow file.

A script is YAML::

    lang: en                         # optional; --lang wins
    today: "2026-11-26"              # optional; fixes date checks for CI
    devices: [id_card_reader]        # optional; the kiosk's devices (default: all)
    guards: {controller_online: false}
    public: {transaction_number: KA01-2611260001, service: employment_registration}
                                     # optional; what a follow-on flow (the rating) gets
    steps:                           # what the citizen and the devices do, in order
      - press: id_card               # a button
      - action: error                # how the next device step ends: ok, error or an event
      - press: retry                 # (an action step with no `action:` here ends ok)
      - form: {phone: "13800138000", employment_type: employed}
      - select: J-001                # an item of the list on screen, by id
      - wait: 200                    # seconds without a touch: timeouts fire
    expect: {outcome: completed, step: done}   # checked at the end of the flow walked
    expect_follow_on: {outcome: completed, step: thanks}   # and of the rating after it
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flows.actions import DEVICES, GUARDS
from flows.reader import Reader
from flows.session import RunRecord
from flows.walker import Input
from flows.yamlsafe import read_yaml_file

# What a script may hand a follow-on flow (`public:`): the rated transaction.
_HANDED_OVER = frozenset({"transaction_number", "service"})


def read_script(path: Path) -> dict[str, Any]:
    """The script at `path`, checked, as the settings cmd_walk reads (errors name the path)."""
    r = Reader(path.name)
    data = r.mapping(
        read_yaml_file(path.read_bytes(), path.name),
        "",
        {"lang", "today", "devices", "guards", "public", "steps", "expect", "expect_follow_on"},
    )
    steps: list[Input] = []
    for i, node in enumerate(r.sequence(data.get("steps", []), "steps")):
        m = r.mapping(node, f"steps[{i}]", {"press", "form", "action", "select", "wait"})
        if len(m) != 1:
            raise r.fail(f"steps[{i}]", "one of press, form, action, select or wait per entry")
        ((kind, arg),) = m.items()
        if kind == "form":
            r.mapping(arg, f"steps[{i}].form", arg if isinstance(arg, Mapping) else ())
        elif kind == "wait":
            r.integer(arg, f"steps[{i}].wait", 0, 86400)
        else:
            r.text(arg, f"steps[{i}].{kind}")
        steps.append((str(kind), arg))
    guards = r.mapping(data.get("guards", {}), "guards", GUARDS)
    handed = r.mapping(data.get("public", {}), "public", _HANDED_OVER)
    expect_keys = {"outcome", "step"}
    return {
        "record": RunRecord.from_snapshot(
            {str(k): r.text(v, f"public.{k}") for k, v in handed.items()}
        ),
        "expect_follow_on": dict(
            r.mapping(data.get("expect_follow_on", {}), "expect_follow_on", expect_keys)
        ),
        "lang": data.get("lang"),
        "today": data.get("today"),
        "devices": r.names(data.get("devices", sorted(DEVICES)), "devices", DEVICES, "device"),
        "guards": {str(k): r.boolean(v, f"guards.{k}") for k, v in guards.items()},
        "steps": steps,
        "expect": dict(r.mapping(data.get("expect", {}), "expect", expect_keys)),
    }
