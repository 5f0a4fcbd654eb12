"""The station setups a technician brings: one station's JSON file (`enroll --setup`) or a
row of the bulk CSV (`bulk`), read into the setup a kiosk is sent, with errors that name
the file or column that is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class SetupFileError(ValueError):
    """The technician's setup file cannot be read as a JSON object."""


def read_setup(path: Path) -> dict[str, Any]:
    """The station setup file (JSON); SetupFileError says what is wrong with it and where."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise SetupFileError(f"{path}: {err.strerror or err}") from err
    except ValueError as err:
        raise SetupFileError(f"{path}: not JSON: {err}") from err
    if not isinstance(data, dict):
        raise SetupFileError(f"{path}: a JSON object of controller, station and devices")
    return data


# The CSV's columns; serial and kiosk_code are needed, the rest fill the setup.
BULK_COLUMNS = (
    "serial", "kiosk_code", "controller_url", "controller_code", "name", "address",
    "region_code", "latitude", "longitude", "opening_hours", "help_phone",
    "id_card_reader", "printer_kind", "printer_path", "printer_profile", "camera",
    "social_card_reader",
)  # fmt: skip


def setup_from_row(row: dict[str, str]) -> dict[str, Any]:
    """One CSV row as a station setup; ValueError names the column that is wrong."""
    for column in ("serial", "kiosk_code", "controller_url", "name"):
        if not (row.get(column) or "").strip():
            raise ValueError(f"column {column} is empty")
    gps = None
    if row.get("latitude") or row.get("longitude"):
        try:
            gps = [float(row["latitude"]), float(row["longitude"])]
        except (KeyError, ValueError) as err:
            raise ValueError("columns latitude, longitude are not numbers") from err
    printer = {
        k: row[f"printer_{k}"] for k in ("kind", "path", "profile") if row.get(f"printer_{k}")
    }
    setup: dict[str, Any] = {
        "controller": {
            "url": row["controller_url"],
            "pairing_code": row.get("controller_code", ""),
        },
        "station": {
            k: row.get(k, "")
            for k in ("name", "address", "region_code", "opening_hours", "help_phone")
        },
        "devices": {
            k: row[k] for k in ("id_card_reader", "camera", "social_card_reader") if row.get(k)
        },
    }
    if gps:
        setup["station"]["gps"] = gps
    if printer:
        setup["devices"]["receipt_printer"] = printer
    return setup
