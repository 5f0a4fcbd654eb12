"""The catalog this kiosk runs, as the controller learns it: a title for every service id.

The controller names transactions to citizens (the public receipt page, 我的办件) by the
titles kiosks report here, so it never keeps a table of its own that drifts from the flows.
A transaction names its flow, a bundle names each item's service (some, such as
`flexible_insurance_enrolment`, exist only as a bundle item), and a rating names the flow
it rates; all of them get a title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows import Catalog, Texts

if TYPE_CHECKING:
    # Imported where a message is made: the pydantic models load with the first one, after
    # the menu's first frame (docs/touchscreen.md, cold start).
    from wire import CatalogIn


def service_titles(catalog: Catalog) -> dict[str, Texts]:
    """Every service id of `catalog` with its title: each flow, then bundle-only services.

    A flow's own title wins over a bundle item's wording of the same service (a bundle may
    say 就业登记（灵活就业） for employment_registration); among bundles, the first by flow
    id names a service that is not a flow.
    """
    titles = {flow_id: flow.title for flow_id, flow in sorted(catalog.flows.items())}
    for _, flow in sorted(catalog.flows.items()):
        for item in flow.items:
            titles.setdefault(item.service, item.title)
    return titles


def catalog_message(catalog: Catalog) -> CatalogIn:
    """The CatalogIn that tells the controller what this catalog's services are called."""
    from wire import Bilingual, CatalogIn

    return CatalogIn(
        version=catalog.version,
        titles={
            service: Bilingual.of(title.zh, title.en)
            for service, title in service_titles(catalog).items()
        },
    )
