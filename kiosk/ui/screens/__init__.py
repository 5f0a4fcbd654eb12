"""One module and one .kv file per screen. Screens get what they need in `__init__`."""
