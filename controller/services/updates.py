"""Signed releases and their staged rollout to the fleet (docs/updates.md).

- A **release** is a signed bundle (wire/release.py) uploaded with `estation-controller
  release add FILE` or on the updates page. The controller checks what it can: the
  signature's shape, the trusted comment naming the version and the bundle's sha256, the
  bundle's release.json; with `<data_dir>/release.pub` it checks the signature too. The
  kiosks check the signature again with the key pinned at provisioning and trust nothing
  the controller says.
- A **rollout** offers one release ring by ring: `canary`, then `early`, then `all`. Each
  kiosk is in one ring (`kiosk_updates.ring`, `all` unless ops say otherwise); a ring that
  is open is offered the release with the heartbeat answer (HeartbeatAck.release, only to
  kiosks that say CAPABILITY_UPDATES). Kiosks report what became of it (POST
  updates/report). When the share of a ring's kiosks that refused it or rolled it back
  passes `failure_percent` the rollout **halts** (hawkBit's error threshold): nothing new
  is offered until an ops admin resumes or aborts it. When `success_percent` of the
  widest open ring report healthy, the next ring opens; a rollout open to `all`
  stays running at `all` (kiosks enrolled later get it too) until the next rollout
  completes it. A resumed rollout halts again at the next failure while the share is still
  past the threshold: ops accept the failures so far, not the ones to come.
- The heartbeat asks `offer` for every kiosk: it reads a snapshot of the running rollout,
  the rings and the kiosks that failed it, made at most every `cache_seconds` (one small
  query), never the database per heartbeat. A change made on this replica drops the
  snapshot at once.
"""

from __future__ import annotations

import enum
import hashlib
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.clock import Clock
from controller.models import Kiosk, KioskUpdate, Release, Rollout
from controller.services.audit import Actor, AuditAction, AuditLog
from controller.services.errors import BadMessage, Conflict, NotFound
from wire import ReleaseOffer, UpdateOutcome, UpdateReport, UpdateReportAck
from wire.release import (
    PublicKey,
    ReleaseRefused,
    read_manifest,
    read_trusted,
    read_wheels,
    verify,
)

PUBLIC_KEY_FILE = "release.pub"
# The bundle's largest size: the kiosk's packages are a few hundred kilobytes, but a release
# that carries its wheels brings Kivy, OpenCV and NumPy (about 100 MB for aarch64).
MAX_BUNDLE_BYTES = 192 * 1024 * 1024
FAILURES = frozenset({UpdateOutcome.REFUSED.value, UpdateOutcome.ROLLED_BACK.value})


class Ring(enum.StrEnum):
    """Who gets a release first: a few canaries, then early kiosks, then everyone."""

    CANARY = "canary"
    EARLY = "early"
    ALL = "all"


RINGS: tuple[Ring, ...] = (Ring.CANARY, Ring.EARLY, Ring.ALL)
RING_LABELS: dict[str, tuple[str, str]] = {
    Ring.CANARY: ("金丝雀", "Canary"),
    Ring.EARLY: ("先行", "Early"),
    Ring.ALL: ("全部", "All"),
}


class RolloutState(enum.StrEnum):
    """Where a rollout stands."""

    RUNNING = "running"
    HALTED = "halted"
    COMPLETED = "completed"
    ABORTED = "aborted"


ACTIVE = frozenset({RolloutState.RUNNING.value, RolloutState.HALTED.value})


