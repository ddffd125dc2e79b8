"""The network guard of every test: connections may go to this machine only."""

from __future__ import annotations

import ipaddress
import socket

real_connect = socket.socket.connect


def local_only_connect(self: socket.socket, address) -> None:
    """Tests may talk only to this machine: a real network call fails the test."""
    if self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = address[0]
        try:
            local = ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
        except ValueError:
            local = host == "localhost"
        if not local:
            raise OSError(f"tests must not connect to non-local address {host}")
    return real_connect(self, address)
