"""The station setup's schema: every error names the key and says what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.station_setup import SetupError, check_controller, parse_setup
from tests.support.servers import free_port


def _setup(**devices: Any) -> dict[str, Any]:
    return {
        "controller": {"url": "http://10.0.0.5:8000"},
        "station": {"name": "东区大厅", "region_code": "331122001001"},
        "devices": devices,
    }


def _ports() -> set[str]:
    return {"/dev/ttyUSB0"}


def test_a_good_setup_is_read() -> None:
    setup = parse_setup(_setup(id_card_reader="/dev/ttyUSB0"), ports=_ports)
    assert (setup.name, setup.region_code, setup.id_card_reader) == (
        "东区大厅", "331122001001", "/dev/ttyUSB0",
    )  # fmt: skip


def test_an_unknown_serial_port_names_the_key_and_the_ports_there_are() -> None:
    with pytest.raises(SetupError) as err:
        parse_setup(_setup(id_card_reader="/dev/ttyUSB7"), ports=_ports)
    assert err.value.key == "devices.id_card_reader"
    assert err.value.allowed == "simulator, /dev/ttyUSB0"


@pytest.mark.parametrize(
    ("code", "problem"),
    [("33112200100", "not 9 or 12 digits"), ("331122000000", "above the township"),
     ("999999001001", "not in GB/T 2260")],
)  # fmt: skip
def test_an_invalid_region_code_names_the_key(code: str, problem: str) -> None:
    data = _setup()
    data["station"]["region_code"] = code
    with pytest.raises(SetupError, match=problem) as err:
        parse_setup(data, ports=_ports)
    assert err.value.key == "station.region_code"


def test_an_unknown_key_and_a_bad_printer_profile_are_named() -> None:
    with pytest.raises(SetupError) as err:
        parse_setup({**_setup(), "extra": 1}, ports=_ports)
    assert err.value.key == "extra"
    with pytest.raises(SetupError) as err:
        parse_setup(_setup(receipt_printer={"profile": "nope"}), ports=_ports)
    assert err.value.key == "devices.receipt_printer.profile"
    assert "kiosk-80" in err.value.allowed


def test_an_unreachable_controller_url_names_the_key() -> None:
    with pytest.raises(SetupError, match="unreachable") as err:
        check_controller(f"http://127.0.0.1:{free_port()}", timeout=2)
    assert err.value.key == "controller.url"


def test_a_controller_name_that_does_not_resolve_says_dns() -> None:
    # .invalid never resolves (RFC 6761), on any network.
    with pytest.raises(SetupError) as err:
        check_controller("http://controller.invalid:8000", timeout=5)
    assert err.value.key == "controller.url"
    assert "the name controller.invalid was not found (DNS)" in err.value.problem


def test_a_refused_connection_says_nothing_listens_on_that_port() -> None:
    port = free_port()
    with pytest.raises(SetupError) as err:
        check_controller(f"http://127.0.0.1:{port}", timeout=2)
    assert f"refused the connection on port {port} (nothing listens there)" in err.value.problem
