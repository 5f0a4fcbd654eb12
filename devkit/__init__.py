"""Development tools: the demo, headless rendering and screenshots, simulated card taps.

Nothing in the product (pii, wire, drivers, flows, kiosk, provisioning, controller) imports
this package; it assembles a kiosk through kiosk.composition like production does, then
reaches the simulators behind it (tests/architecture checks the direction).
"""
