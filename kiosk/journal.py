"""The kiosk's log as the journal keeps it: one event per line, no personal data in it.

systemd puts each line a service writes on stderr into the journal as one entry, so a
traceback of twenty lines would become twenty entries and an ID number in an exception
message would be kept for months. `JournalFormatter` writes every record as one logfmt line
(`level=info logger=kiosk.sync msg="..." exc=TimeoutError trace="..."`), with newlines
escaped and every ID number, mobile number and `name=` value masked, whatever the code that
logged it passed in. Under systemd (JOURNAL_STREAM set) each line starts with the syslog
priority (`<4>`), which journald turns into the entry's priority and strips.

`RecentLines` keeps the last lines, formatted the same way, for the maintenance screen.
"""

from __future__ import annotations

import collections
import logging
import os
import re
import sys
import threading
from typing import TextIO

from pii import mask_name, mask_phone, redact_id_numbers

# Mainland mobile numbers (11 digits, 13x-19x) not part of a longer number.
_PHONE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")
# A value logged under a name-like key (`name=张三`, `name: 'Zhang San'`, `姓名=...`): names
# cannot be told from other words, so the key is what gives them away.
_NAMED = re.compile(
    r"(?P<key>\b(?:name|holder|citizen)\b|姓名)(?P<sep>\s*[=:]\s*)"
    r"(?P<quote>['\"]?)(?P<value>[^\s'\",;)]+)",
    re.IGNORECASE,
)
_PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


def redact(text: str) -> str:
    """Mask ID numbers, mobile numbers and name-keyed values in free text."""
    text = redact_id_numbers(text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(0)), text)
    return _NAMED.sub(lambda m: f"{m['key']}{m['sep']}{m['quote']}{mask_name(m['value'])}", text)


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "\\r").replace("\n", "\\n") + '"'


class JournalFormatter(logging.Formatter):
    """One logfmt line per record, redacted; with a syslog priority prefix for journald."""

    def __init__(self, *, priority_prefix: bool = False, timestamps: bool = False) -> None:
        super().__init__()
        self._prefix = priority_prefix
        # journald stamps every entry itself; a terminal or a file wants the time in the line.
        self._timestamps = timestamps

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line with no personal data."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format call still logs something
            message = f"{record.msg!s} {record.args!r}"
        parts = []
        if self._timestamps:
            parts.append(f"time={self.formatTime(record, '%Y-%m-%dT%H:%M:%S')}")
        parts += [
            f"level={record.levelname.lower()}",
            f"logger={record.name}",
            f"msg={_quote(redact(message))}",
        ]
        if record.exc_info and record.exc_info[0] is not None:
            parts.append(f"exc={record.exc_info[0].__name__}")
            parts.append(f"trace={_quote(redact(self.formatException(record.exc_info)))}")
        if record.stack_info:
            parts.append(f"stack={_quote(redact(record.stack_info))}")
        line = " ".join(parts)
        if self._prefix:
            level = max((n for n in _PRIORITY if n <= record.levelno), default=logging.DEBUG)
            line = f"<{_PRIORITY[level]}>{line}"
        return line


class RecentLines(logging.Handler):
    """The last `size` log lines, redacted, for the technician's maintenance screen."""

    def __init__(self, size: int = 200, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._lines: collections.deque[str] = collections.deque(maxlen=size)
        self._guard = threading.Lock()
        self.setFormatter(JournalFormatter(timestamps=True))

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's line."""
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)
            return
        with self._guard:
            self._lines.append(line)

    def lines(self, count: int = 50) -> list[str]:
        """The newest `count` lines, oldest first."""
        with self._guard:
            return list(self._lines)[-count:]


def install(
    *,
    stream: TextIO | None = None,
    level: int = logging.INFO,
    recent: RecentLines | None = None,
) -> logging.Handler:
    """Make the root logger write journal lines to `stream` (stderr), and keep recent ones."""
    under_journald = bool(os.environ.get("JOURNAL_STREAM"))
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(
        JournalFormatter(priority_prefix=under_journald, timestamps=not under_journald)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    if recent is not None:
        root.addHandler(recent)
    root.setLevel(level)
    return handler
