"""Rough timings for the ID card driver: codec throughput and full reads across a pty.

Run: .venv/bin/python bench/bench_idcard.py
"""

from __future__ import annotations

import time

from drivers.idcard import protocol as p
from drivers.idcard.fixtures import FIXTURES
from drivers.idcard.reader import IdCardReader
from drivers.idcard.simulator import IdCardSimulator


def bench_decoder(chunk: int, frames: int = 500) -> None:
    """Decode `frames` text+photo replies fed `chunk` bytes at a time."""
    stream = p.encode_response(p.Status.OK, FIXTURES[0].read_reply_data()) * frames
    decoder = p.FrameDecoder()
    started = time.perf_counter()
    count = 0
    for start in range(0, len(stream), chunk):
        decoder.feed(stream[start : start + chunk])
        while isinstance(decoder.next_frame(), p.Response):
            count += 1
    elapsed = time.perf_counter() - started
    if count != frames:
        raise RuntimeError(f"decoded {count} of {frames} frames")
    print(f"decoder chunk={chunk:5d}: {frames / elapsed:8.0f} read replies/s")


def bench_reads(reads: int = 50) -> None:
    """Full find/select/read cycles against the simulator over a real pty."""
    with IdCardSimulator() as sim, IdCardReader(sim.url) as reader:
        started = time.perf_counter()
        for _ in range(reads):
            sim.present()
            reader.read_card().wipe()
        elapsed = time.perf_counter() - started
    print(f"pty read_card: {elapsed / reads * 1000:.1f} ms per card")


if __name__ == "__main__":
    for size in (1, 64, 4096):
        bench_decoder(size, frames=50 if size == 1 else 500)
    bench_reads()
