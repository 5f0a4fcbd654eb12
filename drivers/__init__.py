"""Terminal hardware: each device is a codec, a transport, a device class and a simulator."""
