"""The kiosk's copy of the county's public content, for when the controller cannot be reached.

Jobs, policies, trainings, job fairs, appointment slots, announcements and employers are
fetched from the controller in the background (on start and every `refresh_seconds`) and
kept in SQLite in the data dir (`content.db`), so job search, policy lookup and the
employer picker work offline and say when the copy was made (数据更新于 …).

Content is public: nothing of a citizen ever goes in here (the citizen's own applications
are never stored; the fetching action asks the controller for them live).

How a filtered list is answered offline, exactly as the controller answers it: the items a
kiosk receives carry no area, industry or pay (wire.ContentItem), so the kiosk cannot
re-implement the controller's filters on them. Instead each source has a *fetch plan*: the
unfiltered list plus one fetch per value of each filter the flows offer (the choices of
their `area`, `industry`, ... fields), and each item is tagged with the (filter, value)
pairs it came back under. The controller's filters are a conjunction of one test per
filter, so the items tagged with every pair of a query are exactly what the controller
would list for it. A query naming a value that was never fetched is `NotCached`, never a
guess. Limit: the controller sends at most 200 items a page, so a county with more than 200
open jobs is kept as the 200 newest plus those each single filter brings in.

A refresh replaces a source's items in one transaction; a fetch that fails leaves the last
good copy and its time as they were. "By version": the copy's version is a digest of what
the controller sent; an unchanged digest only moves the fetch time.

Search is SQLite FTS5 with the trigram tokenizer (SQLite 3.34+), which finds a Chinese
substring with no word segmentation. A trigram index cannot answer a query shorter than
three characters, and most Chinese job words are two (保洁, 司机): for those a second FTS5
table holds every item's distinct single characters and character pairs as words
(`short_grams`), so a one- or two-character query is one lookup of one word instead of a
scan (p95 45-52 ms over 10,000 jobs before, bench/bench_content_search.py). Only a short
query with a separator in it (a space, punctuation) still scans, with LIKE. A search
answers ids first, best first, and the full items are read only for the page shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Every public source the kiosk keeps (wire.ContentSource less `applications`, personal).
SOURCES: tuple[str, ...] = (
    "jobs",
    "policies",
    "trainings",
    "job_fairs",
    "slots",
    "announcements",
    "employers",
)
MAX_AGE_HOURS = 168.0  # a copy older than a week is not shown: say offline instead
SEARCH_LIMIT = 200
PAGE_SIZE = 20  # items read for one page of a search's results
_TRIGRAM = 3
# A run of letters or digits, as FTS5's unicode61 tokenizer cuts words (not "_").
_WORD_RUN = re.compile(r"[^\W_]+")
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))

Filters = Mapping[str, str]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    source TEXT NOT NULL, id TEXT NOT NULL, rank INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (source, id)
);
CREATE TABLE IF NOT EXISTS facets (
    source TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (source, name, value, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fetched_facets (
    source TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (source, name, value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fetches (
    source TEXT PRIMARY KEY, fetched_at TEXT NOT NULL, version TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
    source UNINDEXED, id UNINDEXED, text, tokenize = 'trigram'
);
"""
# One- and two-character queries: each item's `short_grams` as words (added in a later
# release: a store without it is indexed from its kept items when opened).
_SHORT_SCHEMA = """
CREATE VIRTUAL TABLE short_search USING fts5(
    source UNINDEXED, id UNINDEXED, grams, tokenize = 'unicode61 remove_diacritics 0'
);
"""


class NotCached(LookupError):
    """The store has no usable copy for this question (never fetched, too old, a value unknown)."""


@dataclass(frozen=True)
class Cached:
    """Items of one source as kept, and when the controller sent them (UTC)."""

    items: list[dict[str, Any]]
    as_of: dt.datetime

    def as_of_text(self) -> str:
        """The copy's time as the citizen reads it: "2026-05-01 08:30", Beijing time."""
        return f"{self.as_of.astimezone(CHINA_TIME):%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Found:
    """A search's answer before any item is read: matching ids, best first, and the copy's time."""

    ids: list[str]
    as_of: dt.datetime


