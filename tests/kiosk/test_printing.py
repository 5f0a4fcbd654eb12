"""The kiosk printing to a printer on a serial line (the simulator on a real pty)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from devkit.demo import write_kiosk_config
from devkit.scripted import registration_script, walk_kiosk
from drivers.printer import KeyValue
from drivers.printer.simulator import PrinterSimulator
from flows import Flow, Identity, Session, load_builtin_catalog
from flows.model import FieldKind
from kiosk.actions import Station, receipt_for
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from kiosk.config_model import PrinterConfig
from kiosk.enrollment import Enrollment
from kiosk.outbox import State
from pii import Sensitive, mask_name
from tests.flows.helpers import ID_NUMBER as ID
from tests.support.qr import read_qr
from wire import DeviceKind

# Registration without the rating that follows it: these tests count transactions.
ANSWERS = registration_script(dt.date.today(), stars=None)


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[PrinterSimulator]:
    with PrinterSimulator(tmp_path / "paper") as sim:
        yield sim


def make_kiosk(tmp_path: Path, printer_url: str) -> Kiosk:
    config = load_config(
        write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    )
    device = PrinterConfig(kind="device", path=f"serial:{printer_url}", profile="kiosk-80")
    config = dataclasses.replace(config, receipt_printer=device)
    kiosk = build_kiosk(config)
    kiosk.start(sync=False)
    # Not enrolled (no controller): give the kiosk an id so numbers can be made offline.
    kiosk.enroller.current = Enrollment("KA07", "t", config.controller_url)
    return kiosk


def test_a_receipt_comes_out_of_the_printer_with_a_readable_qr(tmp_path, printer) -> None:
    kiosk = make_kiosk(tmp_path, printer.url)
    try:
        result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        assert result.steps[-1] == "done"
        assert printer.wait_for_documents(1)
        png = printer.last_png()
        assert png is not None
        text = read_qr(png)
        assert text is not None
        assert text.endswith(f"/r/{result.transaction_number}?k={result.record.receipt_key}")
    finally:
        kiosk.close()


def test_a_printer_known_to_be_out_of_paper_is_not_used_an_e_receipt_is_shown(
    tmp_path, printer
) -> None:
    printer.paper_out = True
    kiosk = make_kiosk(tmp_path, printer.url)  # the device scan at start sees it
    try:
        assert "receipt_printer" not in kiosk.service.devices_available()
        result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        assert result.outcome == "completed"
        assert result.steps[-1] == "e_receipt"
        assert printer.received_documents() == []
        assert kiosk.outbox.counts()[State.PENDING] == 1  # the transaction itself is safe
    finally:
        kiosk.close()


def test_paper_running_out_during_the_visit_still_completes_the_registration(
    tmp_path, printer
) -> None:
    kiosk = make_kiosk(tmp_path, printer.url)
    try:
        assert "receipt_printer" in kiosk.service.devices_available()
        printer.paper_out = True  # runs out after the run started, before the receipt
        result = walk_kiosk(kiosk, "employment_registration", ANSWERS)
        assert result.outcome == "completed"
        assert result.steps[-1] == "done_without_receipt"
        assert printer.received_documents() == []
        kiosk.hardware.devices.scan_once()
        assert kiosk.service.heartbeat().devices[DeviceKind.RECEIPT_PRINTER].state == "faulted"
    finally:
        kiosk.close()


CATALOG_FLOWS = [s.flow for s in load_builtin_catalog().services]
STATION = Station(lambda: "KA07", "测试e站", "https://e.example.cn/", ZoneInfo("Asia/Shanghai"))
# Fields naming the employer, by the flow that asks: each must be on the citizen's receipt.
EMPLOYER_FIELDS = {
    "employment_registration": "employer_name",
    "bundle_onboarding": "employer_name",
    "bundle_flexible_employment": "employer_name",
    "unemployment_registration": "last_employer",
    "bundle_contract_termination": "last_employer",
}


def _answered(flow: Flow) -> Session:
    """A session of `flow` with every non-personal field answered, as if the form was sent."""
    session = Session(identity=Identity("id_card", Sensitive(ID), Sensitive("测试甲", mask_name)))
    for step in flow.steps.values():
        for spec in step.fields:
            if spec.personal:
                continue
            if spec.choices:
                session.values[spec.name] = spec.choices[0].value
            elif spec.kind in (FieldKind.DATE, FieldKind.DATE_RANGE):
                session.values[spec.name] = "2026-11-02"
            elif spec.kind is FieldKind.CHECKBOX:
                session.values[spec.name] = "yes"
            else:
                session.values[spec.name] = "城关镇社区服务中心"
    session.record.transaction_number = "KA07-2611260001"
    return session


def _rows(flow: Flow) -> dict[str, str]:
    receipt = receipt_for(flow, STATION, _answered(flow))
    return {b.key: b.value for b in receipt.blocks if isinstance(b, KeyValue)}


@pytest.mark.parametrize("flow_id", sorted(EMPLOYER_FIELDS))
def test_the_receipt_names_the_employer_the_citizen_gave(flow_id: str) -> None:
    flow = next(f for f in CATALOG_FLOWS if f.id == flow_id)
    spec = flow.find_field(EMPLOYER_FIELDS[flow_id])
    assert spec is not None
    assert _rows(flow)[spec.label.zh] == "城关镇社区服务中心"


@pytest.mark.parametrize("flow", CATALOG_FLOWS, ids=lambda f: f.id)
def test_no_receipt_prints_a_form_hint(flow: Flow) -> None:
    """ "（可多选）" tells a citizen how to fill in the form; on paper it means nothing."""
    for label in _rows(flow):
        assert "可多选" not in label
        assert "可不选" not in label


def test_a_multiple_choice_answer_is_printed_under_its_label_without_the_hint() -> None:
    flow = next(f for f in CATALOG_FLOWS if f.id == "unemployment_registration")
    assert _rows(flow)["想参加的培训"] == "电工"
