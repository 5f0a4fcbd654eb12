"""The ESC/POS commands the decoder (escpos_decode.py) knows by table: the parameter values
of alignment and QR error correction, and how many parameter bytes each command it skips
takes (commands that change nothing it draws: code page, density, drawer kick, barcode)."""

from __future__ import annotations

from drivers.printer.printed import Align, EcLevel

ALIGN_BY_PARAM: dict[int, Align] = {
    0: "left",
    48: "left",
    1: "center",
    49: "center",
    2: "right",
    50: "right",
}
EC_BY_PARAM: dict[int, EcLevel] = {48: "L", 49: "M", 50: "Q", 51: "H"}

# Commands skipped by length: they change nothing we draw. Values: parameter bytes.
ESC_SKIP = {
    ord("2"): 0,  # default line spacing
    ord("3"): 1,  # line spacing n
    ord(" "): 1,  # right-side character spacing
    ord("t"): 1,  # code page
    ord("R"): 1,  # international character set
    ord("V"): 1,  # 90 degree rotation
    ord("{"): 1,  # upside down
    ord("M"): 1,  # font A/B
    ord("="): 1,  # select peripheral
    ord("U"): 1,  # unidirectional printing
    ord("r"): 1,  # colour
    ord("%"): 1,  # user-defined character set on/off
    ord("?"): 1,  # cancel user-defined character
    ord("T"): 1,  # page mode print direction
    ord("e"): 1,  # reverse feed
    ord("c"): 2,  # ESC c 3/4/5 n: paper sensors, panel buttons
    ord("$"): 2,  # absolute horizontal position
    ord("\\"): 2,  # relative horizontal position
    ord("B"): 2,  # buzzer (Chinese printers): times, duration
    ord("p"): 3,  # cash drawer pulse
    ord("S"): 0,  # standard mode (we are in it)
    ord("W"): 8,  # page mode print area
}
GS_SKIP = {
    ord("B"): 1,  # reverse printing
    ord("b"): 1,  # smoothing
    ord("H"): 1,  # barcode HRI position
    ord("f"): 1,  # barcode HRI font
    ord("h"): 1,  # barcode height
    ord("w"): 1,  # barcode width
    ord("|"): 1,  # print density (python-escpos)
    ord("a"): 1,  # automatic status back
    ord("I"): 1,  # transmit printer ID
    ord("r"): 1,  # transmit status
    ord("T"): 1,  # set print position to line start
    ord("/"): 1,  # print downloaded bit image
    ord("L"): 2,  # left margin
    ord("W"): 2,  # print area width
    ord("P"): 2,  # motion units
    ord("$"): 2,  # page mode vertical position
    ord("\\"): 2,  # page mode relative vertical position
}
GS_PAREN_FUNCTIONS = frozenset(b"ACDEHKLMNPQkz")
ESC_WITH_ONE_PARAMETER = frozenset(b"aEG-!dJ")
FS_SKIP = {
    ord("-"): 1,  # Kanji underline
    ord("S"): 2,  # Kanji left/right spacing
    ord("C"): 1,  # Kanji code system
    ord("p"): 2,  # print NV bit image
}
