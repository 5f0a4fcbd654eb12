from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows import FlowDefinitionError, load_flow
from flows.loader import MAX_FILE_BYTES, parse_flow

MINIMAL = {
    "id": "demo",
    "version": 1,
    "title": {"zh-CN": "演示", "en": "Demo"},
    "start": "ask",
    "steps": {
        "ask": {
            "kind": "form",
            "title": {"zh-CN": "填写", "en": "Fill in"},
            "timeout": 60,
            "fields": [
                {"name": "phone", "kind": "mobile", "label": {"zh-CN": "手机", "en": "Mobile"}}
            ],
            "on": {"submit": "end", "timeout": "end"},
        },
        "end": {"kind": "end", "outcome": "completed", "title": {"zh-CN": "完成", "en": "Done"}},
    },
}


def broken(path: list[str | int], value: object) -> dict:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


def test_minimal_flow_loads() -> None:
    flow = parse_flow(MINIMAL, "demo.yaml")
    assert flow.steps["ask"].fields[0].personal is True


@pytest.mark.parametrize(
    ("path", "value", "where", "problem"),
    [
        (["steps", "ask", "on", "submit"], "nowhere", "steps.ask.on.submit", "unknown step"),
        (["start"], "missing", "start", "unknown step"),
        (["steps", "ask", "timeout"], KeyError, "steps.ask.timeout", "needs a timeout"),
        (["steps", "ask", "title", "en"], KeyError, "steps.ask.title", "missing translation en"),
        (["steps", "ask", "colour"], "red", "steps.ask", "unknown key(s) colour"),
        (["steps", "ask", "kind"], "dance", "steps.ask.kind", "expected one of"),
        (["steps", "ask", "fields", 0, "kind"], "x", "steps.ask.fields[0].kind", "expected"),
        (["steps", "orphan"], {"kind": "end", "outcome": "completed",
                               "title": {"zh-CN": "孤", "en": "Orphan"}}, "steps", "unreachable"),
        (["steps", "ask", "kind"], "action", "steps.ask.action", "unknown action"),
    ],
)  # fmt: skip
def test_definition_errors_name_file_and_path(path, value, where: str, problem: str) -> None:
    with pytest.raises(FlowDefinitionError) as caught:
        parse_flow(broken(path, value), "demo.yaml")
    assert caught.value.source == "demo.yaml"
    assert caught.value.path == where
    assert problem in caught.value.problem


def test_on_and_no_stay_strings_in_flow_files(tmp_path: Path) -> None:
    text = yaml.safe_dump(MINIMAL, allow_unicode=True).replace("'on'", "on")
    (tmp_path / "f.yaml").write_text(text, encoding="utf-8")
    assert load_flow(tmp_path / "f.yaml").steps["ask"].on["submit"] == "end"


def test_invalid_yaml_is_a_definition_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(FlowDefinitionError, match="bad.yaml.*not valid YAML"):
        load_flow(tmp_path / "bad.yaml")


def test_huge_files_are_refused_before_parsing(tmp_path: Path) -> None:
    (tmp_path / "huge.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(FlowDefinitionError, match="limit"):
        load_flow(tmp_path / "huge.yaml")


def test_python_tags_are_refused(tmp_path: Path) -> None:
    (tmp_path / "evil.yaml").write_text("id: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(FlowDefinitionError, match="not valid YAML"):
        load_flow(tmp_path / "evil.yaml")
