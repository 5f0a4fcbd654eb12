"""Which identity document a number comes from.

Apart from the numbers' checks (pii/documents.py): a visit names its document from the
start, and the checks, with their tables, load when a number is first checked.
"""

from __future__ import annotations

import enum


class DocumentType(enum.StrEnum):
    """Which document a number comes from."""

    RESIDENT = "resident"
    HMT_PERMIT = "hmt_residence_permit"
    FOREIGNER_2017 = "foreign_permanent_2017"
    FOREIGNER_2023 = "foreign_permanent_2023"
