"""Pinyin to Chinese characters through Debian's libgooglepinyin0 (ctypes).

The library is the Android PinyinIME decoder with plain C entry points: `im_open_decoder`,
`im_search`, `im_get_candidate`, `im_choose`, `im_get_fixed_len`, `im_get_spl_start_pos`,
`im_get_predicts`. Its decoder is one global per process and learns what is chosen (in a
user dictionary it insists on having), so:

- the decoder is opened once per process behind a lock, with a user dictionary in a private
  temporary folder that is never flushed and is deleted on close;
- each `PinyinEngine` keeps its own composition (letters typed, candidates chosen) and
  replays it into the decoder before each question, so two engines never see each other's
  state;
- `forget()` reopens the decoder with an empty user dictionary: what one citizen typed
  (a name, an employer) is never offered first to the next.

Candidates of a fresh composition begin with the employment phrases (phrases.yaml) the
letters spell. Choosing an engine candidate may convert only the first syllables
(`shiyedengji`, choose 失业: `dengji` is left to choose); the composition is committed when
every syllable is converted.
"""

from __future__ import annotations

import ctypes
import shutil
import tempfile
import threading
from pathlib import Path

from kiosk.ime.errors import ImeError
from kiosk.ime.libs import find_data, load_library
from kiosk.ime.phrases import Phrases

PACKAGE = "libgooglepinyin0"
SONAME = "libgooglepinyin.so.0"
SYSTEM_DICT = "googlepinyin/data/dict_pinyin.dat"
MAX_LETTERS = 28  # the decoder's own limit on a spelling (kMaxRowNum - 2)
MAX_CANDIDATES = 60  # enough for several pages of the candidate bar
_CANDIDATE_CHARS = 64
_PREDICT_CHARS = 8  # the decoder's kMaxPredictSize + 1, per prediction
_U16P = ctypes.POINTER(ctypes.c_uint16)


def _utf16(buffer: ctypes.Array[ctypes.c_uint16]) -> str:
    return bytes(buffer).decode("utf-16-le").split("\0", 1)[0]


