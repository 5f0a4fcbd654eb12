"""Personal data: checks, masking, a value type that will not print itself, sealing at rest."""

from __future__ import annotations

from pii.documents import DocumentType, validate_document_number
from pii.errors import InvalidIdNumber, InvalidPhone, PiiError, SealError
from pii.idnumber import IdNumberFacts, id_number_facts, region_name, validate_id_number
from pii.masking import mask_id_number, mask_name, mask_phone, redact_id_numbers
from pii.phone import validate_mobile
from pii.sealing import Sealer
from pii.sensitive import Sensitive

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
