"""The touchscreen UI (Kivy), the only package allowed to import kivy.

Start it with `kiosk.ui.app.run_kiosk_app(port, fullscreen=...)`.
"""

from __future__ import annotations

import os

# Kivy reads these once, on its first import, which any kiosk.ui module may trigger. Set
# here, before that can happen: without KIVY_NO_ARGS Kivy parses our command line
# (`estation-kiosk --config kiosk.toml` is also a Kivy option, and a fatal one); the kiosk
# logs through Python logging, not Kivy's root-logger takeover and log files; and a machine
# that shows ID numbers has no use for the desktop clipboard.
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_CLIPBOARD", "dummy")