def load_key(data_dir: Path) -> PublicKey | None:
    """The release key in the controller's data dir, if ops put one there."""
    try:
        return PublicKey.parse((data_dir / PUBLIC_KEY_FILE).read_text("ascii"))
    except (OSError, ReleaseRefused, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class RingCount:
    """One ring of a rollout: how many kiosks, healthy, failed."""

    ring: str
    kiosks: int
    healthy: int
    failed: int
    open: bool

    @property
    def failure_percent(self) -> float:
        """Failed kiosks as a share of the ring (0 for an empty ring)."""
        return 100.0 * self.failed / self.kiosks if self.kiosks else 0.0


@dataclass(frozen=True)
class RolloutView:
    """A rollout with its rings, for the page."""

    rollout: Rollout
    rings: list[RingCount]
    failures: list[tuple[str, str, str]]  # kiosk id, outcome, reason


@dataclass
class _Plan:
    """What the heartbeat needs, read at once: the offer and who gets it."""

    offer: ReleaseOffer | None = None
    open_rings: frozenset[str] = frozenset()
    rings: dict[int, str] = field(default_factory=dict)
    failed: frozenset[int] = frozenset()
    read_at: float = float("-inf")


class Updates:
    """Releases, rollouts, rings and the kiosks' reports."""

    def __init__(
        self,
        audit: AuditLog,
        clock: Clock,
        key: PublicKey | None = None,
        *,
        cache_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._audit = audit
        self._clock = clock
        self.key = key
        self.cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._plan = _Plan()
        self._lock = threading.Lock()

    # -- releases -------------------------------------------------------------------------

    def add_release(self, session: Session, actor: Actor, bundle: bytes, signature: str) -> Release:
        """Check and store a signed bundle; BadMessage says what is wrong with it."""
        if len(bundle) > MAX_BUNDLE_BYTES:
            raise BadMessage(f"the bundle is larger than {MAX_BUNDLE_BYTES} bytes")
        try:
            trusted = (
                verify(bundle, signature, self.key)
                if self.key is not None
                else read_trusted(signature)
            )
            if hashlib.sha256(bundle).hexdigest() != trusted.sha256:
                raise ReleaseRefused("digest_mismatch", "the signed sha256 is not the bundle's")
            manifest = read_manifest(bundle)
            read_wheels(bundle)  # what every kiosk would refuse is refused once, here
        except ReleaseRefused as err:
            raise BadMessage(f"release refused ({err.code}): {err}") from err
        if manifest["version"] != trusted.version:
            raise BadMessage("release refused: release.json and the signature name other versions")
        if session.scalar(select(Release.id).where(Release.version == trusted.version)):
            raise Conflict(f"release {trusted.version} is already stored")
        release = Release(
            version=trusted.version,
            sha256=trusted.sha256,
            size=len(bundle),
            signature=signature.strip() + "\n",
            bundle=bundle,
            uploaded_at=self._clock(),
            uploaded_by=actor.name[:64],
        )
        session.add(release)
        self._audit.record(session, actor, AuditAction.RELEASE_ADDED, target=release.version)
        return release

    def releases(self, session: Session) -> list[Release]:
        """Every stored release, newest first (the bundles are not loaded)."""
        rows = session.execute(
            select(Release.id, Release.version, Release.size, Release.uploaded_at).order_by(
                Release.uploaded_at.desc(), Release.id.desc()
            )
        )
        return [
            Release(id=i, version=v, size=s, uploaded_at=at)  # a listing, never added
            for i, v, s, at in rows
        ]

    def bundle(self, session: Session, version: str) -> bytes:
        """The bytes of a stored release; NotFound for an unknown version."""
        data = session.scalar(select(Release.bundle).where(Release.version == version))
        if data is None:
            raise NotFound(f"no release {version!r}")
        return data

    # -- rollouts -------------------------------------------------------------------------

    def active(self, session: Session) -> Rollout | None:
        """The running or halted rollout, if any."""
        return session.scalar(
            select(Rollout).where(Rollout.state.in_(ACTIVE)).order_by(Rollout.id.desc())
        )

    def start(
        self,
        session: Session,
        actor: Actor,
        version: str,
        *,
        failure_percent: int = 20,
        success_percent: int = 100,
    ) -> Rollout:
        """Start offering a release to the canary ring."""
        if not (0 <= failure_percent <= 100 and 1 <= success_percent <= 100):
            raise BadMessage("thresholds are percentages (failure 0-100, success 1-100)")
        release = session.scalar(select(Release).where(Release.version == version))
        if release is None:
            raise NotFound(f"no release {version!r}")
        now = self._clock()
        earlier = self.active(session)
        if earlier is not None:
            if earlier.state != RolloutState.RUNNING.value or earlier.ring != Ring.ALL.value:
                raise Conflict("another rollout is under way or halted: abort it first")
            earlier.state = RolloutState.COMPLETED.value  # out to every ring: superseded
            earlier.changed_at = now
        rollout = Rollout(
            release=release,
            state=RolloutState.RUNNING.value,
            ring=Ring.CANARY.value,
            failure_percent=failure_percent,
            success_percent=success_percent,
            halted_reason="",
            started_at=now,
            started_by=actor.name[:64],
            changed_at=now,
        )
        session.add(rollout)
        detail = f"failure {failure_percent}%, success {success_percent}%"
        self._audit.record(
            session, actor, AuditAction.ROLLOUT_STARTED, target=version, detail=detail
        )
        session.flush()
        self._advance(session, rollout)
        self.changed()
        return rollout

    def resume(self, session: Session, actor: Actor, rollout_id: int) -> Rollout:
        """An admin accepts the failures so far: offer the release again."""
        rollout = self._rollout(session, rollout_id, {RolloutState.HALTED.value})
        rollout.state = RolloutState.RUNNING.value
        rollout.halted_reason = ""
        rollout.changed_at = self._clock()
        self._audit.record(
            session, actor, AuditAction.ROLLOUT_RESUMED, target=rollout.release.version
        )
        self._advance(session, rollout)
        self.changed()
        return rollout

    def abort(self, session: Session, actor: Actor, rollout_id: int) -> Rollout:
        """Stop offering the release; kiosks that installed it keep it."""
        rollout = self._rollout(session, rollout_id, set(ACTIVE))
        rollout.state = RolloutState.ABORTED.value
        rollout.changed_at = self._clock()
        self._audit.record(
            session, actor, AuditAction.ROLLOUT_ABORTED, target=rollout.release.version
        )
        self.changed()
        return rollout

    def _rollout(self, session: Session, rollout_id: int, states: set[str]) -> Rollout:
        rollout = session.get(Rollout, rollout_id)
        if rollout is None:
            raise NotFound(f"no rollout {rollout_id}")
        if rollout.state not in states:
            raise Conflict(f"the rollout is {rollout.state}")
        return rollout

    def set_ring(self, session: Session, actor: Actor, kiosk_id: str, ring: str) -> None:
        """Put a kiosk in a ring."""
        if ring not in RINGS:
            raise BadMessage(f"ring must be one of {', '.join(RINGS)}")
        kiosk = session.scalar(select(Kiosk).where(Kiosk.kiosk_id == kiosk_id.strip().upper()))
        if kiosk is None:
            raise NotFound(f"no kiosk {kiosk_id!r}")
        row = session.get(KioskUpdate, kiosk.id) or KioskUpdate(kiosk_pk=kiosk.id)
        row.ring = ring
        session.add(row)
        self._audit.record(
            session, actor, AuditAction.KIOSK_RING_SET, target=kiosk.kiosk_id, detail=ring
        )
        self.changed()

    # -- reports and thresholds -----------------------------------------------------------

    def report(self, session: Session, kiosk: Kiosk, report: UpdateReport) -> UpdateReportAck:
        """Record what a kiosk says of a release; halt or advance the rollout it concerns."""
        row = session.get(KioskUpdate, kiosk.id)
        if row is None:
            row = KioskUpdate(kiosk_pk=kiosk.id, ring=Ring.ALL.value)
            session.add(row)
        row.version = report.version
        row.outcome = report.outcome.value
        row.reason = report.reason
        row.reported_at = self._clock()
        if report.running_version:
            kiosk.software_version = report.running_version
        session.flush()
        rollout = self.active(session)
        if rollout is not None and rollout.release.version == report.version:
            if report.outcome.value in FAILURES:
                self.changed()  # this kiosk is not offered the release again
            self._advance(session, rollout, failed=report.outcome.value in FAILURES)
        session.commit()
        return UpdateReportAck()

    def rings(self, session: Session, rollout: Rollout) -> list[RingCount]:
        """Every ring's kiosks, healthy and failed for the rollout's release."""
        version = rollout.release.version
        rows = session.execute(
            select(KioskUpdate.ring, KioskUpdate.version, KioskUpdate.outcome, Kiosk.id)
            .select_from(Kiosk)
            .outerjoin(KioskUpdate, KioskUpdate.kiosk_pk == Kiosk.id)
            .where(Kiosk.state == "active")
        )
        counts: dict[str, list[int]] = {ring.value: [0, 0, 0] for ring in RINGS}
        for ring, reported, outcome, _pk in rows:
            tally = counts.get(ring or Ring.ALL.value, counts[Ring.ALL.value])
            tally[0] += 1
            if reported == version and outcome == UpdateOutcome.HEALTHY.value:
                tally[1] += 1
            elif reported == version and outcome in FAILURES:
                tally[2] += 1
        widest = RINGS.index(Ring(rollout.ring))
        return [
            RingCount(ring.value, kiosks, healthy, failed, RINGS.index(ring) <= widest)
            for ring in RINGS
            for kiosks, healthy, failed in [counts[ring.value]]
        ]

    def _advance(self, session: Session, rollout: Rollout, *, failed: bool = False) -> None:
        """Halt on failures past the threshold; open the next ring on enough successes."""
        if rollout.state != RolloutState.RUNNING.value:
            return
        while True:
            rings = self.rings(session, rollout)
            over = [r for r in rings if r.open and r.failure_percent > rollout.failure_percent]
            if over and failed:
                worst = over[0]
                rollout.state = RolloutState.HALTED.value
                rollout.halted_reason = (
                    f"{worst.ring}: {worst.failed} of {worst.kiosks} kiosks failed"
                    f" ({worst.failure_percent:.0f}% > {rollout.failure_percent}%)"
                )[:300]
                rollout.changed_at = self._clock()
                self._audit.record(
                    session,
                    Actor("-", "controller"),
                    AuditAction.ROLLOUT_HALTED,
                    target=rollout.release.version,
                    detail=rollout.halted_reason,
                )
                self.changed()
                return
            widest = next(r for r in rings if r.ring == rollout.ring)
            if 100 * widest.healthy < rollout.success_percent * widest.kiosks:
                return
            if rollout.ring == Ring.ALL.value:
                # Stays running: a kiosk enrolled later is offered it too, until the next
                # rollout supersedes it (`start`) or an admin aborts it.
                return
            rollout.ring = RINGS[RINGS.index(Ring(rollout.ring)) + 1].value
            rollout.changed_at = self._clock()
            self.changed()

    def view(self, session: Session, rollout: Rollout) -> RolloutView:
        """A rollout with its ring counts and the kiosks that failed it."""
        failures = session.execute(
            select(Kiosk.kiosk_id, KioskUpdate.outcome, KioskUpdate.reason)
            .join(KioskUpdate, KioskUpdate.kiosk_pk == Kiosk.id)
            .where(
                KioskUpdate.version == rollout.release.version,
                KioskUpdate.outcome.in_(FAILURES),
            )
            .order_by(Kiosk.kiosk_id)
            .limit(200)
        )
        listed = [(k, o, r) for k, o, r in failures]
        return RolloutView(rollout, self.rings(session, rollout), listed)

    def ring_members(self, session: Session) -> list[tuple[str, str, str, str, str]]:
        """Kiosks outside the `all` ring: id, ring, running version, last outcome, reason."""
        rows = session.execute(
            select(
                Kiosk.kiosk_id,
                KioskUpdate.ring,
                Kiosk.software_version,
                KioskUpdate.outcome,
                KioskUpdate.reason,
            )
            .join(KioskUpdate, KioskUpdate.kiosk_pk == Kiosk.id)
            .where(KioskUpdate.ring != Ring.ALL.value)
            .order_by(KioskUpdate.ring, Kiosk.kiosk_id)
        )
        return [(k, g, v, o or "", r or "") for k, g, v, o, r in rows]

    # -- the heartbeat --------------------------------------------------------------------

    def changed(self) -> None:
        """Drop the heartbeat's snapshot: the next heartbeat reads a fresh one."""
        with self._lock:
            self._plan = _Plan()

    def stale(self) -> bool:
        """True when the snapshot is older than `cache_seconds`: call `refresh` first."""
        return self._monotonic() - self._plan.read_at > self.cache_seconds

    def refresh(self, session_factory: Callable[[], AbstractContextManager[Session]]) -> None:
        """Read the snapshot again (one rollout, the kiosks outside `all` or that failed)."""
        with session_factory() as session:
            plan = self._read_plan(session)
        with self._lock:
            self._plan = plan

    def offer(self, kiosk_pk: int) -> ReleaseOffer | None:
        """The release this kiosk should run, from the snapshot."""
        plan = self._plan
        if plan.offer is None or kiosk_pk in plan.failed:
            return None
        return plan.offer if plan.rings.get(kiosk_pk, Ring.ALL.value) in plan.open_rings else None

    def _read_plan(self, session: Session) -> _Plan:
        read_at = self._monotonic()
        rollout = session.scalar(select(Rollout).where(Rollout.state == RolloutState.RUNNING.value))
        if rollout is None:
            return _Plan(read_at=read_at)
        release = rollout.release
        widest = RINGS.index(Ring(rollout.ring))
        rings: dict[int, str] = {}
        failed: set[int] = set()
        for pk, ring, version, outcome in session.execute(
            select(KioskUpdate.kiosk_pk, KioskUpdate.ring, KioskUpdate.version, KioskUpdate.outcome)
        ):
            if ring != Ring.ALL.value:
                rings[pk] = ring
            if version == release.version and outcome in FAILURES:
                failed.add(pk)
        return _Plan(
            offer=ReleaseOffer(
                version=release.version,
                sha256=release.sha256,
                size=release.size,
                signature=release.signature,
            ),
            open_rings=frozenset(r.value for r in RINGS[: widest + 1]),
            rings=rings,
            failed=frozenset(failed),
            read_at=read_at,
        )
