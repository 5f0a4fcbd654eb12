"""A value that never prints itself and can be wiped when a session ends."""

from __future__ import annotations

from collections.abc import Callable

from pii.masking import mask_id_number


class Sensitive:
    """Holds personal text in a bytearray that `wipe()` overwrites.

    repr() and str() show only the masked form, so a stray log line or traceback cannot
    leak the value. CPython may keep copies of strings made by `reveal()`; callers keep
    those short-lived and wipe the Sensitive itself when the session ends.
    """

    __slots__ = ("_buf", "_mask")

    def __init__(self, value: str, mask: Callable[[str], str] = mask_id_number) -> None:
        self._buf = bytearray(value.encode("utf-8"))
        self._mask = mask

    def reveal(self) -> str:
        """Return the clear value; raise if it has been wiped."""
        if self.wiped:
            raise ValueError("this value was wiped at the end of a session")
        return self._buf.decode("utf-8")

    def masked(self) -> str:
        """Return the value as shown on screens and receipts."""
        return "" if self.wiped else self._mask(self._buf.decode("utf-8"))

    def wipe(self) -> None:
        """Overwrite the bytes in place and forget them."""
        for i in range(len(self._buf)):
            self._buf[i] = 0
        del self._buf[:]

    @property
    def wiped(self) -> bool:
        """True once wipe() ran."""
        return len(self._buf) == 0

    def __repr__(self) -> str:
        return f"Sensitive({self.masked()!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sensitive) and self._buf == other._buf

    def __hash__(self) -> int:
        return hash(bytes(self._buf))

    def __reduce__(self) -> str:
        raise TypeError("Sensitive values are not pickled")
