"""`lazy_exports` lends a package's names from their modules, once, and refuses the rest."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

from pii.lazy import lazy_exports

PACKAGE = "estation_lazy_probe"


@pytest.fixture
def package() -> Iterator[types.ModuleType]:
    """A package whose `dumps` lives in json and whose `Fraction` in fractions."""
    module = types.ModuleType(PACKAGE)
    module.__getattr__ = lazy_exports(  # type: ignore[method-assign]
        PACKAGE, {"dumps": "json", "Fraction": "fractions"}
    )
    sys.modules[PACKAGE] = module
    yield module
    del sys.modules[PACKAGE]


def test_a_name_is_its_modules_own_and_kept_in_the_package(package: types.ModuleType) -> None:
    import json

    assert "dumps" not in vars(package)
    assert package.dumps is json.dumps
    assert vars(package)["dumps"] is json.dumps  # later lookups skip the hook


def test_a_name_not_in_the_table_is_an_attribute_error(package: types.ModuleType) -> None:
    with pytest.raises(AttributeError, match=f"'{PACKAGE}' has no attribute 'loads'"):
        _ = package.loads
