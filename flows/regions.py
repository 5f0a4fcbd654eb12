"""GB/T 2260 administrative division codes (行政区划代码), checked through pii's region table.

The table itself is python-stdnum's, which pii already uses for the region part of an ID
number (the architecture keeps third-party libraries out of flows/). The table dates each
code (上城区 330102 exists from 1983, 下城区 330103 until 2021), so the check is for a given
year, this year unless told: a station is placed in a region as it is now. (An ID number's
region is checked differently, against every year: pii/idnumber.py says why.)
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from pii import region_name

_CODE = re.compile(r"[1-9]\d{5}")


@functools.lru_cache(maxsize=4096)
def _listed(code: str, year: int) -> bool:
    return region_name(code, year=year) is not None


def is_region_code(code: str, *, year: int | None = None) -> bool:
    """True for a 6-digit code that GB/T 2260 lists as in use in `year` (default: this year)."""
    if not _CODE.fullmatch(code):
        return False
    year = dt.date.today().year if year is None else year
    return 1890 <= year <= 9999 and _listed(code, year)
