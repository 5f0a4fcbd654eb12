"""Pairing codes as people see and type them: 8 Crockford base32 characters shown as
`K7QM-4ZP2`, read back whatever the case, dashes, spaces or look-alike letters, and stored
only as a keyed hash (controller/services/enrollment.py issues them)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from pii import Sealer

# Crockford's base32: no I, L, O or U, so nothing reads as another character.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
# What a person may type for a character of the alphabet.
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")
# Keeps a pairing code's hash apart from every other keyed hash the sealer makes.
_CODE_CONTEXT = "pairing-code|"


def code_hash(sealer: Sealer, code: str) -> str:
    """The keyed hash a canonical code is stored as."""
    return sealer.lookup_hash(_CODE_CONTEXT + code)


def new_code() -> str:
    """A random pairing code (40 bits), unformatted."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """A code as shown to people: K7QM-4ZP2."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalise_code(typed: str) -> str | None:
    """A typed code in canonical form (case, dashes, spaces, look-alikes); None if not a code."""
    code = _SEPARATORS.sub("", typed).upper().translate(_LOOK_ALIKES)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: the only moment it exists in clear."""

    code: str  # formatted, K7QM-4ZP2
    expires_at: dt.datetime
    note: str
