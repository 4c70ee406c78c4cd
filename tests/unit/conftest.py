"""Unit tests run the domain with no sockets at all."""

import socket

import pytest


@pytest.fixture(autouse=True)
def _no_network(monkeypatch, request):
    if request.node.get_closest_marker("sockets"):
        return

    def guard(*args, **kwargs):
        raise RuntimeError("unit tests must not open sockets")

    monkeypatch.setattr(socket.socket, "connect", guard)
