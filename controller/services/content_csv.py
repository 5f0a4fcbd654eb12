"""Reading an uploaded CSV of content: its encoding, its header, its rows by column name."""

from __future__ import annotations

import codecs
import csv
import io

from controller.services.content_kinds import COLUMNS, MAX_ROWS, CsvRefused, Kind, Problem

MAX_FILE_BYTES = 2 * 1024 * 1024


def decode(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without BOM) or GBK; else CsvRefused."""
    if len(data) > MAX_FILE_BYTES:
        raise CsvRefused(f"the file has {len(data)} bytes; at most {MAX_FILE_BYTES}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvRefused("the file is UTF-16; save it as CSV in UTF-8 or GBK")
    if b"\x00" in data:
        raise CsvRefused("the file holds NUL bytes: not a CSV text file")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as err:
            raise CsvRefused(f"UTF-8 BOM, but byte {err.start + 3} is not UTF-8") from err
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gbk")
    except UnicodeDecodeError as err:
        raise CsvRefused(
            f"byte {err.start} is neither UTF-8 nor GBK; save the file as CSV in UTF-8 or GBK"
        ) from err


def read_rows(kind: Kind, text: str) -> tuple[list[dict[str, str]], list[Problem]]:
    """The data rows of a CSV text by column name, or the header's problems."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return [], [Problem(1, "", "the file is empty; the first row names the columns")]
    except csv.Error as err:
        return [], [Problem(1, "", f"not CSV: {err}")]
    known = {c.name for c in COLUMNS[kind]}
    problems = [
        Problem(1, c.name, f"missing column; {kind.value} need it: {c.allowed}")
        for c in COLUMNS[kind]
        if c.required and c.name not in header
    ]
    for name in header:
        if name not in known:
            problems.append(
                Problem(1, name, f"unknown column; {kind.value} have {', '.join(sorted(known))}")
            )
    if len(set(header)) != len(header):
        problems.append(Problem(1, "", "a column is named twice"))
    if problems:
        return [], problems
    rows: list[dict[str, str]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                rows.append({})  # a blank line keeps its number but holds no item
                continue
            if len(values) != len(header):
                rows.append({"": f"{len(values)} cells; the header has {len(header)}"})
                continue
            rows.append(dict(zip(header, values, strict=True)))
            if len(rows) > MAX_ROWS:
                return [], [Problem(0, "", f"more than {MAX_ROWS} rows; split the file")]
    except csv.Error as err:
        return [], [Problem(reader.line_num, "", f"not CSV: {err}")]
    return rows, []
