"""The terminal: session handling, outbox, sync, health and the composition root. UI in kiosk/ui."""
