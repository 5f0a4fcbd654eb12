"""Numbers of the four identity documents a 2nd-generation reader reads.

Only what public sources state is checked; a rule too strict would turn away a citizen with
a genuine card. The resident rule is the full GB 11643 check (pii.idnumber).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pii.document_type import DocumentType
from pii.errors import InvalidIdNumber
from pii.idnumber import check_character, validate_id_number

HMT_REGIONS: dict[str, str] = {"810000": "香港", "820000": "澳门", "830000": "台湾"}


@dataclass(frozen=True)
class NumberRule:
    """What a document's number must look like."""

    pattern: re.Pattern[str]
    mod11_2: bool = False  # the last character is the GB 11643 check character
    prefixes: tuple[str, ...] = ()  # allowed starts
    birth_date_at: tuple[int, int] | None = None  # characters that spell the birth date


_GB11643 = re.compile(r"[0-9]{17}[0-9X]")

NUMBER_RULES: dict[DocumentType, NumberRule] = {
    DocumentType.RESIDENT: NumberRule(_GB11643, mod11_2=True, birth_date_at=(6, 14)),
    DocumentType.HMT_PERMIT: NumberRule(
        _GB11643, mod11_2=True, prefixes=tuple(HMT_REGIONS), birth_date_at=(6, 14)
    ),
    # National Immigration Administration, 2023 machine-readable rules: the 2017 number is
    # 3 Latin letters + 12 digits; its inner structure is not published, so not checked.
    DocumentType.FOREIGNER_2017: NumberRule(re.compile(r"[A-Z]{3}[0-9]{12}")),
    # Same source: 18 characters, first "9", MOD 11-2 check like a resident number. Digits
    # 7-14 are said to be the birth date [unverified], so that is not checked.
    DocumentType.FOREIGNER_2023: NumberRule(re.compile(r"9[0-9]{16}[0-9X]"), mod11_2=True),
}


def validate_document_number(document: DocumentType, raw: str, *, check_county: bool = True) -> str:
    """Return the document's number normalised, or raise InvalidIdNumber (never repeating it).

    `check_county=False`: only the province (see validate_id_number).
    """
    number = raw.replace(" ", "").upper()
    if document is DocumentType.RESIDENT:
        return validate_id_number(number, check_county=check_county)
    rule = NUMBER_RULES[document]
    if not rule.pattern.fullmatch(number):
        raise InvalidIdNumber("format", f"not the number format of a {document} card")
    if rule.prefixes and not number.startswith(rule.prefixes):
        raise InvalidIdNumber("region", f"a {document} number starts with one of {rule.prefixes}")
    if rule.mod11_2 and check_character(number[:17]) != number[17]:
        raise InvalidIdNumber("checksum", "the number's check character does not match")
    return number
