"""The catalog a kiosk reports: a zh-CN and an en title for every service id it can send."""

from __future__ import annotations

import pytest

from flows import Catalog, load_builtin_catalog
from kiosk.catalog_report import catalog_message, service_titles
from wire import CatalogIn, parse


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_builtin_catalog()


def sendable_services(catalog: Catalog) -> set[str]:
    """Every service id a submission or a rating from this catalog can name.

    Worked out from the flows themselves, not from the report: flows with a submit step
    (TransactionIn.service), every bundle item's service (TransactionItem.service) and the
    flows a completed run hands on to the rating (RatingIn.service).
    """
    flows = catalog.flows.values()
    submitting = {f.id for f in flows if any(s.action == "submit" for s in f.steps.values())}
    bundled = {item.service for f in flows for item in f.items}
    rated = {f.id for f in flows if any(s.then for s in f.steps.values())}
    return submitting | bundled | rated


def untitled(services: set[str], message: CatalogIn) -> set[str]:
    """The services the controller could not name in both languages from `message`."""
    titles = message.titles
    return {s for s in services if s not in titles or not (titles[s].zh and titles[s].en)}


def test_every_service_a_kiosk_can_send_has_a_zh_and_en_title(catalog: Catalog) -> None:
    services = sendable_services(catalog)
    # The services labels.py had lost, among them one that exists only as a bundle item.
    assert {
        "appointment_booking",
        "bundle_flexible_employment",
        "bundle_onboarding",
        "bundle_contract_termination",
        "flexible_insurance_enrolment",
        "unemployment_benefit_stop",
    } <= services
    assert untitled(services, catalog_message(catalog)) == set()


def test_the_title_check_catches_a_service_left_out(catalog: Catalog) -> None:
    message = catalog_message(catalog)
    titles = dict(message.titles)
    del titles["flexible_insurance_enrolment"]
    lacking = message.model_copy(update={"titles": titles})
    assert untitled(sendable_services(catalog), lacking) == {"flexible_insurance_enrolment"}


def test_the_report_names_every_flow_with_its_menu_title_and_the_catalog_version(
    catalog: Catalog,
) -> None:
    message = catalog_message(catalog)
    assert message.version == catalog.version
    for flow_id, flow in catalog.flows.items():
        assert (message.titles[flow_id].zh, message.titles[flow_id].en) == (
            flow.title.zh,
            flow.title.en,
        )


def test_a_flows_own_title_wins_over_a_bundles_wording_of_it(catalog: Catalog) -> None:
    bundle = catalog.flow("bundle_flexible_employment")
    wordings = {item.service: item.title.zh for item in bundle.items}
    assert wordings["employment_registration"] == "就业登记（灵活就业）"
    assert service_titles(catalog)["employment_registration"].zh == "就业登记"
    assert service_titles(catalog)["flexible_insurance_enrolment"].zh == "灵活就业人员参保登记"


def test_the_report_is_a_valid_wire_message(catalog: Catalog) -> None:
    message = catalog_message(catalog)
    assert parse(CatalogIn, message.model_dump_json()) == message
