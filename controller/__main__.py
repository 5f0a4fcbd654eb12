"""Allow `python -m controller`."""

from __future__ import annotations

import sys

from controller.main import main

sys.exit(main())
