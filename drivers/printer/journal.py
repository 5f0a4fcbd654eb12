"""The printed-jobs journal: which job ids came out of the printer, kept across restarts.

An append-only text file `printed-jobs.log` in a configurable directory, one line per job:

    <64 hex digits: SHA-256 of the job id, UTF-8> LF

Only the hash is stored: a job id is the caller's, and a careless one may carry personal
data; the journal only needs to recognise it again. Each line is written with one O_APPEND
write and fsync'd before the job counts as printed, so a power cut loses at most the line
being written; a torn or foreign line is skipped on load. When the file holds twice `keep`
lines it is rewritten with the newest `keep` (temporary file + rename), like the in-memory
bound: a retry comes within a session, not months later.

One process per printer writes its journal (the kiosk; the serial transport also locks the
port). Without a directory the journal lives in memory only, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections import OrderedDict
from pathlib import Path

from drivers.printer.errors import JournalError

JOURNAL_FILE = "printed-jobs.log"
DEFAULT_KEEP = 1000
_LINE = re.compile(r"[0-9a-f]{64}")


class JobJournal:
    """Remembers printed job ids (hashed), in memory and, given a directory, on disk."""

    def __init__(
        self, directory: str | os.PathLike[str] | None = None, *, keep: int = DEFAULT_KEEP
    ) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.keep = keep
        self.path = Path(directory) / JOURNAL_FILE if directory is not None else None
        self._digests: OrderedDict[str, None] = OrderedDict()
        self._lines_in_file = 0
        self._needs_newline = False
        if self.path is not None:
            self._load(self.path)

    def __contains__(self, job_id: object) -> bool:
        return isinstance(job_id, str) and _digest(job_id) in self._digests

    def __len__(self) -> int:
        return len(self._digests)

    def add(self, job_id: str) -> None:
        """Record `job_id` as printed: in memory, then on disk before this returns.

        A disk failure raises JournalError after the job is remembered in memory, so this
        process still never prints it twice; only a restart would forget it.
        """
        digest = _digest(job_id)
        self._digests[digest] = None
        self._digests.move_to_end(digest)
        while len(self._digests) > self.keep:
            self._digests.popitem(last=False)
        if self.path is None:
            return
        self._append(self.path, digest)
        if self._lines_in_file >= 2 * self.keep:
            self._compact(self.path)

    def _load(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            text = path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return
        except OSError as err:  # not a directory, no permission: a deployment problem
            raise JournalError(f"cannot read print journal {path}: {err.strerror}") from err
        # A line torn by a crash lacks its LF: the next append starts a fresh line.
        self._needs_newline = bool(text) and not text.endswith("\n")
        lines = text.split("\n")
        for line in lines:
            if _LINE.fullmatch(line):
                self._digests[line] = None
                self._digests.move_to_end(line)
        self._lines_in_file = len(lines) - 1
        while len(self._digests) > self.keep:
            self._digests.popitem(last=False)

    def _append(self, path: Path, digest: str) -> None:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
            try:
                line = f"\n{digest}\n" if self._needs_newline else f"{digest}\n"
                os.write(fd, line.encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as err:
            raise JournalError(f"cannot write print journal {path}: {err.strerror}") from err
        self._needs_newline = False
        self._lines_in_file += 1

    def _compact(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        data = "".join(f"{d}\n" for d in self._digests).encode()
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)  # atomic: a crash leaves the old or the new journal
            _fsync_dir(path.parent)
        except OSError as err:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise JournalError(f"cannot compact print journal {path}: {err.strerror}") from err
        self._lines_in_file = len(self._digests)


def _digest(job_id: str) -> str:
    return hashlib.sha256(job_id.encode("utf-8")).hexdigest()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
