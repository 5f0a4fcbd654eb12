"""Hostile and malformed YAML is refused with the file and the line, before it costs anything."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

import flows.yamlsafe
from flows import FlowDefinitionError, load_flow
from flows.yamlsafe import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, parse_yaml, read_yaml_file

LOADERS = [flows.yamlsafe._PureStrictLoader]
if yaml.__with_libyaml__:
    LOADERS.append(flows.yamlsafe._CStrictLoader)


@pytest.fixture(autouse=True, params=LOADERS, ids=lambda loader: loader.__name__)
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> type:
    """Every rule here holds on libyaml's parser and on PyYAML's pure-Python one."""
    monkeypatch.setattr(flows.yamlsafe, "_Loader", request.param)
    return request.param  # type: ignore[no-any-return]


BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def refused(text: str) -> FlowDefinitionError:
    with pytest.raises(FlowDefinitionError) as caught:
        parse_yaml(text, "hostile.yaml")
    assert caught.value.source == "hostile.yaml"
    return caught.value


def test_an_alias_bomb_is_refused_at_its_first_anchor_in_no_time() -> None:
    started = time.perf_counter()
    err = refused(BILLION_LAUGHS)
    assert time.perf_counter() - started < 0.5
    assert err.path == "line 1, column 4"
    assert "anchors" in err.problem


def test_an_alias_is_refused_even_without_an_anchor_the_reader_accepted() -> None:
    assert "aliases" in refused("a: *nothing\n").problem


@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_very_deep_nesting_is_refused_without_recursion(opener: str) -> None:
    depth = 50_000 if opener != "- " else MAX_DEPTH + 1
    if opener == "- ":
        text = "".join("  " * i + "-\n" for i in range(depth))
    else:
        closer = "]" if opener == "[" else "}"
        text = opener * depth + "1" + closer * depth
    err = refused(text)
    assert f"nested deeper than {MAX_DEPTH}" in err.problem


def test_nesting_up_to_the_limit_is_fine() -> None:
    expected: list[object] = []
    for _ in range(MAX_DEPTH - 1):
        expected = [expected]
    assert parse_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH, "ok.yaml") == expected


def test_too_many_values_are_refused() -> None:
    text = "[" + ",".join(["1"] * (MAX_NODES + 1)) + "]"
    assert f"more than {MAX_NODES} values" in refused(text).problem


def test_a_duplicate_key_is_refused_instead_of_silently_winning() -> None:
    err = refused("steps:\n  a: 1\n  a: 2\n")
    assert err.path == "line 3, column 3"
    assert "'a' appears twice" in err.problem


def test_a_merge_key_stays_an_ordinary_key_that_the_schema_then_refuses() -> None:
    assert parse_yaml("<<: {a: 1}\n", "m.yaml") == {"<<": {"a": 1}}


def test_an_unhashable_key_is_a_definition_error_not_a_crash() -> None:
    assert "plain text" in refused("? [1, 2]\n: x\n").problem


def test_python_object_tags_are_refused() -> None:
    assert "not valid YAML" in refused("a: !!python/object/apply:os.system ['true']\n").problem


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("on", "on"),
        ("no", "no"),
        ("yes", "yes"),
        ("true", True),
        ("False", False),
        ("010", 10),  # decimal, not YAML 1.1 octal
        ("8:30", "8:30"),  # text, not YAML 1.1 sexagesimal 510
        ("08:30-17:30", "08:30-17:30"),
        ("2026-01-31", "2026-01-31"),  # text, not a date object
        ("1.5", 1.5),
        ("~", None),
        ("'330102'", "330102"),
    ],
)
def test_scalars_follow_the_yaml_1_2_core_schema(text: str, value: object) -> None:
    assert parse_yaml(f"k: {text}\n", "s.yaml") == {"k": value}


def test_a_huge_file_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    data = b"a: " + b"x" * MAX_FILE_BYTES
    with pytest.raises(FlowDefinitionError, match="limit"):
        read_yaml_file(data, "huge.yaml")
    (tmp_path / "huge.yaml").write_bytes(data)
    with pytest.raises(FlowDefinitionError, match="huge.yaml: <top>: file is"):
        load_flow(tmp_path / "huge.yaml")


def test_bytes_that_are_not_utf8_are_a_definition_error() -> None:
    with pytest.raises(FlowDefinitionError, match="not UTF-8"):
        read_yaml_file("id: 就业".encode("gbk"), "gbk.yaml")


def test_a_yaml_syntax_error_names_the_line() -> None:
    err = refused("id: demo\nsteps: [unclosed\n")
    assert err.path.startswith("line 3")
    assert "not valid YAML" in err.problem