class _Decoder:
    """The process's one googlepinyin decoder: opened lazily, every call under the lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._lib: ctypes.CDLL | None = None
        self._dict: Path | None = None
        self._user_dir: str | None = None

    def lib(self, dictionary: Path | None) -> ctypes.CDLL:
        """The opened library (dictionary: None finds the system one)."""
        with self.lock:
            if self._lib is None:
                self._lib = self._open(dictionary)
            return self._lib

    def _open(self, dictionary: Path | None) -> ctypes.CDLL:
        lib = load_library(SONAME, PACKAGE)
        _declare(lib)
        path = dictionary or find_data(SYSTEM_DICT, PACKAGE, "the pinyin dictionary")
        if not path.is_file():
            raise ImeError(f"pinyin dictionary {path} is not a file")
        self._user_dir = tempfile.mkdtemp(prefix="estation-pinyin-")
        user = Path(self._user_dir) / "user.dat"
        if not lib.im_open_decoder(str(path).encode(), str(user).encode()):
            self._remove_user_dir()
            raise ImeError(f"libgooglepinyin could not open the dictionary {path}")
        # Initials stand for syllables: "sfz" finds 身份证.
        lib.im_enable_shm_as_szm(True)
        lib.im_enable_ym_as_szm(True)
        self._dict = path
        return lib

    def reopen(self) -> None:
        """Close and open again with an empty user dictionary."""
        with self.lock:
            if self._lib is None:
                return
            dictionary = self._dict
            self.close()
            self._lib = self._open(dictionary)

    def close(self) -> None:
        """Close the decoder and delete its user dictionary."""
        with self.lock:
            if self._lib is not None:
                self._lib.im_close_decoder()
                self._lib = None
            self._remove_user_dir()

    def _remove_user_dir(self) -> None:
        if self._user_dir is not None:
            shutil.rmtree(self._user_dir, ignore_errors=True)
            self._user_dir = None


def _declare(lib: ctypes.CDLL) -> None:
    """Argument and result types of the entry points used (size_t and char16 buffers)."""
    size = ctypes.c_size_t
    lib.im_open_decoder.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.im_open_decoder.restype = ctypes.c_bool
    lib.im_close_decoder.argtypes = []
    lib.im_close_decoder.restype = None
    lib.im_enable_shm_as_szm.argtypes = [ctypes.c_bool]
    lib.im_enable_ym_as_szm.argtypes = [ctypes.c_bool]
    lib.im_reset_search.argtypes = []
    lib.im_reset_search.restype = None
    lib.im_search.argtypes = [ctypes.c_char_p, size]
    lib.im_search.restype = size
    lib.im_get_candidate.argtypes = [size, _U16P, size]
    lib.im_get_candidate.restype = _U16P
    lib.im_choose.argtypes = [size]
    lib.im_choose.restype = size
    lib.im_get_fixed_len.argtypes = []
    lib.im_get_fixed_len.restype = size
    lib.im_get_spl_start_pos.argtypes = [ctypes.POINTER(_U16P)]
    lib.im_get_spl_start_pos.restype = size
    lib.im_get_predicts.argtypes = [_U16P, ctypes.POINTER(ctypes.c_void_p)]
    lib.im_get_predicts.restype = size


_DECODER = _Decoder()


class PinyinEngine:
    """One composition: letters typed, candidates, the choice that commits text."""

    def __init__(self, *, dictionary: Path | None = None, phrases: Phrases | None = None) -> None:
        self._lib = _DECODER.lib(dictionary)
        self._phrases = phrases if phrases is not None else Phrases.load()
        self._letters = ""
        self._chosen: list[int] = []  # engine candidate indices chosen so far
        self._count = 0  # engine candidates for the current state
        self._offered: list[tuple[str, int | None]] = []  # (text, engine index or None)

    @property
    def letters(self) -> str:
        """The letters typed and not yet committed."""
        return self._letters

    @property
    def composing(self) -> str:
        """What to show where typing goes: characters chosen so far, then letters left."""
        if not self._letters:
            return ""
        with _DECODER.lock:
            self._replay()
            fixed = self._fixed_syllables()
            starts = self._syllable_starts()
            if not fixed or not starts:
                return self._letters
            # The decoder's lemmas hold one character per syllable.
            head = self._candidate(0)[:fixed]
            return head + self._letters[starts[min(fixed, len(starts) - 1)] :]

    def add(self, letter: str) -> None:
        """Add a letter (a-z, or ' to split syllables); more than the decoder takes is dropped."""
        letter = letter.lower()
        if len(letter) != 1 or letter not in "abcdefghijklmnopqrstuvwxyz'":
            raise ValueError(f"not a pinyin letter: {letter!r}")
        if len(self._letters) < MAX_LETTERS:
            self._letters += letter
            self._chosen = []
            self._refresh()

    def backspace(self) -> None:
        """Undo the last choice, else drop the last letter."""
        if self._chosen:
            self._chosen.pop()
        else:
            self._letters = self._letters[:-1]
        self._refresh()

    def clear(self) -> None:
        """Drop the composition."""
        self._letters = ""
        self._chosen = []
        self._refresh()

    def candidates(self) -> list[str]:
        """What the letters may mean, best first (at most MAX_CANDIDATES)."""
        return [text for text, _ in self._offered]

    def choose(self, index: int) -> str | None:
        """Take candidate `index`: the text to commit when the composition is done, else None."""
        text, engine_index = self._offered[index]
        if engine_index is None:  # a phrase stands for every letter typed
            self.clear()
            return text
        self._chosen.append(engine_index)
        with _DECODER.lock:
            self._replay()
            done = self._fixed_syllables() >= len(self._syllable_starts()) - 1
            whole = self._candidate(0) if done else ""
        if done:
            self.clear()
            return whole
        self._refresh()
        return None

    def predicts(self, history: str, limit: int = 12) -> list[str]:
        """Words that often follow `history` (the last characters committed)."""
        tail = history[-(_PREDICT_CHARS - 1) :]
        if not tail:
            return []
        buffer = (ctypes.c_uint16 * _PREDICT_CHARS)(*[ord(c) for c in tail if ord(c) < 0x10000])
        with _DECODER.lock:
            pointer = ctypes.c_void_p()
            count = self._lib.im_get_predicts(buffer, ctypes.byref(pointer))
            if not count or not pointer.value:
                return []
            rows = ctypes.cast(pointer, ctypes.POINTER(ctypes.c_uint16 * _PREDICT_CHARS))
            words = [_utf16(rows[i]) for i in range(count)]
        seen: list[str] = []
        for word in words:
            if word and word not in seen:
                seen.append(word)
        return seen[:limit]

    def forget(self) -> None:
        """Forget what was chosen before (the decoder learns): call when a visit ends."""
        self.clear()
        _DECODER.reopen()
        self._lib = _DECODER.lib(None)

    # The decoder's state is global: rebuild this engine's into it before any question.
    def _replay(self) -> None:
        self._lib.im_reset_search()
        spelled = self._letters.encode("ascii")
        self._count = self._lib.im_search(spelled, len(spelled)) if spelled else 0
        for index in self._chosen:
            self._count = self._lib.im_choose(index)

    def _refresh(self) -> None:
        self._offered = []
        if not self._letters:
            return
        with _DECODER.lock:
            self._replay()
            engine = [self._candidate(i) for i in range(min(self._count, MAX_CANDIDATES))]
        if not self._chosen:
            for phrase in self._phrases.matching(self._letters):
                self._offered.append((phrase, None))
        shown = {text for text, _ in self._offered}
        for i, text in enumerate(engine):
            if text and text not in shown:
                shown.add(text)
                self._offered.append((text, i))
        del self._offered[MAX_CANDIDATES:]

    def _candidate(self, index: int) -> str:
        buffer = (ctypes.c_uint16 * _CANDIDATE_CHARS)()
        self._lib.im_get_candidate(index, buffer, _CANDIDATE_CHARS)
        return _utf16(buffer)

    def _fixed_syllables(self) -> int:
        return int(self._lib.im_get_fixed_len())

    def _syllable_starts(self) -> list[int]:
        starts = _U16P()
        count = self._lib.im_get_spl_start_pos(ctypes.byref(starts))
        return [starts[i] for i in range(count + 1)] if count else [0]


def close_decoder() -> None:
    """Close the process's decoder (tests, shutdown)."""
    _DECODER.close()
