"""The fleet controller: kiosk API (wire v1), services, database and the ops dashboard."""
