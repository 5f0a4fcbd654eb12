"""The journal's lines: one event per line, and no ID number, phone or name ever in them."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from kiosk.journal import JournalFormatter, RecentLines, install, redact

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


@pytest.fixture
def journal(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The root logger writing journal lines into a string, as `estation-kiosk` sets it up."""
    monkeypatch.delenv("JOURNAL_STREAM", raising=False)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    out = io.StringIO()
    install(stream=out)
    try:
        yield out
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


def test_an_id_number_in_a_log_call_never_reaches_the_output(journal: io.StringIO) -> None:
    log = logging.getLogger("kiosk.test")
    log.info("card read id=%s", ID_NUMBER)
    log.warning(f"submit refused for {ID_NUMBER.lower()}")
    try:
        raise ValueError(f"bad number {ID_NUMBER}")
    except ValueError:
        log.exception("read failed")
    out = journal.getvalue()
    assert ID_NUMBER not in out
    assert ID_NUMBER.lower() not in out
    assert "110***********002X" in out  # masked, so the line still says something was there


def test_a_phone_number_and_a_name_are_masked(journal: io.StringIO) -> None:
    logging.getLogger("kiosk.test").info("form phone=%s name=%s", PHONE, "张三丰")
    out = journal.getvalue()
    assert PHONE not in out
    assert "张三丰" not in out
    assert "139****5678" in out
    assert "name=张**" in out


def test_every_event_is_one_line_even_with_a_traceback(journal: io.StringIO) -> None:
    log = logging.getLogger("kiosk.test")
    log.info("first\nsecond")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("worker failed")
    lines = journal.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("time=")
    assert 'msg="first\\nsecond"' in lines[0]
    assert "level=error logger=kiosk.test" in lines[1]
    assert "exc=RuntimeError" in lines[1]
    assert "Traceback" in lines[1]


def test_under_journald_each_line_carries_its_syslog_priority() -> None:
    formatter = JournalFormatter(priority_prefix=True)
    record = logging.LogRecord("kiosk", logging.WARNING, __file__, 1, "paper low", None, None)
    assert formatter.format(record) == '<4>level=warning logger=kiosk msg="paper low"'


def test_recent_lines_keep_the_newest_lines_redacted() -> None:
    recent = RecentLines(size=3)
    log = logging.getLogger("kiosk.recent")
    log.addHandler(recent)
    log.setLevel(logging.INFO)
    try:
        for n in range(5):
            log.info("event %d for %s", n, ID_NUMBER)
    finally:
        log.removeHandler(recent)
    lines = recent.lines()
    assert [line.split("event ")[1][0] for line in lines] == ["2", "3", "4"]
    assert all(ID_NUMBER not in line for line in lines)


def test_redaction_leaves_other_numbers_alone() -> None:
    # A transaction number and a long timestamp are not personal data.
    text = "txn=KA01-2611260001 took 1234567890123 us"
    assert redact(text) == text
