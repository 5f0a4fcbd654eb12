from __future__ import annotations

import json

import pytest

from pii.idnumber import check_character
from wire import MaintenanceEventIn, MaintenanceEventKind, TransactionIn, WireError, parse

GOOD = {
    "key": "0" * 32,
    "number": "KA01-2611260001",
    "service": "employment_registration",
    "created_at": "2026-11-26T10:00:00+08:00",
    "identity_method": "id_card",
    "citizen": {"id_number": "11010519491231002X", "name": "测试甲"},
    "fields": {"phone": "13812345678"},
}


def test_a_transaction_round_trips_through_json() -> None:
    txn = TransactionIn.model_validate(GOOD)
    assert parse(TransactionIn, txn.model_dump_json()) == txn


def test_repr_hides_personal_data() -> None:
    txn = TransactionIn.model_validate(GOOD)
    assert "1101" not in repr(txn)
    assert "测试" not in repr(txn)
    assert "1101" not in repr(txn.citizen)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "body"),
        (b"[]", "body"),
        (b'{"key": "x"}', "key"),
    ],
)
def test_malformed_json_is_a_wire_error_naming_the_field(body: bytes, field: str) -> None:
    with pytest.raises(WireError) as caught:
        parse(TransactionIn, body)
    assert field in str(caught.value)


def test_an_invalid_id_number_is_refused_without_echoing_it() -> None:
    bad = dict(GOOD, citizen={"id_number": "110105194912310021", "name": "测试甲"})
    with pytest.raises(WireError) as caught:
        parse(TransactionIn, json.dumps(bad))
    assert "citizen: Value error, id_number:" in str(caught.value)
    assert "110105194912310021" not in str(caught.value)


def test_a_county_code_newer_than_the_controllers_table_is_not_refused() -> None:
    # The kiosk accepted it (read from a chip, or typed against a newer table): refusing it
    # here would lose the citizen's application. Only the province is checked.
    first17 = "339901" + "19700501" + "001"
    newer = {"id_number": first17 + check_character(first17), "name": "测试甲"}
    assert TransactionIn.model_validate(dict(GOOD, citizen=newer)).citizen.id_number[:6] == "339901"
    first17 = "990105" + "19700501" + "001"
    nowhere = {"id_number": first17 + check_character(first17), "name": "测试甲"}
    with pytest.raises(WireError):
        parse(TransactionIn, json.dumps(dict(GOOD, citizen=nowhere)))


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(WireError, match="surprise"):
        parse(TransactionIn, json.dumps(dict(GOOD, surprise=1)))


@pytest.mark.parametrize(
    ("document", "number"),
    [
        ("hmt_residence_permit", "810000199408230021"),
        ("foreign_permanent_2017", "USA110088123456"),
        ("foreign_permanent_2023", "911001200001010011"),
    ],
)
def test_permits_and_foreigner_cards_carry_their_own_numbers(document: str, number: str) -> None:
    if document != "foreign_permanent_2017":
        number = number[:17] + check_character(number[:17])
    citizen = {"document": document, "id_number": number, "name": "测试乙"}
    txn = parse(TransactionIn, json.dumps(dict(GOOD, citizen=citizen)))
    assert txn.citizen.id_number == number


def test_a_resident_number_sent_as_a_foreigner_card_is_refused() -> None:
    citizen = {
        "document": "foreign_permanent_2017",
        "id_number": "11010519491231002X",
        "name": "甲",
    }
    with pytest.raises(WireError, match="format"):
        parse(TransactionIn, json.dumps(dict(GOOD, citizen=citizen)))


def maintenance_event(**fields: object) -> str:
    body = {"key": "e" * 32, "created_at": "2026-11-26T10:00:00+08:00", **fields}
    return json.dumps({k: v for k, v in body.items() if v is not None})


def test_a_maintenance_lockout_carries_its_count_and_end() -> None:
    event = parse(
        MaintenanceEventIn,
        maintenance_event(kind="locked_out", failures=5, locked_until="2026-11-26T10:15:00+08:00"),
    )
    assert (event.kind, event.failures) == (MaintenanceEventKind.LOCKED_OUT, 5)


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"kind": "locked_out", "failures": 5}, "locked_until"),
        ({"kind": "pin_failed"}, "failures"),
        ({"kind": "left"}, "left_to"),
        ({"kind": "entered", "left_to": "service"}, "left_to"),
        ({"kind": "out_of_service_on", "failures": 1}, "failures"),
        ({"kind": "pin_failed", "failures": 0}, "failures"),
        (
            {"kind": "locked_out", "failures": 5, "locked_until": "2026-11-26T09:00:00+08:00"},
            "locked_until",
        ),
        ({"kind": "entered", "pin": "482915"}, "pin"),  # the digits typed are never sent
        ({"kind": "entered", "technician": "张三"}, "technician"),  # nor a person
    ],
)
def test_a_maintenance_event_takes_only_the_fields_of_its_kind(
    fields: dict[str, object], named: str
) -> None:
    with pytest.raises(WireError, match=named):
        parse(MaintenanceEventIn, maintenance_event(**fields))
