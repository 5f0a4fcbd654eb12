"""controller/models/: every table of every area module is imported by the package.

Alembic's env and create_all see `Base.metadata`, which holds only the tables whose module
was imported: a model in a module the package's __init__ forgets would be invisible to
autogenerate (its revision never written) until something else happened to import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import controller.models
from controller.models import Base

PACKAGE = Path(controller.models.__file__).parent


def models_in(folder: Path) -> dict[str, str]:
    """Table classes (those deriving from Base by name) defined in a folder: name -> file."""
    found = {}
    for path in sorted(folder.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id == "Base" for base in node.bases
            ):
                found[node.name] = path.name
    return found


def not_exported(folder: Path, exported: list[str]) -> list[str]:
    """The table classes of `folder` missing from `exported`, as 'file: Name'."""
    return [f"{file}: {name}" for name, file in models_in(folder).items() if name not in exported]


def test_every_model_is_exported_by_the_package_and_its_table_is_in_the_metadata() -> None:
    assert not_exported(PACKAGE, controller.models.__all__) == []
    tables = {getattr(controller.models, name).__tablename__ for name in models_in(PACKAGE)}
    assert tables == set(Base.metadata.tables)
    assert len(tables) > 30  # the area modules were read, not an empty folder


def test_a_model_in_a_module_the_package_forgets_is_named(tmp_path: Path) -> None:
    (tmp_path / "kept.py").write_text("class Kept(Base):\n    pass\n")
    (tmp_path / "forgotten.py").write_text(
        "class Forgotten(Base):\n    pass\n\n\nclass Helper:\n    pass\n"
    )
    assert not_exported(tmp_path, ["Kept"]) == ["forgotten.py: Forgotten"]
