"""Time render -> decode -> preview for the registration receipt on every printer profile."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from drivers.printer import (
    PROFILES,
    Cut,
    KeyValue,
    Line,
    QrCode,
    Receipt,
    Rule,
    Title,
    decode,
    render,
    render_png,
)

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
        QrCode("https://e-station.example.cn/r/8F3K2Q"),
        Cut(),
    ),
)


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Mean milliseconds per call."""
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) * 1000 / repeat


def main() -> None:
    """Print one line per profile: bytes, render/decode/png times."""
    with tempfile.TemporaryDirectory() as tmp:
        for profile in PROFILES.values():
            data = render(RECEIPT, profile)
            doc = decode(data, profile.codec)
            png = Path(tmp) / f"{profile.name}.png"
            t_render = timed(partial(render, RECEIPT, profile), 50)
            t_decode = timed(partial(decode, data, profile.codec), 50)
            t_png = timed(partial(render_png, doc, png, dots_width=profile.dots_width), 5)
            print(
                f"{profile.name:16} {len(data):6d} bytes  render {t_render:6.2f} ms  "
                f"decode {t_decode:6.2f} ms  png {t_png:7.2f} ms"
            )


if __name__ == "__main__":
    main()
