"""A package's public names, each imported from its own module when first asked for (PEP 562).

`flows` and the driver packages re-export many names but must not load every module behind
them on import (a kiosk's cold start, docs/touchscreen.md): each keeps a literal `_HOME`
table (name -> module) and sets `__getattr__ = lazy_exports(__name__, _HOME)`. The import
checker (tests/architecture/imports.py) reads that literal table as the package's imports,
one per line, so the rules see every module a lazy name comes from. Stdlib only: every
package may use it, and it loads nothing.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The module `__getattr__` of `package`: a name of `homes` imported from its module."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        # asked once: later lookups find it in the package without this hook
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
