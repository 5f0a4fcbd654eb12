"""Reading a QR code off a picture (a receipt, a screenshot) the way the kiosk's camera does.

OpenCV's classic detector alone misses about one valid code in a hundred (measured on
random receipt URLs), so a test that used it failed now and then on nothing but the key its
receipt drew; the camera driver's `decode_qr` tries the ArUco-based detector first.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from drivers.camera.analysis import decode_qr


def read_qr(picture: Path | np.ndarray) -> str | None:
    """The text of the QR code in `picture`; None when no code can be read there."""
    image = cv2.imread(str(picture)) if isinstance(picture, Path) else picture
    assert image is not None, f"not a picture: {picture}"
    found = decode_qr(image)
    return found[0].text if found else None
