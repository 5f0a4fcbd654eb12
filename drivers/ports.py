"""The serial ports this machine has, for checking a configuration before it is used."""

from __future__ import annotations

from serial.tools import list_ports


def serial_ports() -> set[str]:
    """Device paths of the serial ports present now (USB adapters and on-board UARTs)."""
    return {port.device for port in list_ports.comports(include_links=True)}
