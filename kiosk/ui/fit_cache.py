"""The menu's fitted name sizes, kept between starts (kiosk/ui/screens/welcome.py).

The menu sets each service name as large as its tile allows: `fitting_font` renders the
name in up to six sizes to find the largest that fits, some 3-4 ms of the menu's first
frame; the station's name in the header is fitted the same way (a `FitLabel`). An answer
depends only on the name, the box's size, the sizes tried and how Kivy measures text, so
it is kept as JSON in Kivy's home folder (beside Kivy's own config.ini:
a kiosk's home persists) and read back by the next start. The file is named by a key over
everything else the measure depends on:

- the font files Kivy's default font name points at (path, size and modification time:
  kiosk/ui/kivy_setup.py `register_cjk_font` may name another file);
- Kivy's version and its text provider (SDL2 and PIL measure differently);
- the measuring code (the source of the modules that measure, passed in as `code`).

The name, the tile's width and height and the sizes tried are each entry's own key. A file
of another key, unreadable or of another shape is ignored and the names are measured as
before; the file is an optimisation only, never a second source of truth.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = 1
PREFIX = "menu-fits-"


def fit_key(
    code: Sequence[Path], fonts: Sequence[str | None], kivy_version: str, provider: str
) -> str:
    """A digest of what a measure depends on besides its own inputs (module docstring)."""
    digest = hashlib.sha256(f"format {FORMAT}\nkivy {kivy_version}\n{provider}\n".encode())
    for font in fonts:
        if font is None:
            digest.update(b"no font\n")
            continue
        try:
            stat = os.stat(font)
        except OSError:
            digest.update(f"missing {font}\n".encode())
            continue
        digest.update(f"{font} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    for source in code:
        digest.update(f"{source.name}\0".encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def kivy_fit_key(code: Sequence[Path]) -> str:
    """`fit_key` for the Kivy of this process and its default font as now registered."""
    import kivy
    from kivy.core.text import DEFAULT_FONT, LabelBase
    from kivy.core.text import Label as CoreLabel

    # LabelBase keeps the registered files in `_fonts` (regular, italic, bold, bold italic);
    # it has no public reader.
    fonts = getattr(LabelBase, "_fonts", {}).get(DEFAULT_FONT) or [DEFAULT_FONT]
    provider = f"{CoreLabel.__module__}.{CoreLabel.__qualname__}"
    return fit_key(code, list(fonts), kivy.__version__, provider)


def _entry(text: str, width: int, height: int, sizes: Sequence[int]) -> str:
    return json.dumps([text, width, height, list(sizes)], ensure_ascii=False)


class FitStore:
    """Fitted sizes kept in `folder` as JSON, in a file named by `key` (module docstring)."""

    def __init__(self, folder: Path, key: str) -> None:
        self.path = folder / f"{PREFIX}{key[:32]}.json"
        self._key = key
        self._fits: dict[str, int | None] | None = None  # read on first use
        self._added = False

    def _read(self) -> dict[str, int | None]:
        try:
            kept = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(kept, dict) or kept.get("key") != self._key:
            return {}
        fits = kept.get("fits")
        if not isinstance(fits, dict):
            return {}
        return {
            entry: size
            for entry, size in fits.items()
            if size is None or (isinstance(size, int) and not isinstance(size, bool))
        }

    def _all(self) -> dict[str, int | None]:
        if self._fits is None:
            self._fits = self._read()
        return self._fits

    def get(
        self, text: str, width: int, height: int, sizes: Sequence[int]
    ) -> tuple[bool, int | None]:
        """(True, size) for a kept answer (None: no size fits), else (False, None)."""
        fits = self._all()
        entry = _entry(text, width, height, sizes)
        if entry in fits:
            return True, fits[entry]
        return False, None

    def put(
        self, text: str, width: int, height: int, sizes: Sequence[int], size: int | None
    ) -> None:
        """Keep one answer; `save` writes it."""
        self._all()[_entry(text, width, height, sizes)] = size
        self._added = True

    def save(self) -> None:
        """Write the answers if any was added since read; remove files of other keys."""
        if not self._added:
            return
        self._added = False
        folder = self.path.parent
        temporary = self.path.with_suffix(".tmp")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            kept = {"key": self._key, "fits": self._all()}
            temporary.write_text(json.dumps(kept, ensure_ascii=False), "utf-8")
            os.replace(temporary, self.path)
            for other in folder.glob(f"{PREFIX}*.json"):
                if other != self.path:
                    other.unlink(missing_ok=True)
        except OSError as error:  # a read-only home: measured again at the next start
            log.warning("menu_fits_not_kept error=%s", type(error).__name__)
