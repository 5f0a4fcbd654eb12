from __future__ import annotations

import json

import pytest

from pii.idnumber import check_character
from wire import TransactionIn, WireError, parse

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
