"""Handwritten strokes to Chinese characters through Debian's libzinnia0 (ctypes).

The model is tegaki's simplified-Chinese one (Debian tegaki-zinnia-simplified-chinese,
/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model, 27 MB, mapped once per process).
A character is a list of strokes, each a list of (x, y) points on a square pad with y
growing downwards, as zinnia's models were trained; the pad scales its points to
`PAD_SIZE` and flips Kivy's upward y (kiosk/ui/keyboard.py).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence
from pathlib import Path

from kiosk.ime.errors import ImeError, ImeUnavailable
from kiosk.ime.libs import load_library

PACKAGE = "libzinnia0"
MODEL_PACKAGE = "tegaki-zinnia-simplified-chinese"
SONAME = "libzinnia.so.0"
MODEL_DIRS = ("/usr/share/tegaki/models/zinnia", "/usr/local/share/tegaki/models/zinnia")
MODEL_NAME = "handwriting-zh_CN.model"
PAD_SIZE = 300  # the square the points are scaled to (what zinnia's tools use)

Stroke = Sequence[tuple[float, float]]
_P = ctypes.c_void_p


def find_model() -> Path:
    """The simplified-Chinese model file, or ImeUnavailable naming its package."""
    looked = [str(Path(folder) / MODEL_NAME) for folder in MODEL_DIRS]
    for path in looked:
        if Path(path).is_file():
            return Path(path)
    raise ImeUnavailable("the handwriting model", MODEL_PACKAGE, looked)


def _declare(lib: ctypes.CDLL) -> None:
    size = ctypes.c_size_t
    lib.zinnia_recognizer_new.restype = _P
    lib.zinnia_recognizer_open.argtypes = [_P, ctypes.c_char_p]
    lib.zinnia_recognizer_open.restype = ctypes.c_int
    lib.zinnia_recognizer_strerror.argtypes = [_P]
    lib.zinnia_recognizer_strerror.restype = ctypes.c_char_p
    lib.zinnia_recognizer_destroy.argtypes = [_P]
    lib.zinnia_recognizer_destroy.restype = None
    lib.zinnia_recognizer_classify.argtypes = [_P, _P, size]
    lib.zinnia_recognizer_classify.restype = _P
    lib.zinnia_character_new.restype = _P
    lib.zinnia_character_destroy.argtypes = [_P]
    lib.zinnia_character_destroy.restype = None
    lib.zinnia_character_set_width.argtypes = [_P, size]
    lib.zinnia_character_set_height.argtypes = [_P, size]
    lib.zinnia_character_add.argtypes = [_P, size, ctypes.c_int, ctypes.c_int]
    lib.zinnia_character_add.restype = ctypes.c_int
    lib.zinnia_result_size.argtypes = [_P]
    lib.zinnia_result_size.restype = size
    lib.zinnia_result_value.argtypes = [_P, size]
    lib.zinnia_result_value.restype = ctypes.c_char_p
    lib.zinnia_result_score.argtypes = [_P, size]
    lib.zinnia_result_score.restype = ctypes.c_float
    lib.zinnia_result_destroy.argtypes = [_P]
    lib.zinnia_result_destroy.restype = None


class HandwritingRecognizer:
    """Classifies one handwritten character at a time (3-6 ms each)."""

    def __init__(self, model: Path | None = None) -> None:
        self._lib = load_library(SONAME, PACKAGE)
        _declare(self._lib)
        path = model or find_model()
        self._lock = threading.Lock()
        self._recognizer: int | None = self._lib.zinnia_recognizer_new()
        if not self._lib.zinnia_recognizer_open(self._recognizer, str(path).encode()):
            why = self._lib.zinnia_recognizer_strerror(self._recognizer) or b""
            self.close()
            raise ImeError(
                f"zinnia could not open the model {path}: {why.decode(errors='replace')}"
            )

    def classify(
        self, strokes: Sequence[Stroke], size: float = PAD_SIZE, best: int = 10
    ) -> list[str]:
        """The likeliest characters for `strokes` drawn on a `size` square, best first."""
        strokes = [s for s in strokes if s]
        if not strokes:
            return []
        scale = PAD_SIZE / size
        with self._lock:
            if self._recognizer is None:
                raise ImeError("the handwriting recognizer is closed")
            character = self._lib.zinnia_character_new()
            try:
                self._lib.zinnia_character_set_width(character, PAD_SIZE)
                self._lib.zinnia_character_set_height(character, PAD_SIZE)
                for index, stroke in enumerate(strokes):
                    for x, y in stroke:
                        self._lib.zinnia_character_add(
                            character, index, round(x * scale), round(y * scale)
                        )
                result = self._lib.zinnia_recognizer_classify(self._recognizer, character, best)
            finally:
                self._lib.zinnia_character_destroy(character)
            if not result:
                return []
            try:
                count = self._lib.zinnia_result_size(result)
                found = [self._lib.zinnia_result_value(result, i) for i in range(count)]
            finally:
                self._lib.zinnia_result_destroy(result)
        return [value.decode("utf-8") for value in found if value]

    def close(self) -> None:
        """Release the model."""
        with self._lock:
            if self._recognizer is not None:
                self._lib.zinnia_recognizer_destroy(self._recognizer)
                self._recognizer = None
