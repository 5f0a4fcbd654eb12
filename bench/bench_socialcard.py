"""Rough timings for the social security card driver: the pure dialogue (codec, T=0 logic,
parsers) against the virtual card's answers, and full reads through pcscd when it runs.

Run: .venv/bin/python -m bench.bench_socialcard   (start pcscd first for the second part)
"""

from __future__ import annotations

import time

from drivers.socialcard.errors import PcscUnavailable
from drivers.socialcard.fixtures import FIXTURES
from drivers.socialcard.reader import SocialCardReader
from drivers.socialcard.ssse import read_basic_data
from drivers.socialcard.virtual_card import VirtualCard

READER = "Virtual PCD 00 00"


def bench_dialogue(chunk: int | None, reads: int = 2000) -> None:
    """APDU codec + T=0 + parsing for a whole card, no I/O."""
    card = VirtualCard(FIXTURES[2], chunk=chunk)
    started = time.perf_counter()
    for _ in range(reads):
        read_basic_data(card.respond).wipe()
    elapsed = time.perf_counter() - started
    print(f"pure dialogue chunk={chunk!s:>4}: {elapsed / reads * 1e6:7.1f} us per card")


def bench_pcscd(reads: int = 20) -> None:
    """Full reads through pyscard -> pcscd -> vpcd -> the virtual card."""
    reader = SocialCardReader()
    try:
        if READER not in reader.list_readers():
            print(f"pcscd runs but has no {READER!r}: skipped")
            return
    except PcscUnavailable:
        print("pcscd is not running: full reads skipped (start it with: pcscd)")
        return
    with VirtualCard(FIXTURES[0]):
        reader.read_card(READER, timeout=5.0).wipe()  # wait for pcscd to power it up
        started = time.perf_counter()
        for _ in range(reads):
            reader.read_card(READER).wipe()
        elapsed = time.perf_counter() - started
    print(f"pcscd read_card: {elapsed / reads * 1000:.1f} ms per card (14 APDUs)")


if __name__ == "__main__":
    for size in (None, 16, 4):
        bench_dialogue(size)
    bench_pcscd()
