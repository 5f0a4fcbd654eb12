"""Words into what espeak-ng says well: Mandarin as tone-numbered pinyin, English as it is.

espeak-ng's `cmn` voice reads many characters as English letters; its `cmn-latn-pinyin`
voice reads tone-numbered pinyin correctly. pypinyin turns characters into that pinyin
(`Style.TONE3`, the neutral tone as 5), choosing a polyphone's reading by its phrase:
银行 yin2 hang2, 长大 zhang3 da4, 重新 chong2 xin1.

Either language:
- Chinese characters go to the pinyin voice, Latin words to the English voice, in order;
- a count is read as a number (28秒: er4 shi2 ba1 miao3; "28 seconds");
- a code (digits with letters or dashes: ES-2026-0042), a long digit run (12333) or one
  with a leading zero is read digit by digit, its letters spelled, as a phone number or
  transaction number is read aloud; in Chinese a 1 in it is yao1, as on the telephone;
- a year (2026年) is read digit by digit with 1 as yi1;
- punctuation becomes a pause (a comma, or a full stop at the end of a sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PINYIN_VOICE = "cmn-latn-pinyin"
ENGLISH_VOICE = "en"

# The most digits a count may have; longer runs are codes, read digit by digit.
_COUNT_DIGITS = 4

_TOKEN = re.compile(
    r"(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    # letters and digits joined by - or /: a word, a number or a code
    r"|(?P<code>[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*)"
    r"|(?P<stop>[。！？；.!?;…]+)"
    r"|(?P<comma>[，、：,:（）()【】「」“”\"《》—~～·/-]+)"
)
_DIGITS_ZH = "零一二三四五六七八九"
_UNITS_ZH = ("", "十", "百", "千")


@dataclass(frozen=True)
class Segment:
    """A stretch of speech in one espeak-ng voice."""

    voice: str
    text: str


def to_pinyin(han: str) -> list[str]:
    """Chinese characters as tone-numbered pinyin syllables, polyphones read in context."""
    # Imported on first use, in the speech worker: its dictionaries cost a third of a second
    # of the kiosk's cold start, before the menu's first frame (bench/bench_kiosk_ui.py).
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(han, style=Style.TONE3, neutral_tone_with_five=True, errors="ignore")


def chinese_number(n: int) -> str:
    """A count below 10,000 in Chinese numerals: 28 -> 二十八, 105 -> 一百零五, 15 -> 十五."""
    if not 0 <= n < 10**_COUNT_DIGITS:
        raise ValueError(f"{n} is not a count below 10000")
    if n == 0:
        return "零"
    said = ""
    gap = False
    for place in range(_COUNT_DIGITS - 1, -1, -1):
        digit = n // 10**place % 10
        if digit == 0:
            gap = bool(said)
            continue
        if gap:
            said += "零"
            gap = False
        said += _DIGITS_ZH[digit] + _UNITS_ZH[place]
    # 十五, not 一十五
    return said[1:] if said.startswith("一十") else said


def _is_count(token: str) -> bool:
    whole, _, fraction = token.partition(".")
    return (
        whole.isdigit()
        and (not fraction or fraction.isdigit())
        and len(whole) <= _COUNT_DIGITS
        and (whole == "0" or not whole.startswith("0"))
    )


class _Builder:
    """Collects segments, merging neighbours in the same voice."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []

    def add(self, voice: str, words: str) -> None:
        if not words:
            return
        last = self.segments[-1] if self.segments else None
        if last is not None and last.voice == voice:
            self.segments[-1] = Segment(voice, f"{last.text} {words}")
        else:
            self.segments.append(Segment(voice, words))

    def pause(self, mark: str) -> None:
        # A pause belongs to what was said before it; nothing said yet, nothing to pause.
        if self.segments and not self.segments[-1].text.endswith((",", ".")):
            last = self.segments[-1]
            self.segments[-1] = Segment(last.voice, last.text + mark)


def _zh_code(token: str, out: _Builder, *, telephone: bool = True) -> None:
    """Read a code in Chinese: digit by digit (1 as yao1 on the telephone), letters spelled."""
    for part in re.findall(r"[0-9]+|[A-Za-z]+|[-/.]", token):
        if part.isdigit():
            digits = "".join("幺" if d == "1" and telephone else _DIGITS_ZH[int(d)] for d in part)
            out.add(PINYIN_VOICE, " ".join(to_pinyin(digits)))
        elif part.isalpha():
            out.add(ENGLISH_VOICE, " ".join(part.upper()))
        else:
            out.pause(",")


def _zh_token(token: str, following: str, out: _Builder) -> None:
    if token.isalpha():
        out.add(ENGLISH_VOICE, token)
    elif token.isdigit() and following.startswith("年"):
        _zh_code(token, out, telephone=False)
    elif _is_count(token):
        whole, _, fraction = token.partition(".")
        said = chinese_number(int(whole))
        if fraction:
            said += "点" + "".join(_DIGITS_ZH[int(d)] for d in fraction)
        out.add(PINYIN_VOICE, " ".join(to_pinyin(said)))
    else:
        _zh_code(token, out)


def _en_token(token: str, out: _Builder) -> None:
    if token.isalpha() or _is_count(token):
        out.add(ENGLISH_VOICE, token)
        return
    for part in re.findall(r"[0-9]+|[A-Za-z]+|[-/.]", token):
        if part in "-/.":
            out.pause(",")
        elif part.isalpha() and len(part) > 1 and not part.isupper():
            out.add(ENGLISH_VOICE, part)  # a word inside a code: "Room-3"
        else:
            out.add(ENGLISH_VOICE, " ".join(part))


def to_segments(text: str, lang: str) -> tuple[Segment, ...]:
    """What to say for `text` shown in `lang` ("zh-CN" or "en"), voice by voice."""
    out = _Builder()
    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "han":
            out.add(PINYIN_VOICE, " ".join(to_pinyin(token)))
        elif kind == "code":
            if lang == "en":
                _en_token(token, out)
            else:
                _zh_token(token, text[match.end() :], out)
        elif kind == "stop":
            out.pause(".")
        else:
            out.pause(",")
    return tuple(out.segments)
