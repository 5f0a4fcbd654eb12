"""Self-test of the social security card reader, for `drivers.selftest` to include.

Checks what a citizen's visit needs without reading anyone's data: pcscd answers, the
reader is connected, and a card in it (a technician's test card) has the SSSE application.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from drivers.socialcard.errors import NoCard, SocialCardError
from drivers.socialcard.reader import SocialCardReader

if TYPE_CHECKING:
    from drivers.selftest import Check


def check_socialcard(reader_name: str | None = None) -> Check:
    """Check pcscd, the reader (`reader_name` or any) and the SSSE application of a card."""
    # Imported here: drivers.selftest imports this module, so a top-level import would be
    # circular whichever of the two is imported first.
    from drivers.selftest import Check

    started = time.monotonic()
    reader = SocialCardReader()
    try:
        readers = reader.list_readers()
        if not readers:
            ok, detail = False, "NoReader: no PC/SC reader is connected"
        elif reader_name is not None and reader_name not in readers:
            ok, detail = False, f"NoReader: {reader_name!r} not among {readers}"
        else:
            where = reader_name or ", ".join(readers)
            try:
                atr = reader.check_card(reader_name)
                ok, detail = True, f"SSSE card present in {where} (ATR {atr.hex(' ').upper()})"
            except NoCard:
                ok, detail = True, f"reader {where} ready, no card inserted"
    except SocialCardError as err:
        ok, detail = False, f"{type(err).__name__}: {err}"
    return Check("socialcard", ok, detail, int((time.monotonic() - started) * 1000))
