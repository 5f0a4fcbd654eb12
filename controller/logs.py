"""Structured logging: one event per line as `event=name key=value ...`."""

from __future__ import annotations

import logging
import sys

_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _quote(value: object) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n\r\t'):
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'
    return text


def format_event(name: str, /, **fields: object) -> str:
    """Render one event as a single logfmt line; newlines are escaped so one event is one line."""
    parts = [f"event={name}"]
    parts += [f"{key}={_quote(value)}" for key, value in fields.items()]
    return " ".join(parts)


def event(
    logger: logging.Logger, name: str, level: int = logging.INFO, /, **fields: object
) -> None:
    """Log one structured event. Callers pass ids and counts only, never personal data."""
    if logger.isEnabledFor(level):
        logger.log(level, format_event(name, **fields))


def configure_logging(level: int = logging.INFO) -> None:
    """Send every logger, uvicorn's included, to stderr in one line-per-event format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would print a second, differently formatted copy.
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
