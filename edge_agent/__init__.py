"""edge-agent: compose Wasm services across small devices on a LAN.

Peers exchange signed CBOR particles carrying Fluence AIR scripts over CoAP/UDP, find each
other over mDNS/DNS-SD, and run services as sandboxed Wasm modules under wasm3.
"""

__version__ = "0.1.0"
