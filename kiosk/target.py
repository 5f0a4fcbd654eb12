"""The target state: the catalog and settings the controller wants this kiosk to run.

Level-triggered (balena's target state): every heartbeat answer names the version the
kiosk should run (`HeartbeatAck.target_version`); whenever that differs from what runs and
from what was last rejected, the kiosk fetches the target (GET target), builds the catalog
it describes from the catalog it ships with (`flows.with_menu`: the services offered, their
opening hours) and checks it whole with the catalog validator (`flows.parse_catalog`). A
target that fails is rejected with the validator's words and the running catalog stays;
one that passes waits for a moment without a citizen (`apply` answers False while a visit
is open) and is then swapped in. Either way the controller is told (POST target/report).

What runs is kept on disk (`target.json`, written durably), so a restart comes back with
the applied target, and reports not yet delivered are sent after it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flows import Catalog, FlowDefinitionError
from kiosk.controller_client import ControllerError, ControllerRejected
from wire import TargetOutcome

if TYPE_CHECKING:
    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import TargetReport, TargetState

log = logging.getLogger(__name__)


def validate(files: Mapping[str, bytes]) -> Catalog:
    """`files` checked whole by the catalog validator (flows.parse_catalog), which loads with
    its first use: a kiosk whose catalog comes from its cache starts without it."""
    from flows import parse_catalog

    return parse_catalog(files)


def build_catalog(
    base: Mapping[str, bytes],
    target: TargetState,
    parse: Callable[[Mapping[str, bytes]], Catalog] = validate,
) -> Catalog:
    """The catalog `target` describes, checked whole; FlowDefinitionError says what is wrong."""
    from flows import with_menu  # the manifest's reader, as the validator: used with it

    menu = [(s.flow, s.hours) for s in target.services]
    return parse(with_menu(base, menu))


@dataclass
class _Saved:
    """What target.json holds."""

    applied: TargetState | None = None
    rejected: tuple[str, str] | None = None  # version, reason
    unreported: list[TargetReport] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> _Saved:
        try:
            data = json.loads(path.read_text("utf-8"))
            # The models load only when a target was kept (a fresh kiosk has none).
            from wire import TargetReport, TargetState

            applied = data.get("applied")
            rejected = data.get("rejected")
            return cls(
                applied=TargetState.model_validate(applied) if applied else None,
                rejected=(rejected[0], rejected[1]) if rejected else None,
                unreported=[TargetReport.model_validate(r) for r in data.get("unreported", [])],
            )
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, TypeError, IndexError) as err:
            # An unreadable file is a fresh state: the shipped catalog, fetched again.
            log.error("target state unreadable, starting afresh: %s", err)
            return cls()

    def save(self, path: Path) -> None:
        data = {
            "applied": self.applied.model_dump(mode="json") if self.applied else None,
            "rejected": list(self.rejected) if self.rejected else None,
            "unreported": [r.model_dump(mode="json") for r in self.unreported],
        }
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)


class TargetKeeper:
    """The catalog and help phone this kiosk runs, kept level with the controller's target.

    `fetch` is GET target, `send` POST target/report (both with the device token);
    `apply(catalog, help_phone)` swaps them in and answers False while a citizen is served.
    """

    def __init__(
        self,
        path: Path,
        base: Mapping[str, bytes],
        *,
        fetch: Callable[[], TargetState],
        send: Callable[[TargetReport], object],
        apply: Callable[[Catalog, str], bool],
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        parse: Callable[[Mapping[str, bytes]], Catalog] = validate,
    ) -> None:
        self._path = path
        self._parse = parse  # the validator, or flows/catalog_cache.py in front of it
        self._base = dict(base)
        self._fetch = fetch
        self._send = send
        self._apply = apply
        self._now = now
        self._shipped = parse(self._base)
        self._saved = _Saved.load(path)
        self._catalog = self._shipped
        if self._saved.applied is not None:
            try:
                self._catalog = build_catalog(self._base, self._saved.applied, parse)
            except FlowDefinitionError as err:
                # The software changed under the target (a flow gone): run what ships and
                # fetch the target again, which the validator now judges.
                log.error("applied target no longer valid version=%s: %s", self.running, err)
                self._saved.applied = None
        self._wanted: str | None = None
        self._staged: tuple[TargetState | None, Catalog] | None = None

    @property
    def catalog(self) -> Catalog:
        """The catalog that runs now."""
        return self._catalog

    @property
    def help_phone(self) -> str:
        """The help phone the target sets ("" none: the kiosk's own)."""
        return self._saved.applied.help_phone if self._saved.applied else ""

    @property
    def running(self) -> str:
        """The version of the applied target ("" the shipped catalog)."""
        return _version(self._saved.applied)

    @property
    def rejected(self) -> tuple[str, str] | None:
        """The version last rejected and why."""
        return self._saved.rejected

    def wanted(self, version: str | None) -> None:
        """The version a heartbeat answer named (None: the answer named none)."""
        if version is not None:
            self._wanted = version

    def step(self) -> None:
        """Fetch, check and stage a new target; apply a staged one between visits; report.

        Called by the sync loop after each heartbeat; a controller that cannot be reached
        leaves everything to the next call.
        """
        try:
            self._follow()
        except ControllerError as err:
            log.warning("target not fetched: %s", err)
        if self._staged is not None:
            self._try_apply(*self._staged)
        self._report()

    def _follow(self) -> None:
        wanted = self._wanted
        if wanted is None or wanted == self.running:
            self._staged = None  # the controller went back to what runs
            return
        if self._staged is not None and _version(self._staged[0]) == wanted:
            return
        if self._saved.rejected is not None and self._saved.rejected[0] == wanted:
            return
        if wanted == "":
            self._staged = (None, self._shipped)
            return
        target = self._fetch()
        if target.version == self.running:
            return
        try:
            catalog = build_catalog(self._base, target, self._parse)
        except FlowDefinitionError as err:
            self._saved.rejected = (target.version, str(err))
            self._queue(target.version, TargetOutcome.REJECTED, str(err))
            log.error("target rejected version=%s: %s", target.version, err)
            return
        self._staged = (target, catalog)

    def _try_apply(self, target: TargetState | None, catalog: Catalog) -> None:
        if not self._apply(catalog, target.help_phone if target else ""):
            return  # a citizen is being served: the next step tries again
        self._staged = None
        self._catalog = catalog
        self._saved.applied = target
        self._saved.rejected = None
        version = _version(target)
        self._queue(version, TargetOutcome.APPLIED, "")
        log.info("target applied version=%s services=%d", version, len(catalog.services))

    def _queue(self, version: str, outcome: TargetOutcome, reason: str) -> None:
        from wire import TargetReport

        report = TargetReport(version=version, outcome=outcome, reason=reason[:500], at=self._now())
        # Only the newest report matters: an older one would tell the controller a past.
        self._saved.unreported = [report]
        self._saved.save(self._path)

    def _report(self) -> None:
        if not self._saved.unreported:
            return
        try:
            self._send(self._saved.unreported[0])
        except ControllerRejected as err:
            # The controller will not take it (an older one without the endpoint): sending
            # it again changes nothing, and the next heartbeat shows what runs anyway.
            log.error("target report refused: %s", err)
        except ControllerError as err:
            log.warning("target report not delivered: %s", err)
            return
        self._saved.unreported = []
        self._saved.save(self._path)


def _version(target: TargetState | None) -> str:
    return target.version if target is not None else ""
