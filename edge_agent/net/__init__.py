"""The network edges: peer discovery over mDNS (`discovery`), the address book it feeds
(`addressbook`), and the CoAP transport.

Submodules are imported explicitly (``from edge_agent.net.discovery import Discovery``), so
importing this package loads no network library.
"""
