"""The vocabulary of actions a flow may name. The kiosk binds each name to real behaviour."""

from __future__ import annotations

ACTIONS: frozenset[str] = frozenset({"read_id_card", "submit", "print_receipt"})

# Events any step may route. Events that a person triggers are shown as buttons.
SYSTEM_EVENTS: frozenset[str] = frozenset({"ok", "error", "timeout"})
