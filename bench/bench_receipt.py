"""Receipt printer figures: render time against a python-escpos baseline, QR bytes, status.

Run: .venv/bin/python -m bench.bench_receipt

1. Render time of the registration receipt per profile (goal <= 20 ms), with decode and
   preview times, and as a ratio of a baseline measured in the same run: python-escpos's
   `Dummy` printing the same content through its own `text()`/`qr()`/`cut()`, without our
   layer (no Kanji mode, no layout, no ID check; its Chinese output is what docs/hardware.md
   section 2 warns about, so it is a speed reference only).
2. Bytes on the wire with a native QR code (`GS ( k`) against a raster one (`GS v 0`).
3. A full print across a real pty to the simulator, status checked before and after.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from drivers.printer import (
    PROFILES,
    Cut,
    KeyValue,
    Line,
    QrCode,
    Receipt,
    ReceiptPrinter,
    Rule,
    Title,
    decode,
    open_transport,
    profile_by_name,
    render,
    render_png,
)
from drivers.printer.simulator import PrinterSimulator

URL = "https://e-station.example.cn/r/8F3K2Q"
RECEIPT = Receipt(
    "bench",
    (
        Title("就业服务回执"),
        Line("欢迎使用24小时就业服务站", align="center"),
        Rule(),
        KeyValue("姓名", "张**"),
        KeyValue("身份证号", "110***********002X"),
        KeyValue("业务", "失业登记"),
        Line("请妥善保管本回执，扫描下方二维码可查询办理进度。"),
        QrCode(URL),
        Cut(),
    ),
)
GOAL_MS = 20.0


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median milliseconds per call over `repeat` calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def baseline_escpos(native_qr: bool) -> bytes:
    """The same receipt through python-escpos alone: its Dummy, text(), qr() and cut()."""
    from escpos.printer import Dummy

    # Its default profile has no paper width, so image() prints a warning on stdout each
    # time; the cost of that print stays in, it is part of using python-escpos as is.
    with contextlib.redirect_stdout(io.StringIO()):
        return _baseline_escpos(Dummy(), native_qr)


def _baseline_escpos(printer: Any, native_qr: bool) -> bytes:
    printer.hw("INIT")
    printer.set(align="center", bold=True, custom_size=True, width=2, height=2)
    printer.text("就业服务回执\n")
    printer.set(align="center", bold=False, normal_textsize=True)
    printer.text("欢迎使用24小时就业服务站\n")
    printer.set(align="left")
    printer.text("-" * 48 + "\n")
    for key, value in (("姓名", "张**"), ("身份证号", "110***********002X"), ("业务", "失业登记")):
        printer.text(f"{key}  {value}\n")
    printer.text("请妥善保管本回执，扫描下方二维码可查询办理进度。\n")
    printer.qr(URL, size=6, native=native_qr, center=False)
    printer.cut()
    data: bytes = printer.output
    return data


def qr_bytes(profile_name: str) -> int:
    """Bytes one QR block adds on a profile."""
    profile = profile_by_name(profile_name)
    with_qr = render(Receipt("q", (QrCode(URL), Cut())), profile)
    without = render(Receipt("q", (Cut(),)), profile)
    return len(with_qr) - len(without)


def print_over_pty(tmp: Path, repeat: int) -> tuple[float, float]:
    """Median ms of a status read and of a whole checked print on the simulator's pty."""
    profile = profile_by_name("kiosk-80")
    with (
        PrinterSimulator(tmp / "paper", profile, render=False) as sim,
        open_transport(f"serial:{sim.url}?baud=115200") as transport,
    ):
        printer = ReceiptPrinter(transport, profile, after_print_wait=0)
        t_status = timed(printer.status, repeat)
        counter = iter(range(10**6))

        def one_job() -> None:
            printer.print_receipt(dataclasses.replace(RECEIPT, job_id=f"job-{next(counter)}"))

        t_print = timed(one_job, repeat)
    return t_status, t_print


def main() -> None:
    """Print the figures; ratios are ours / baseline measured in this run."""
    base_native = timed(partial(baseline_escpos, True), 50)
    base_raster = timed(partial(baseline_escpos, False), 20)
    print(
        f"baseline python-escpos Dummy: native QR {base_native:6.2f} ms, "
        f"raster QR {base_raster:6.2f} ms"
    )
    print(f"{'profile':16} {'bytes':>6}  {'render':>9} {'ratio':>6}  {'decode':>9}  {'png':>9}")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for profile in PROFILES.values():
            data = render(RECEIPT, profile)
            doc = decode(data, profile.codec)
            png = Path(tmp) / f"{profile.name}.png"
            t_render = timed(partial(render, RECEIPT, profile), 50)
            t_decode = timed(partial(decode, data, profile.codec), 50)
            t_png = timed(partial(render_png, doc, png, dots_width=profile.dots_width), 5)
            base = base_native if profile.native_qr else base_raster
            worst = max(worst, t_render)
            print(
                f"{profile.name:16} {len(data):6d}  {t_render:6.2f} ms {t_render / base:5.2f}x  "
                f"{t_decode:6.2f} ms  {t_png:6.2f} ms"
            )
        verdict = "met" if worst <= GOAL_MS else "MISSED"
        print(f"render goal <= {GOAL_MS:g} ms: {verdict} (slowest {worst:.2f} ms)")

        native, raster = qr_bytes("kiosk-80"), qr_bytes("kiosk-80-raster")
        print(
            f"QR bytes: native GS ( k {native}, raster GS v 0 {raster} ({raster / native:.0f}x); "
            f"at 9600 baud {native * 10 / 9600 * 1000:.0f} ms vs {raster * 10 / 9600:.1f} s"
        )

        t_status, t_print = print_over_pty(Path(tmp), 20)
        print(
            f"over a pty to the simulator: status (DLE EOT 1-4) {t_status:.2f} ms, "
            f"checked print {t_print:.2f} ms"
        )


if __name__ == "__main__":
    main()
