"""What services are called: learned from the catalogs kiosks run, never kept by hand.

Each kiosk reports its catalog (wire.CatalogIn) before it delivers transactions, so a
service is normally named by the time its first transaction arrives. A service no kiosk
has named (an older kiosk that never reports its catalog) is shown to citizens with a
generic wording, never as its code; ops pages put the code beside it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.clock import Clock, utc_now
from controller.logs import event
from controller.models import Kiosk, ServiceTitle
from wire import Bilingual, CatalogAck, CatalogIn

log = logging.getLogger(__name__)

# What a citizen reads for a service no kiosk has named yet.
UNKNOWN_SERVICE = Bilingual.of("就业服务事项", "Employment service")


@dataclass(frozen=True)
class ServiceName:
    """A service id with its title; `known` is False where the generic wording stands in."""

    service: str
    title: Bilingual
    known: bool


class ServiceTitles:
    """Stores the titles kiosks report and names services for pages and kiosks."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock

    def learn(self, session: Session, kiosk: Kiosk, catalog: CatalogIn) -> CatalogAck:
        """Store every title of `catalog`, replacing what an earlier catalog said."""
        kiosk_pk, kiosk_id = kiosk.id, kiosk.kiosk_id
        try:
            self._upsert(session, kiosk_pk, catalog)
        except IntegrityError:
            # Another kiosk added one of these services between our read and our insert;
            # its row is there now, so a second pass only updates.
            session.rollback()
            self._upsert(session, kiosk_pk, catalog)
        event(
            log,
            "catalog_learned",
            kiosk_id=kiosk_id,
            version=catalog.version,
            titles=len(catalog.titles),
        )
        return CatalogAck(version=catalog.version, titles=len(catalog.titles))

    def _upsert(self, session: Session, kiosk_pk: int, catalog: CatalogIn) -> None:
        now = self._clock()
        query = select(ServiceTitle).where(ServiceTitle.service.in_(catalog.titles))
        stored = {row.service: row for row in session.scalars(query)}
        for service, title in catalog.titles.items():
            row = stored.get(service)
            if row is None:
                row = ServiceTitle(service=service)
                session.add(row)
            row.zh, row.en = title.zh, title.en
            row.catalog_version = catalog.version
            row.kiosk_pk = kiosk_pk
            row.learned_at = now
        session.commit()

    def names(self, session: Session, services: Iterable[str]) -> dict[str, ServiceName]:
        """The name of each of `services`, the generic wording for those never reported."""
        wanted = set(services)
        query = select(ServiceTitle).where(ServiceTitle.service.in_(wanted))
        known = {
            row.service: ServiceName(row.service, Bilingual.of(row.zh, row.en), known=True)
            for row in session.scalars(query)
        }
        return {
            service: known.get(service) or ServiceName(service, UNKNOWN_SERVICE, known=False)
            for service in wanted
        }

    def name(self, session: Session, service: str) -> ServiceName:
        """The name of one service (see `names`)."""
        return self.names(session, [service])[service]
