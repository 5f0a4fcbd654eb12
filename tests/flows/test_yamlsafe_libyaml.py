"""libyaml parses the catalog when PyYAML has it, to the values the pure-Python parser gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import flows
import flows.yamlsafe
from flows.yamlsafe import read_yaml_file

CATALOG = Path(flows.__file__).parent / "catalog"

pytestmark = pytest.mark.skipif(
    not yaml.__with_libyaml__, reason="PyYAML was built without libyaml"
)


def test_libyaml_parses_when_pyyaml_has_it() -> None:
    # The kiosk reads the whole catalog before its menu shows (issue 8's cold start).
    assert flows.yamlsafe._Loader is flows.yamlsafe._CStrictLoader


@pytest.mark.parametrize("path", sorted(CATALOG.rglob("*.yaml")), ids=lambda p: p.name)
def test_both_parsers_read_every_catalog_file_the_same(path: Path) -> None:
    data = path.read_bytes()
    pure = flows.yamlsafe._PureStrictLoader(data.decode("utf-8")).get_single_data()
    assert read_yaml_file(data, path.name) == pure
