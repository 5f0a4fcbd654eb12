"""Small module trees for the architecture tests: written to a directory, then checked."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.architecture.checker import DOC, check

ROOT = Path(__file__).resolve().parents[2]

# a kiosk/ui package to import from, and what the kiosk-ui rule says when it is imported
UI = {"kiosk/ui/__init__.py": "", "kiosk/ui/bridge.py": "", "kiosk/ui/app.py": ""}
NOT_UI = f"kiosk code outside kiosk/ui/ never imports kiosk.ui ({DOC})"


def report(
    root: Path, files: dict[str, str], exceptions: dict[tuple[str, str], str] | None = None
) -> list[tuple[str, str]]:
    """Write `files` (path -> source) under root, check it: (rule, message) per violation."""
    for relpath, source in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    found = check(root) if exceptions is None else check(root, exceptions=exceptions)
    return [(v.rule, str(v)) for v in found]
