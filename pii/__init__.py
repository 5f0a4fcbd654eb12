"""Personal data: checks, masking, a value type that will not print itself, sealing at rest.

Each name below is imported from its module when first asked for (PEP 562 `__getattr__`,
pii/lazy.py): a kiosk's start seals and masks, but checks no ID number before its menu.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pii.lazy import lazy_exports

if TYPE_CHECKING:
    from pii.document_type import DocumentType
    from pii.documents import validate_document_number
    from pii.errors import InvalidIdNumber, InvalidPhone, PiiError, SealError
    from pii.idnumber import IdNumberFacts, id_number_facts, region_name, validate_id_number
    from pii.masking import mask_id_number, mask_name, mask_phone, redact_id_numbers
    from pii.phone import validate_mobile
    from pii.sealing import Sealer
    from pii.sensitive import Sensitive

_HOME = {
    "DocumentType": "pii.document_type",
    "validate_document_number": "pii.documents",
    "InvalidIdNumber": "pii.errors",
    "InvalidPhone": "pii.errors",
    "PiiError": "pii.errors",
    "SealError": "pii.errors",
    "IdNumberFacts": "pii.idnumber",
    "id_number_facts": "pii.idnumber",
    "region_name": "pii.idnumber",
    "validate_id_number": "pii.idnumber",
    "mask_id_number": "pii.masking",
    "mask_name": "pii.masking",
    "mask_phone": "pii.masking",
    "redact_id_numbers": "pii.masking",
    "validate_mobile": "pii.phone",
    "Sealer": "pii.sealing",
    "Sensitive": "pii.sensitive",
}

__all__ = [
    "DocumentType",
    "IdNumberFacts",
    "InvalidIdNumber",
    "InvalidPhone",
    "PiiError",
    "SealError",
    "Sealer",
    "Sensitive",
    "id_number_facts",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "redact_id_numbers",
    "region_name",
    "validate_document_number",
    "validate_id_number",
    "validate_mobile",
]

__getattr__ = lazy_exports(__name__, _HOME)
