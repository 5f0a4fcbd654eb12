"""Memory handed back between visits, so that a kiosk running for months stays level.

glibc's allocator keeps the memory a visit freed (its screens' widgets, the rendered text,
the software GL's buffers) in its arenas rather than handing it back to the system:
`malloc_trim(0)` returns the free pages of every arena, 10-20 MB after a visit
(bench/bench_kiosk_ui.py `--only rss`, docs/touchscreen.md). It takes a few milliseconds,
so the Router calls it a moment after a wipe, once the next screen has had its frame.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from typing import Any

log = logging.getLogger(__name__)

_libc: Any = None  # loaded on the first trim; False where there is no glibc malloc_trim


def trim_heap() -> bool:
    """Hand the allocator's free memory back to the system; True when some went back."""
    global _libc
    if _libc is None:
        _libc = _load_libc()
    if _libc is False:
        return False
    return bool(_libc.malloc_trim(0))


def _load_libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl or another libc: nothing to hand back this way
        log.info("malloc_trim is not available: freed memory stays with the allocator")
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return libc
