"""The dependency table of ../shared/STYLE.md, checked on every import statement with ast.

Deviation from the table, on purpose: pii/ also imports python-stdnum (the maintained GB/T 2260
region table) and cryptography (AES-GCM sealing at rest); wire/ uses pydantic for its schemas.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"pii", "wire", "drivers", "flows", "kiosk", "provisioning", "controller"}
STDLIB = set(sys.stdlib_module_names) | {"__future__"}

# package -> (our packages it may import, third-party top-level modules it may import)
ALLOWED: dict[str, tuple[set[str], set[str]]] = {
    "pii": (set(), {"stdnum", "cryptography"}),
    "wire": ({"pii"}, {"pydantic"}),
    "drivers": (
        {"pii"},
        {"serial", "smartcard", "escpos", "usb", "cv2", "PIL", "qrcode", "numpy"},
    ),
    "flows": ({"pii", "wire"}, {"yaml"}),  # wire.vocabulary only: the shared names
    "kiosk": ({"flows", "drivers", "wire", "pii"}, {"kivy", "httpx", "PIL"}),
    "provisioning": ({"drivers", "wire", "pii"}, {"zeroconf", "httpx"}),
    "controller": (
        {"wire", "pii"},
        {"fastapi", "starlette", "uvicorn", "sqlalchemy", "jinja2", "pydantic", "psycopg"},
    ),
}


def _imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, top-level module, full module) of every absolute import in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.split(".")[0], a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0], node.module))
    return found


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_the_table_allows(package: str) -> None:
    ours, third_party = ALLOWED[package]
    bad = []
    for path in _files(package):
        in_ui = package == "kiosk" and "ui" in path.relative_to(ROOT / package).parts[:1]
        for line, top, full in _imports(path):
            if top in STDLIB or top == package:
                continue
            if top in OURS:
                ok = top in ours
            else:
                # kivy is allowed in kiosk/ only under kiosk/ui/
                ok = top in third_party and (top != "kivy" or in_ui)
            if not ok:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {full}")
    assert not bad, "imports against ../shared/STYLE.md:\n" + "\n".join(bad)


def test_every_package_exists_and_has_code() -> None:
    for package in ALLOWED:
        assert _files(package), f"{package}/ has no Python files"


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import kivy.app\nfrom controller.db import x\nimport json\n")
    assert [(top) for _, top, _ in _imports(sample)] == ["kivy", "controller", "json"]
