"""The employment phrase list (phrases.yaml): words the pinyin engine ranks too low.

`Phrases.matching(letters)` gives the phrases whose pinyin the letters spell: exactly, as
initials (`sydj`), or as the start of the pinyin once past the first syllable (`shiyed`);
exact matches first, then in file order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flows.errors import FlowDefinitionError
from flows.yamlsafe import read_yaml_file
from kiosk.ime.errors import ImeError

PHRASES_FILE = Path(__file__).with_name("phrases.yaml")
_SYLLABLES = re.compile(r"[a-z]+( [a-z]+)*")


class PhraseListError(ImeError):
    """The phrase file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Phrase:
    """A phrase and its toneless pinyin syllables."""

    text: str
    syllables: tuple[str, ...]

    @property
    def spelled(self) -> str:
        """The pinyin without spaces: what a citizen types."""
        return "".join(self.syllables)

    @property
    def initials(self) -> str:
        """The first letter of each syllable (sydj)."""
        return "".join(s[0] for s in self.syllables)


class Phrases:
    """A list of phrases to offer ahead of the engine's candidates."""

    def __init__(self, phrases: list[Phrase]) -> None:
        self.phrases = list(phrases)

    @classmethod
    def load(cls, path: Path = PHRASES_FILE) -> Phrases:
        """Read and check a phrase file."""
        source = str(path)
        try:
            data = read_yaml_file(path.read_bytes(), source)
        except (OSError, FlowDefinitionError) as err:
            raise PhraseListError(f"{source}: {err}") from err
        entries = data.get("phrases") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise PhraseListError(f"{source}: a 'phrases' list is needed")
        phrases = []
        for i, entry in enumerate(entries):
            text = entry.get("text") if isinstance(entry, dict) else None
            pinyin = entry.get("pinyin") if isinstance(entry, dict) else None
            if not isinstance(text, str) or not text or not isinstance(pinyin, str):
                raise PhraseListError(f"{source}: phrases[{i}] needs text and pinyin")
            if not _SYLLABLES.fullmatch(pinyin):
                raise PhraseListError(
                    f"{source}: phrases[{i}] pinyin {pinyin!r}: lower-case syllables, one space"
                )
            phrases.append(Phrase(text, tuple(pinyin.split())))
        return cls(phrases)

    def matching(self, letters: str) -> list[str]:
        """Phrases the letters spell: whole pinyin or initials first, then pinyin prefixes."""
        letters = letters.lower()
        if len(letters) < 2:
            return []
        exact = [p.text for p in self.phrases if letters in (p.spelled, p.initials)]
        started = [
            p.text
            for p in self.phrases
            if p.text not in exact
            and len(letters) > len(p.syllables[0])
            and p.spelled.startswith(letters)
        ]
        return exact + started
