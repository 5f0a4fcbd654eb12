"""The vocabulary a flow may name. The kiosk binds each action and guard to real behaviour.

Flows never hold code (STYLE rule 9): a step names an action, a transition names a guard,
and the loader refuses any name not listed here.
"""

from __future__ import annotations

# Actions: `Callable[[Session], str | None]`, bound by the kiosk (kiosk/actions.py).
ACTIONS: frozenset[str] = frozenset(
    {
        "read_id_card",  # 2nd-generation resident ID card on the card reader
        "read_social_card",  # social security card (PC/SC) in the card slot
        "scan_e_social_card",  # QR code of the electronic social security card, by camera
        "submit",  # the transaction into the outbox
        "print_receipt",  # the receipt on the thermal printer
    }
)

# Guards: `Callable[[Session], bool]`, bound by the kiosk like actions. Must be quick and
# free of side effects: the engine asks them when an event fires.
GUARDS: frozenset[str] = frozenset(
    {
        "controller_online",  # the kiosk reached the controller recently (live status, slots)
    }
)

# Guards the engine answers itself from the session; the kiosk binds nothing for them.
ENGINE_GUARDS: frozenset[str] = frozenset(
    {
        "identity_typed",  # the citizen typed their ID number instead of presenting a card
    }
)

# Devices a step can need. A kiosk says which it has (`devices_available`) when a run
# starts; a step whose device is missing is replaced by its `fallback` step.
DEVICES: frozenset[str] = frozenset(
    {"id_card_reader", "social_card_reader", "camera", "receipt_printer"}
)

# The device each action needs; a step naming the action needs it without saying so.
ACTION_DEVICES: dict[str, str] = {
    "read_id_card": "id_card_reader",
    "read_social_card": "social_card_reader",
    "scan_e_social_card": "camera",
    "print_receipt": "receipt_printer",
}

# Identity methods a flow may offer (`kind: identity`), in the order of preference, and
# the action that reads each; `typed` is a form, the last resort.
IDENTITY_METHODS: dict[str, str | None] = {
    "id_card": "read_id_card",
    "social_card": "read_social_card",
    "e_social_card": "scan_e_social_card",
    "typed": None,
}

# What an end or notice screen shows besides its texts (`show:`).
SHOW_ITEMS: frozenset[str] = frozenset(
    {
        "receipt_qr",  # an on-screen QR code of the e-receipt (the transaction's public page)
    }
)

# Events any step may route. Events that a person triggers are shown as buttons.
SYSTEM_EVENTS: frozenset[str] = frozenset({"ok", "error", "timeout"})
