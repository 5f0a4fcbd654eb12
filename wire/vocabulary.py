"""Names every layer shares, defined once: the kinds of device a kiosk has.

Standard library only, so the flows engine may name devices without the rest of the wire
contract. A device kind is the same string in a flow's `needs`, in kiosk.toml, in the device
manager's scanners, in a heartbeat and on the dashboard.
"""

from __future__ import annotations

import enum


class DeviceKind(enum.StrEnum):
    """A kind of device a kiosk may have; the value is its one name everywhere."""

    ID_CARD_READER = "id_card_reader"  # 2nd-generation resident ID card reader (serial SAM)
    SOCIAL_CARD_READER = "social_card_reader"  # social security card reader (PC/SC)
    RECEIPT_PRINTER = "receipt_printer"  # ESC/POS thermal receipt printer
    CAMERA = "camera"  # front camera: QR codes, face presence