@dataclass(frozen=True)
class Fetched:
    """One source as the controller sent it: its items, best first, and their filter tags."""

    items: list[dict[str, Any]]
    facets: dict[str, set[tuple[str, str]]]  # item id -> (filter, value) pairs it matched
    fetched: set[tuple[str, str]]  # every (filter, value) pair that was asked


def trigram_available() -> bool:
    """True when this Python's SQLite has FTS5 with the trigram tokenizer (3.34+)."""
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'trigram')")
    except sqlite3.OperationalError:
        return False
    finally:
        db.close()
    return True


def search_text(item: Mapping[str, Any]) -> str:
    """Every text of an item in one string (both languages, rows, an employer's codes)."""
    parts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            parts.append(node)
        elif isinstance(node, Mapping):
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    for key in ("title", "summary", "rows", "name", "credit_code", "initials"):
        walk(item.get(key))
    return "\n".join(parts)


def short_grams(text: str) -> str:
    """Every distinct character and pair of neighbouring characters of `text`'s words,
    lower-cased, as space-separated words: what a one- or two-character search looks up."""
    grams: set[str] = set()
    for run in _WORD_RUN.findall(text.lower()):
        grams.update(run)
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return " ".join(sorted(grams))


def _digest(fetched: Fetched) -> str:
    canonical = json.dumps(
        [fetched.items, sorted((k, sorted(v)) for k, v in fetched.facets.items())],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


class ContentStore:
    """The kept copy of each public content source, with its time and an FTS5 index."""

    def __init__(
        self,
        path: Path | str,
        *,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        max_age_hours: float = MAX_AGE_HOURS,
    ) -> None:
        self._now = now
        self._max_age = dt.timedelta(hours=max_age_hours)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        with self._transaction() as db:
            known = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'short_search'").fetchone()
            if known is None:  # a store from before the short index: index what it keeps
                db.execute(_SHORT_SCHEMA)
                db.executemany(
                    "INSERT INTO short_search VALUES (?, ?, ?)",
                    (
                        (source, item_id, short_grams(search_text(json.loads(body))))
                        for source, item_id, body in db.execute(
                            "SELECT source, id, body FROM items ORDER BY source, rank"
                        ).fetchall()
                    ),
                )

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- writing -----------------------------------------------------------------------

    def replace(self, source: str, fetched: Fetched, *, at: dt.datetime | None = None) -> bool:
        """Keep `fetched` as the source's copy, made `at` (now); False when it was unchanged.

        All or nothing: readers see the old copy or the new one, never a mix.
        """
        if source not in SOURCES:
            raise ValueError(f"{source} is not a public content source")
        at = at or self._now()
        version = _digest(fetched)
        with self._transaction() as db:
            row = db.execute("SELECT version FROM fetches WHERE source = ?", (source,)).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO fetches VALUES (?, ?, ?)", (source, at.isoformat(), version)
            )
            if row is not None and row[0] == version:
                return False
            for table in ("items", "facets", "fetched_facets", "search", "short_search"):
                db.execute(f"DELETE FROM {table} WHERE source = ?", (source,))  # noqa: S608
            db.executemany(
                "INSERT INTO items VALUES (?, ?, ?, ?)",
                (
                    (source, item["id"], rank, json.dumps(item, ensure_ascii=False))
                    for rank, item in enumerate(fetched.items)
                ),
            )
            # In rank order, as the items: search_ids reads the indexes in rowid order.
            texts = [(item["id"], search_text(item)) for item in fetched.items]
            db.executemany(
                "INSERT INTO search VALUES (?, ?, ?)",
                ((source, item_id, text) for item_id, text in texts),
            )
            db.executemany(
                "INSERT INTO short_search VALUES (?, ?, ?)",
                ((source, item_id, short_grams(text)) for item_id, text in texts),
            )
            db.executemany(
                "INSERT OR IGNORE INTO facets VALUES (?, ?, ?, ?)",
                (
                    (source, name, value, item_id)
                    for item_id, pairs in fetched.facets.items()
                    for name, value in pairs
                ),
            )
            db.executemany(
                "INSERT OR IGNORE INTO fetched_facets VALUES (?, ?, ?)",
                ((source, name, value) for name, value in fetched.fetched),
            )
        return True

    # -- reading -----------------------------------------------------------------------

    def as_of(self, source: str) -> dt.datetime | None:
        """When the source's copy was last confirmed by the controller (None: never)."""
        with self._lock:
            row = self._db.execute(
                "SELECT fetched_at FROM fetches WHERE source = ?", (source,)
            ).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row else None

    def items(self, source: str, filters: Filters | None = None) -> Cached:
        """The kept items of `source` passing `filters`, best first; NotCached when unknown."""
        as_of = self._usable_as_of(source)
        wanted = {k: v for k, v in (filters or {}).items() if v not in ("", "any")}
        sql = "SELECT body FROM items i WHERE source = ?"
        args: list[str] = [source]
        with self._lock:
            for name, value in sorted(wanted.items()):
                asked = self._db.execute(
                    "SELECT 1 FROM fetched_facets WHERE source = ? AND name = ? AND value = ?",
                    (source, name, value),
                ).fetchone()
                if asked is None:
                    raise NotCached(f"{source}: {name}={value} was never fetched")
                sql += (
                    " AND EXISTS (SELECT 1 FROM facets f WHERE f.source = i.source"
                    " AND f.name = ? AND f.value = ? AND f.id = i.id)"
                )
                args += [name, value]
            rows = self._db.execute(sql + " ORDER BY rank", args).fetchall()
        return Cached([json.loads(body) for (body,) in rows], as_of)

    def search(self, source: str, query: str, *, limit: int = PAGE_SIZE, offset: int = 0) -> Cached:
        """One page of the kept items of `source` whose texts contain `query` (any case),
        best first: `limit` items from `offset` of what `search_ids` finds."""
        found = self.search_ids(source, query)
        return Cached(self.load(source, found.ids[offset : offset + limit]), found.as_of)

    def search_ids(self, source: str, query: str, *, limit: int = SEARCH_LIMIT) -> Found:
        """The ids of the kept items of `source` whose texts contain `query`, best first
        (at most `limit`); an empty query finds every item."""
        as_of = self._usable_as_of(source)
        query = query.strip()
        words = _WORD_RUN.findall(query.lower())
        # Each source's index rows are written in rank order (`replace`), so an index's
        # rowid order is best first: a common word stops at `limit` instead of sorting all.
        if not query:
            sql = "SELECT id FROM items WHERE source = ? ORDER BY rank LIMIT ?"
            args: tuple[str, ...] = (source,)
        elif len(query) >= _TRIGRAM:
            # A phrase of trigrams: the row holds the query as a substring.
            match = '"' + query.replace('"', '""') + '"'
            sql = "SELECT id FROM search WHERE text MATCH ? AND source = ? ORDER BY rowid LIMIT ?"
            args = (match, source)
        elif words == [query.lower()]:
            # One or two letters or digits: one word of the short index (no quote can be
            # in it: it is letters and digits only).
            sql = (
                "SELECT id FROM short_search WHERE grams MATCH ? AND source = ?"
                " ORDER BY rowid LIMIT ?"
            )
            args = ('"' + words[0] + '"', source)
        else:
            # A separator in a short query (a space, punctuation): LIKE, a scan.
            escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            sql = (
                "SELECT id FROM search WHERE text LIKE ? ESCAPE '\\' AND source = ?"
                " ORDER BY rowid LIMIT ?"
            )
            args = (f"%{escaped}%", source)
        with self._lock:
            # `sql` is one of the constant queries above; the values are parameters.
            rows = self._db.execute(sql, (*args, limit)).fetchall()
        return Found([item_id for (item_id,) in rows], as_of)

    def load(self, source: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The kept items of `source` with these ids, in the order given (unknown ids left
        out): a page of a search's results."""
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, body FROM items WHERE source = ? AND id IN ({marks})",  # noqa: S608
                (source, *ids),
            ).fetchall()
        bodies = dict(rows)
        return [json.loads(bodies[item_id]) for item_id in ids if item_id in bodies]

    def _usable_as_of(self, source: str) -> dt.datetime:
        as_of = self.as_of(source)
        if as_of is None:
            raise NotCached(f"{source} was never fetched")
        if self._now() - as_of > self._max_age:
            raise NotCached(f"{source} is older than {self._max_age}")
        return as_of
