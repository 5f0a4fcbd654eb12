"""ID card driver cost against the wire: codec + parse of a full 30 01 reply.

The reply is 1295 bytes; at 115200 baud 8N1 it takes 1295 x 10 / 115200 = 112.4 ms on the
wire. Decoding and parsing it should cost at most 2 % of that, so the host never becomes
the slow part of a read. A baseline measured in the same run (one plain Python pass over
the same bytes) lets figures from different machines be compared.

Run: .venv/bin/python -m bench.bench_idcard
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from drivers.idcard import protocol as p
from drivers.idcard.card import parse_read_reply
from drivers.idcard.fixtures import FIXTURES
from drivers.idcard.reader import IdCardReader
from drivers.idcard.simulator import IdCardSimulator

GOAL_PERCENT = 2.0
BAUDRATE = 115200
# A USB serial adapter hands the host a few dozen bytes at a time.
CHUNK = 64


def per_call(func: Callable[[], object], *, number: int = 200, repeat: int = 7) -> float:
    """Median seconds per call of `func` over `repeat` runs of `number` calls."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            func()
        runs.append((time.perf_counter() - started) / number)
    return statistics.median(runs)


def bench_ratio() -> float:
    """Print codec and parse time of one 30 01 reply and their share of its wire time."""
    frame = p.encode_response(p.Status.OK, FIXTURES[0].read_reply_data())
    chunks = [frame[i : i + CHUNK] for i in range(0, len(frame), CHUNK)]
    if len(frame) != p.READ_REPLY_SIZE:
        raise RuntimeError(f"a 30 01 reply is {p.READ_REPLY_SIZE} bytes, built {len(frame)}")

    def baseline() -> int:
        total = 0
        for byte in frame:
            total ^= byte
        return total

    def decode() -> p.Response:
        decoder = p.FrameDecoder()
        for chunk in chunks:
            decoder.feed(chunk)
            reply = decoder.next_frame()
            if isinstance(reply, p.Response):
                return reply
        raise RuntimeError("the frame did not decode")

    reply = decode()

    def parse() -> None:
        parse_read_reply(reply.data).wipe()

    def both() -> None:
        parse_read_reply(decode().data).wipe()

    wire = p.wire_time(len(frame), BAUDRATE)
    t_base, t_decode, t_parse, t_both = (per_call(f) for f in (baseline, decode, parse, both))
    ratio = t_both / wire * 100
    verdict = "ok" if ratio <= GOAL_PERCENT else "OVER GOAL"
    print(f"30 01 reply: {len(frame)} bytes, wire time at {BAUDRATE} baud {wire * 1e3:.1f} ms")
    for label, seconds in (
        ("baseline (one Python pass over the bytes)", t_base),
        (f"codec (decode, fed {CHUNK}-byte chunks)", t_decode),
        ("parse (text + photo into a card)", t_parse),
        ("codec + parse", t_both),
    ):
        print(f"{label + ':':<44}{seconds * 1e6:8.1f} us")
    print(
        f"codec + parse = {ratio:.2f} % of wire time (goal <= {GOAL_PERCENT:.0f} %): {verdict}; "
        f"{t_both / t_base:.1f}x the baseline"
    )
    return ratio


def bench_reads(reads: int = 50) -> None:
    """Full find/select/read cycles against the simulator over a real pty."""
    with IdCardSimulator() as sim, IdCardReader(sim.url) as reader:
        started = time.perf_counter()
        for _ in range(reads):
            sim.present()
            reader.read_card().wipe()
        elapsed = time.perf_counter() - started
    print(f"pty read_card (simulator, all card types): {elapsed / reads * 1000:.1f} ms per card")


if __name__ == "__main__":
    bench_ratio()
    bench_reads()
